#pragma once
// Process start and end, and memory, for user programs.
#include <cstddef>
#include <cstdint>

namespace libc {

// rdi / rsi as the program was entered (servers get their arguments here).
uint64_t start_argument(unsigned i);
bool is_root_task();
// Ends the program: the root task ends the run; others tell the process manager.
[[noreturn]] void exit(int status);

} // namespace libc
