#pragma once
// Processes through the process manager (<ipc/proto/process.h>): every
// request is encoded and every reply decoded by the protocol's own types.
#include <cstddef>
#include <cstdint>
#include <ipc/proto/process.h>
#include <ipc/result.h>
#include <kernel_api.h>

namespace libc {

// argv[0] is the program's path. ArgumentListTooLong (nothing sent) when
// argv does not fit a Spawn (ipc::proto::process::max_spawn_argv_bytes,
// max_argc); the process manager's refusal otherwise (TooManyChildren,
// TableFull, NotFound, ...).
ipc::Result<uint64_t> spawn(const char* const* argv, size_t argc);

struct ExitStatus {
    ipc::proto::process::ExitKind kind;
    uint64_t status;      // exit status, or the pager's kill word
    uint64_t address;     // fault address (kills)
    uint64_t distance;    // guard hits: bytes below the guarded region
    uint64_t cause { 1 }; // ipc::ExitCause (kills; Wait reports pager kills)
    uint64_t ip { 0 };
};

// "exited with status 0", "killed: guard page hit at 0x7ffffff00000 (stack
// overflow, 4 KiB below the stack)", ...
void describe_exit(const ExitStatus&, char* out, size_t capacity);
// For the caller's own children only (NotPermitted otherwise; waiting for
// oneself is InvalidArgument). A word that is no pid is NotFound.
ipc::Result<ExitStatus> wait(uint64_t pid);
ipc::Result<void> kill(uint64_t pid);
// The index-th server or running program, servers first (NotFound past the end).
ipc::Result<ipc::proto::process::ListReply> list_process(uint64_t index);
// Return only when refused (NotPermitted without the operator right).
ipc::Result<void> power_off();
ipc::Result<void> reboot();

// A message just received, as the protocol types decode it: its info and
// its words from the registers and the IPC buffer.
void read_message(const kapi::SyscallResult&, ipc::proto::process::Message& out);

} // namespace libc
