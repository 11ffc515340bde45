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
    uint64_t status;   // exit status, or the pager's kill word
    uint64_t address;
    uint64_t distance;
};
ipc::Result<ExitStatus> wait(uint64_t pid);
ipc::Result<void> kill(uint64_t pid);

} // namespace libc
