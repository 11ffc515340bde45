// Switching user threads: which TrapFrame the CPU saves into on the next
// kernel entry, which address space is loaded, and sane user frames.
#include "arch/arch.h"
#include "cpu.h"
#include "gdt.h"

extern "C" [[noreturn]] void enter_trap_frame(arch::x86_64::TrapFrame*);

namespace arch {

namespace {
constexpr uint64_t rflags_interrupts_enabled = 1 << 9;
constexpr uint64_t rflags_reserved_one = 1 << 1;
// What user code may set: CF PF AF ZF SF TF DF OF (no IOPL, IF forced on).
constexpr uint64_t rflags_user_mask = 0x0cd5 | (1 << 8);
} // namespace

void activate_thread(ipc::PhysAddr root, TrapFrame* frame)
{
    x86_64::set_kernel_stack(reinterpret_cast<uint64_t>(frame + 1));
    if (x86_64::read_cr3() != root.get())
        x86_64::write_cr3(root.get());
}

void make_user_frame(TrapFrame& frame, uint64_t rip, uint64_t rsp, uint64_t rflags)
{
    frame.rip = rip;
    frame.rsp = rsp;
    frame.cs = x86_64::user_code_selector;
    frame.ss = x86_64::user_data_selector;
    frame.rflags = (rflags & rflags_user_mask) | rflags_interrupts_enabled | rflags_reserved_one;
}

[[noreturn]] void enter_trap_frame(TrapFrame* frame) { ::enter_trap_frame(frame); }

} // namespace arch
