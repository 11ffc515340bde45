// The periodic tick: the legacy 8259 PICs remapped to vectors 32-47 with only
// IRQ 0 unmasked, and PIT channel 0 in rate-generator mode. Simple and exact
// under emulation; a LAPIC timer can replace it when SMP arrives.
#include "arch/arch.h"
#include "cpu.h"
#include "timer.h"

namespace arch {

namespace {
constexpr uint16_t pic1_command = 0x20, pic1_data = 0x21;
constexpr uint16_t pic2_command = 0xa0, pic2_data = 0xa1;
constexpr uint16_t pit_channel0 = 0x40, pit_command = 0x43;
constexpr uint32_t pit_frequency = 1193182;

volatile uint64_t g_ticks = 0;
uint16_t g_irq_mask = 0xfffe; // only IRQ 0 (the tick) until a driver asks

void write_masks()
{
    x86_64::outb(pic1_data, uint8_t(g_irq_mask));
    x86_64::outb(pic2_data, uint8_t(g_irq_mask >> 8));
}

void remap_pic()
{
    using x86_64::outb;
    outb(pic1_command, 0x11); // ICW1: init, expect ICW4
    outb(pic2_command, 0x11);
    outb(pic1_data, x86_64::irq_base); // ICW2: vector offsets
    outb(pic2_data, x86_64::irq_base + 8);
    outb(pic1_data, 0x04); // ICW3: slave on IRQ2
    outb(pic2_data, 0x02);
    outb(pic1_data, 0x01); // ICW4: 8086 mode
    outb(pic2_data, 0x01);
    write_masks();
}
} // namespace

void timer_init(uint32_t hz)
{
    remap_pic();
    uint32_t divisor = pit_frequency / hz;
    x86_64::outb(pit_command, 0x34); // channel 0, lo/hi byte, mode 2
    x86_64::outb(pit_channel0, uint8_t(divisor));
    x86_64::outb(pit_channel0, uint8_t(divisor >> 8));
}

uint64_t timer_ticks() { return g_ticks; }

void irq_mask(unsigned irq)
{
    g_irq_mask |= uint16_t(1u << irq);
    write_masks();
}

void irq_unmask(unsigned irq)
{
    g_irq_mask &= uint16_t(~(1u << irq));
    // Lines on the slave PIC need the cascade line (IRQ 2) open too.
    if (irq >= 8)
        g_irq_mask &= uint16_t(~(1u << 2));
    write_masks();
}

uint8_t port_in8(uint16_t port) { return x86_64::inb(port); }
void port_out8(uint16_t port, uint8_t value) { x86_64::outb(port, value); }

namespace x86_64 {

void handle_irq(unsigned irq)
{
    if (irq == 0)
        g_ticks = g_ticks + 1;
    else
        irq_mask(irq); // a device line stays masked until its driver acks it
    if (irq >= 8)
        outb(pic2_command, 0x20);
    outb(pic1_command, 0x20);
}

} // namespace x86_64
} // namespace arch
