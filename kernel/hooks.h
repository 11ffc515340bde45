#pragma once
// What the arch layer calls back into the portable kernel for. Each entry
// returns the TrapFrame to resume: the same thread's, or another's.
#include "arch/arch.h"

namespace kernel {

arch::TrapFrame* on_syscall(arch::TrapFrame&);
// A CPU exception taken in user mode (fault_address is CR2 for #PF).
arch::TrapFrame* on_user_exception(arch::TrapFrame&, uint64_t fault_address);
// An interrupt line fired (0 is the tick). `from_user` says whether a user
// thread was interrupted (then we may switch threads) or the idle loop.
arch::TrapFrame* on_irq(arch::TrapFrame&, unsigned irq);

} // namespace kernel
