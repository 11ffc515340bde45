#pragma once
// The register state saved on kernel entry, by interrupts, exceptions and
// syscalls alike, so one return path (and later one context switch) serves
// all three. Layout is shared with interrupt_stubs.S and syscall_entry.S.

#include <cstddef>
#include <cstdint>

namespace arch::x86_64 {

struct TrapFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;     // exception/IRQ vector, or syscall_vector
    uint64_t error_code; // CPU error code, or 0
    // What the CPU pushes on an interrupt (and syscall_entry.S builds).
    uint64_t rip, cs, rflags, rsp, ss;

    bool from_user() const { return (cs & 3) == 3; }
};
static_assert(sizeof(TrapFrame) == 22 * 8);
static_assert(offsetof(TrapFrame, vector) == 15 * 8);
static_assert(offsetof(TrapFrame, rip) == 17 * 8);

inline constexpr uint64_t syscall_vector = 0x100;

} // namespace arch::x86_64
