#pragma once
// Raw syscalls, as the ABI in <ipc/syscall.h> defines them.
#include <cstdint>
#include <ipc/syscall.h>

namespace sys {

inline int64_t syscall2(ipc::Syscall number, uint64_t a0, uint64_t a1)
{
    int64_t result;
    asm volatile("syscall"
                 : "=a"(result)
                 : "a"(uint64_t(number)), "D"(a0), "S"(a1)
                 : "rcx", "r11", "memory");
    return result;
}

// Writes through the kernel's temporary debug console. Returns bytes written or -Error.
inline int64_t debug_print(const char* text, uint64_t length)
{
    return syscall2(ipc::Syscall::DebugPrint, reinterpret_cast<uint64_t>(text), length);
}

[[noreturn]] void debug_exit(int status);

} // namespace sys
