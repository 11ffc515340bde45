// interrupt_dispatch: every vector 0-47 arrives here with a TrapFrame.
// IRQs go to the timer/PIC code. A CPU exception taken in user mode is the
// portable kernel's business (it becomes a fault message); one taken in the
// kernel is a bug, and we print everything we know and halt.
#include "arch/arch.h"
#include "cpu.h"
#include "timer.h"
#include "trap_frame.h"
#include "hooks.h"
#include "log.h"
#include "panic.h"

namespace arch::x86_64 {

namespace {

struct ExceptionName {
    const char* mnemonic;
    const char* name;
};

constexpr ExceptionName exception_names[32] = {
    { "#DE", "Divide Error" },
    { "#DB", "Debug" },
    { "NMI", "Non-Maskable Interrupt" },
    { "#BP", "Breakpoint" },
    { "#OF", "Overflow" },
    { "#BR", "Bound Range Exceeded" },
    { "#UD", "Invalid Opcode" },
    { "#NM", "Device Not Available" },
    { "#DF", "Double Fault" },
    { "#MF", "Coprocessor Segment Overrun" },
    { "#TS", "Invalid TSS" },
    { "#NP", "Segment Not Present" },
    { "#SS", "Stack-Segment Fault" },
    { "#GP", "General Protection" },
    { "#PF", "Page Fault" },
    { "#15", "Reserved" },
    { "#MF", "x87 Floating-Point Exception" },
    { "#AC", "Alignment Check" },
    { "#MC", "Machine Check" },
    { "#XM", "SIMD Floating-Point Exception" },
    { "#VE", "Virtualization Exception" },
    { "#CP", "Control Protection" },
    { "#22", "Reserved" },
    { "#23", "Reserved" },
    { "#24", "Reserved" },
    { "#25", "Reserved" },
    { "#26", "Reserved" },
    { "#27", "Reserved" },
    { "#HV", "Hypervisor Injection" },
    { "#VC", "VMM Communication" },
    { "#SX", "Security Exception" },
    { "#31", "Reserved" },
};

bool g_in_panic = false;

void dump_registers(const TrapFrame& f, uint64_t cr2)
{
    using kernel::log::raw;
    raw("RIP={:016x} CS={:04x} RFLAGS={:016x}\n", f.rip, f.cs, f.rflags);
    raw("RSP={:016x} SS={:04x} CR2={:016x}\n", f.rsp, f.ss, cr2);
    raw("CR0={:016x} CR3={:016x} CR4={:016x}\n", read_cr0(), read_cr3(), read_cr4());
    raw("RAX={:016x} RBX={:016x} RCX={:016x}\n", f.rax, f.rbx, f.rcx);
    raw("RDX={:016x} RSI={:016x} RDI={:016x}\n", f.rdx, f.rsi, f.rdi);
    raw("RBP={:016x} R8 ={:016x} R9 ={:016x}\n", f.rbp, f.r8, f.r9);
    raw("R10={:016x} R11={:016x} R12={:016x}\n", f.r10, f.r11, f.r12);
    raw("R13={:016x} R14={:016x} R15={:016x}\n", f.r13, f.r14, f.r15);
}

// Where every panic over a trap frame starts. A fault while printing a
// panic comes back here: then say the least that can still work.
void enter_frame_panic()
{
    if (g_in_panic) {
        kernel::log::write_raw("\nKERNEL PANIC: nested exception during panic\n");
        kernel::halt_after_panic();
    }
    g_in_panic = true;
}

[[noreturn]] void kernel_exception(const TrapFrame& f)
{
    uint64_t cr2 = read_cr2();
    enter_frame_panic();
    const ExceptionName& e = exception_names[f.vector];
    kernel::log::raw("\nKERNEL PANIC: CPU exception {} ({}), vector {}, error code {:x}\n", e.mnemonic,
                     e.name, f.vector, f.error_code);
    if (f.vector == 14) {
        const char* access = (f.error_code & 2) ? "write" : (f.error_code & 16) ? "execute" : "read";
        const char* cause = (f.error_code & 1) ? "protection violation" : "page not present";
        kernel::log::raw("page fault: {} access, {}, at {:x}\n", access, cause, cr2);
    }
    dump_registers(f, cr2);
    kernel::halt_after_panic();
}

// Only arch::idle_until_interrupt opens interrupts in the kernel; see arch.h.
extern "C" const char idle_wait_hlt[], idle_wait_cli[];
bool in_idle_wait(uint64_t rip)
{
    return rip == reinterpret_cast<uint64_t>(idle_wait_hlt)
        || rip == reinterpret_cast<uint64_t>(idle_wait_cli);
}

[[noreturn]] void interrupt_outside_idle_wait(const TrapFrame& f, unsigned irq)
{
    enter_frame_panic();
    kernel::log::raw("\nKERNEL PANIC: IRQ {} taken in the kernel outside the idle wait, at rip {:x}\n", irq,
                     f.rip);
    dump_registers(f, read_cr2());
    kernel::halt_after_panic();
}

} // namespace

} // namespace arch::x86_64

const char* arch::exception_name(uint64_t vector)
{
    return vector < 32 ? arch::x86_64::exception_names[vector].mnemonic : "IRQ";
}

extern "C" arch::x86_64::TrapFrame* interrupt_dispatch(arch::x86_64::TrapFrame* frame)
{
    using namespace arch::x86_64;
    if (frame->vector >= irq_base) {
        unsigned irq = unsigned(frame->vector - irq_base);
        if (!frame->from_user() && !in_idle_wait(frame->rip))
            interrupt_outside_idle_wait(*frame, irq);
        handle_irq(irq);
        return kernel::on_irq(*frame, irq);
    }
    if (!frame->from_user())
        kernel_exception(*frame);
    return kernel::on_user_exception(*frame, frame->vector == 14 ? read_cr2() : 0);
}
