#pragma once
#include <cstdint>

namespace arch::x86_64 {

void gdt_init();
// The stack the CPU switches to when an interrupt or syscall leaves ring 3.
void set_kernel_stack(uint64_t stack_top);

} // namespace arch::x86_64
