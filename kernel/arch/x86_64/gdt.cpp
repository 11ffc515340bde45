// GDT and TSS. The selector order is dictated by syscall/sysret: STAR
// loads kernel CS from 0x08 (SS = 0x10), and sysret user SS from 0x10 + 8 =
// 0x18 and user CS from 0x10 + 16 = 0x20. The TSS gives ring-0 entries from
// user mode their stack (rsp0) and the double-fault handler a known-good
// stack of its own (IST1), so a kernel stack overflow still prints.
#include "gdt.h"
#include "cpu.h"
#include "percpu.h"

namespace arch::x86_64 {

namespace {

struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104);

struct [[gnu::packed]] GdtPointer {
    uint16_t limit;
    uint64_t base;
};

constexpr uint64_t kernel_code = 0x00af9a000000ffff; // present, ring 0, code, long mode
constexpr uint64_t kernel_data = 0x00cf92000000ffff;
constexpr uint64_t user_data = 0x00cff2000000ffff; // ring 3
constexpr uint64_t user_code = 0x00affa000000ffff;

alignas(16) uint64_t g_gdt[7];
alignas(16) Tss g_tss;
alignas(16) uint8_t g_double_fault_stack[8192];

void load_gdt()
{
    GdtPointer pointer { sizeof(g_gdt) - 1, reinterpret_cast<uint64_t>(g_gdt) };
    asm volatile("lgdt %0\n"
                 "mov %1, %%ds\n"
                 "mov %1, %%es\n"
                 "mov %1, %%ss\n"
                 "pushq %2\n"
                 "lea 1f(%%rip), %%rax\n"
                 "pushq %%rax\n"
                 "lretq\n"
                 "1:\n"
                 :
                 : "m"(pointer), "r"(uint64_t(kernel_data_selector)), "i"(uint64_t(kernel_code_selector))
                 : "rax", "memory");
    asm volatile("ltr %0" : : "r"(tss_selector));
}

} // namespace

void gdt_init()
{
    g_gdt[0] = 0;
    g_gdt[1] = kernel_code;
    g_gdt[2] = kernel_data;
    g_gdt[3] = user_data;
    g_gdt[4] = user_code;

    g_tss.iomap_base = sizeof(Tss); // no I/O bitmap: ring 3 gets no ports through the TSS
    g_tss.ist[0] = reinterpret_cast<uint64_t>(g_double_fault_stack + sizeof(g_double_fault_stack));
    uint64_t base = reinterpret_cast<uint64_t>(&g_tss);
    uint64_t limit = sizeof(Tss) - 1;
    g_gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (uint64_t(0x89) << 40) // present, 64-bit TSS
        | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    g_gdt[6] = base >> 32;
    load_gdt();
}

void set_kernel_stack(uint64_t stack_top)
{
    g_tss.rsp[0] = stack_top;
    percpu().kernel_rsp = stack_top;
}

} // namespace arch::x86_64
