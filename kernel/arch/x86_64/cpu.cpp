// cpu_init and the small machine-control operations of arch.h.
#include "arch/arch.h"
#include "cpu.h"
#include "gdt.h"
#include "idt.h"
#include "percpu.h"
#include "syscall.h"

namespace arch {

namespace x86_64 {
PerCpu g_percpu;
} // namespace x86_64

namespace {

constexpr uint64_t cr0_mp = 1ull << 1;     // WAIT honours TS
constexpr uint64_t cr0_em = 1ull << 2;     // x87 emulation: SSE is #UD while set
constexpr uint64_t cr0_ts = 1ull << 3;     // task switched: x87 and SSE are #NM
constexpr uint64_t cr4_osfxsr = 1ull << 9; // SSE instructions are enabled

// The kernel switches no x87 or SSE state, so user mode may not have any:
// with TS set an x87 or SSE instruction is #NM, which kills the thread like
// any other exception. zero_blocks (zero_memory.S) is the one user of SSE and
// clears TS only around its stores.
void lock_out_fpu()
{
    using namespace x86_64;
    write_cr4(read_cr4() | cr4_osfxsr);
    write_cr0((read_cr0() & ~cr0_em) | cr0_mp | cr0_ts);
}

} // namespace

void cpu_init()
{
    using namespace x86_64;
    lock_out_fpu();
    gdt_init();
    idt_init();
    // The kernel GS base points at the per-CPU block; user GS stays 0.
    write_msr(msr_gs_base, 0);
    write_msr(msr_kernel_gs_base, reinterpret_cast<uint64_t>(&g_percpu));
    syscall_init();
}

extern "C" void idle_wait(); // interrupt_stubs.S
void idle_until_interrupt() { idle_wait(); }
void disable_interrupts() { asm volatile("cli"); }

[[noreturn]] void halt_forever()
{
    for (;;)
        asm volatile("cli; hlt");
}

[[noreturn]] void qemu_exit(QemuExit code)
{
    x86_64::outb(0xf4, uint8_t(code));
    // Not under QEMU (or no isa-debug-exit device): just stop.
    halt_forever();
}

namespace {
// A `ret` instruction in writable data: executing it must fault (NX).
uint8_t g_code_in_data[16] = { 0xc3 };
} // namespace

static bool equal(const char* a, const char* b)
{
    while (*a && *a == *b)
        ++a, ++b;
    return *a == *b;
}

bool trigger_kernel_fault(const char* kind)
{
    if (equal(kind, "pf")) {
        // A write to an address nothing maps: #PF, error code 0x2.
        *reinterpret_cast<volatile uint64_t*>(0xdead0000) = 1;
    } else if (equal(kind, "gp")) {
        // A non-canonical address: #GP.
        asm volatile("movq 0x8000000000000000, %%rax" : : : "rax");
    } else if (equal(kind, "ud")) {
        asm volatile("ud2");
    } else if (equal(kind, "de")) {
        asm volatile("xor %%ecx, %%ecx; div %%ecx" : : : "rax", "rcx", "rdx");
    } else if (equal(kind, "df")) {
        // Point the stack at unmapped memory and push: the #PF cannot push its
        // own frame, which makes it a #DF, which runs on its IST stack.
        asm volatile("movabs $0xffff900000000000, %%rsp; pushq $0" : : : "memory");
    } else if (equal(kind, "wtext")) {
        // Kernel text is mapped read-only (W^X): a protection-violation #PF.
        *reinterpret_cast<volatile uint8_t*>(&trigger_kernel_fault) = 0x90;
    } else if (equal(kind, "irq")) {
        // Interrupts opened outside the idle wait: the next tick must panic.
        asm volatile("sti");
        for (;;)
            asm volatile("pause");
    } else if (equal(kind, "xdata")) {
        // Kernel data is mapped no-execute: an instruction-fetch #PF.
        reinterpret_cast<void (*)()>(reinterpret_cast<uintptr_t>(g_code_in_data))();
    } else {
        return false;
    }
    return true;
}

} // namespace arch
