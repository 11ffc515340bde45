#pragma once
namespace arch::x86_64 {
void idt_init();
}
