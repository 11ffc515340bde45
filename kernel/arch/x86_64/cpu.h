#pragma once
// Thin wrappers over x86_64 instructions and registers.

#include <cstdint>

namespace arch::x86_64 {

inline void outb(uint16_t port, uint8_t value) { asm volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

inline uint64_t read_cr0()
{
    uint64_t v;
    asm volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr2()
{
    uint64_t v;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr3()
{
    uint64_t v;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr4()
{
    uint64_t v;
    asm volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}
inline void write_cr0(uint64_t v) { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
inline void write_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

inline uint64_t read_msr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t(hi) << 32) | lo;
}
inline void write_msr(uint32_t msr, uint64_t value)
{
    asm volatile("wrmsr" : : "c"(msr), "a"(uint32_t(value)), "d"(uint32_t(value >> 32)));
}

inline void invlpg(uint64_t virt) { asm volatile("invlpg (%0)" : : "r"(virt) : "memory"); }

inline constexpr uint32_t msr_efer = 0xc0000080;
inline constexpr uint32_t msr_star = 0xc0000081;
inline constexpr uint32_t msr_lstar = 0xc0000082;
inline constexpr uint32_t msr_sfmask = 0xc0000084;
inline constexpr uint32_t msr_gs_base = 0xc0000101;
inline constexpr uint32_t msr_kernel_gs_base = 0xc0000102;

// Segment selectors; the order is fixed by syscall/sysret (see gdt.cpp).
inline constexpr uint16_t kernel_code_selector = 0x08;
inline constexpr uint16_t kernel_data_selector = 0x10;
inline constexpr uint16_t user_data_selector = 0x18 | 3;
inline constexpr uint16_t user_code_selector = 0x20 | 3;
inline constexpr uint16_t tss_selector = 0x28;

} // namespace arch::x86_64
