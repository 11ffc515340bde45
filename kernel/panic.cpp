#include "panic.h"
#include "arch/arch.h"

namespace kernel {

[[noreturn]] void halt_after_panic()
{
    arch::disable_interrupts();
    log::raw("System halted.\n");
    arch::qemu_exit(arch::QemuExit::Panic);
}

} // namespace kernel
