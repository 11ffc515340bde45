#pragma once
// Raw syscalls, as the ABI in <ipc/syscall.h> defines them. The typed layer
// over every syscall and invocation is <kernel_api.h>.
#include <cstdint>
#include <ipc/error.h>
#include <ipc/syscall.h>

namespace sys {

// rax = number, rdi, rsi = arguments. The kernel returns an ipc::Error in rax
// and may rewrite rdi, rsi, rdx, r10, r8 and r9 (badge, info, message words),
// so all of them are outputs here; rcx and r11 are clobbered by the CPU.
inline uint64_t syscall2(ipc::Syscall number, uint64_t a0, uint64_t a1)
{
    register uint64_t rax asm("rax") = uint64_t(number);
    register uint64_t rdi asm("rdi") = a0;
    register uint64_t rsi asm("rsi") = a1;
    register uint64_t rdx asm("rdx") = 0;
    register uint64_t r10 asm("r10") = 0;
    register uint64_t r8 asm("r8") = 0;
    register uint64_t r9 asm("r9") = 0;
    asm volatile("syscall"
                 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                 :
                 : "rcx", "r11", "memory");
    return rax;
}

// Writes through the kernel's temporary debug console (at most
// ipc::debug_print_max bytes). Returns Error::None or why nothing was written.
inline ipc::Error debug_print(const char* text, uint64_t length)
{
    uint64_t raw = syscall2(ipc::Syscall::DebugPrint, reinterpret_cast<uint64_t>(text), length);
    return raw > 0xffffffffull ? ipc::Error(0xffffffffu) : ipc::Error(uint32_t(raw));
}

[[noreturn]] void debug_exit(int status);

} // namespace sys
