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

// Where each part of a syscall and an IPC message travels (ipc/syscall.h),
// as seL4's msgRegisters table: the portable kernel asks for "message word
// 2" or "the badge", never for r8 or rdi.
inline constexpr uint64_t TrapFrame::*const message_registers[] = {
    &TrapFrame::rdx,
    &TrapFrame::r10,
    &TrapFrame::r8,
    &TrapFrame::r9,
};
inline constexpr unsigned message_register_count = sizeof(message_registers) / sizeof(message_registers[0]);
inline constexpr uint64_t TrapFrame::*const syscall_number_register = &TrapFrame::rax;
inline constexpr uint64_t TrapFrame::*const error_register = &TrapFrame::rax;
// In: the capability pointer (and the debug calls' first argument); out: the badge.
inline constexpr uint64_t TrapFrame::*const cptr_register = &TrapFrame::rdi;
inline constexpr uint64_t TrapFrame::*const badge_register = &TrapFrame::rdi;
// In and out: the MessageInfo (and the debug calls' second argument).
inline constexpr uint64_t TrapFrame::*const info_register = &TrapFrame::rsi;
// A program's first argument at entry (the SysV ABI's first argument register).
inline constexpr uint64_t TrapFrame::*const entry_argument_register = &TrapFrame::rdi;

// The general registers TcbReadRegisters / TcbWriteRegisters carry after
// rip, rsp and rflags, in their order (user/include/kernel_api.h Registers).
inline constexpr uint64_t TrapFrame::*const general_registers[] = {
    &TrapFrame::rax, &TrapFrame::rbx, &TrapFrame::rcx, &TrapFrame::rdx, &TrapFrame::rsi,
    &TrapFrame::rdi, &TrapFrame::rbp, &TrapFrame::r8,  &TrapFrame::r9,  &TrapFrame::r10,
    &TrapFrame::r11, &TrapFrame::r12, &TrapFrame::r13, &TrapFrame::r14, &TrapFrame::r15,
};
inline constexpr unsigned general_register_count = sizeof(general_registers) / sizeof(general_registers[0]);

} // namespace arch::x86_64
