#include "syscall.h"
#include "cpu.h"
#include "trap_frame.h"
#include "hooks.h"

extern "C" void syscall_entry();

namespace arch::x86_64 {

void syscall_init()
{
    constexpr uint64_t efer_sce = 1;
    write_msr(msr_efer, read_msr(msr_efer) | efer_sce);
    // STAR[47:32]: kernel CS (SS = +8). STAR[63:48]: base for sysret
    // (user SS = base + 8, user CS = base + 16), see gdt.cpp.
    write_msr(msr_star, (uint64_t(kernel_data_selector | 3) << 48) | (uint64_t(kernel_code_selector) << 32));
    write_msr(msr_lstar, reinterpret_cast<uint64_t>(&syscall_entry));
    // Cleared on entry: IF (no interrupts until we are on the kernel stack),
    // DF (the ABI wants it clear), TF and AC.
    write_msr(msr_sfmask, (1 << 9) | (1 << 10) | (1 << 8) | (1 << 18));
}

} // namespace arch::x86_64

extern "C" arch::x86_64::TrapFrame* syscall_dispatch(arch::x86_64::TrapFrame* frame)
{
    return kernel::on_syscall(*frame);
}
