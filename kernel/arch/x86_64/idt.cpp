// The IDT: vectors 0-31 are CPU exceptions, 32-47 the remapped PIC IRQs.
// All gates are interrupt gates (IF cleared on entry) with DPL 0, so `int n`
// from user mode is a #GP, delivered like any other user exception.
#include "idt.h"
#include "cpu.h"
#include <cstdint>

extern "C" const uint64_t interrupt_stub_table[48];

namespace arch::x86_64 {

namespace {

struct [[gnu::packed]] Gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attributes;
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(Gate) == 16);

struct [[gnu::packed]] IdtPointer {
    uint16_t limit;
    uint64_t base;
};

constexpr uint8_t interrupt_gate_present = 0x8e;
constexpr unsigned double_fault_vector = 8;
constexpr uint8_t double_fault_ist = 1;

alignas(16) Gate g_idt[256];

void set_gate(unsigned vector, uint64_t handler, uint8_t ist)
{
    g_idt[vector] = Gate {
        .offset_low = uint16_t(handler),
        .selector = kernel_code_selector,
        .ist = ist,
        .type_attributes = interrupt_gate_present,
        .offset_middle = uint16_t(handler >> 16),
        .offset_high = uint32_t(handler >> 32),
        .reserved = 0,
    };
}

} // namespace

void idt_init()
{
    for (unsigned v = 0; v < 48; ++v)
        set_gate(v, interrupt_stub_table[v], v == double_fault_vector ? double_fault_ist : 0);
    IdtPointer pointer { sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt) };
    asm volatile("lidt %0" : : "m"(pointer));
}

} // namespace arch::x86_64
