#pragma once
// Syscall numbers and the register convention, shared by kernel and user.
//
// Entry is the `syscall` instruction. rax = number; arguments in
// rdi, rsi, rdx, r10, r8, r9 (rcx and r11 are clobbered by the CPU).
// The result comes back in rax: 0 or a positive value on success,
// or -(ipc::Error) on failure.

#include <cstdint>

namespace ipc {

enum class Syscall : uint64_t {
    // Temporary debug calls, until the console server exists.
    DebugPrint = 0,  // (const char* text, size_t length)
    DebugExit = 1,   // (int status): the root task ends the run
};

inline constexpr uint64_t debug_print_max = 4096;

} // namespace ipc
