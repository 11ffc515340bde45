// Entering ring 3 for the first time: a TrapFrame at the top of the thread's
// kernel stack, returned into with iretq like any interrupt.
#include "arch/arch.h"
#include "cpu.h"
#include "gdt.h"

extern "C" [[noreturn]] void enter_trap_frame(arch::x86_64::TrapFrame*);

namespace arch {

namespace {
alignas(16) uint8_t g_user_thread_kernel_stack[16384];
constexpr uint64_t rflags_interrupts_enabled = 1 << 9;
constexpr uint64_t rflags_reserved_one = 1 << 1;
} // namespace

[[noreturn]] void enter_user_mode(const AddressSpace& space, ipc::VirtAddr entry, ipc::VirtAddr stack_top)
{
    uint64_t kernel_stack_top = reinterpret_cast<uint64_t>(g_user_thread_kernel_stack + sizeof(g_user_thread_kernel_stack));
    x86_64::set_kernel_stack(kernel_stack_top);
    auto* frame = reinterpret_cast<TrapFrame*>(kernel_stack_top - sizeof(TrapFrame));
    *frame = TrapFrame {};
    frame->rip = entry.get();
    frame->cs = x86_64::user_code_selector;
    frame->rflags = rflags_interrupts_enabled | rflags_reserved_one;
    frame->rsp = stack_top.get();
    frame->ss = x86_64::user_data_selector;
    space.activate();
    enter_trap_frame(frame);
}

} // namespace arch
