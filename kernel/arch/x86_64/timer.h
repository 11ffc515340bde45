#pragma once
namespace arch::x86_64 {
inline constexpr unsigned irq_base = 32;
// Acknowledges and accounts one PIC interrupt.
void handle_irq(unsigned irq);
}
