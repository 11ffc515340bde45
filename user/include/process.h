#pragma once
// Processes through the process manager (<ipc/proto/process.h>).
#include <cstddef>
#include <cstdint>
#include <ipc/proto/process.h>
#include <ipc/result.h>

namespace libc {

// argv[0] is the program's path.
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
ipc::Result<ExitStatus> wait(uint64_t pid);
ipc::Result<void> kill(uint64_t pid);

} // namespace libc
