#pragma once
// What the arch layer calls back into the portable kernel for.
#include "arch/arch.h"

namespace kernel {

// A `syscall` from user mode; the result goes back through the frame.
void on_syscall(arch::TrapFrame&);
// A CPU exception taken in user mode (fault_address is CR2 for #PF).
void on_user_exception(arch::TrapFrame&, uint64_t fault_address);

} // namespace kernel
