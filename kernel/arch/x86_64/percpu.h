#pragma once
// The per-CPU block that syscall_entry.S reaches through GS (kernel GS base).
// One CPU for now; the offsets are part of the assembly contract.
#include <cstddef>
#include <cstdint>

namespace arch::x86_64 {

struct PerCpu {
    uint64_t kernel_rsp; // top of the current thread's kernel stack
    uint64_t user_rsp;   // scratch for syscall entry
};
static_assert(offsetof(PerCpu, kernel_rsp) == 0);
static_assert(offsetof(PerCpu, user_rsp) == 8);

extern PerCpu g_percpu;
inline PerCpu& percpu() { return g_percpu; } // inline: every thread switch writes kernel_rsp

} // namespace arch::x86_64
