#pragma once
// panic(): the kernel found itself in a state it cannot continue from. It
// prints "KERNEL PANIC: <why>", then "System halted.", and stops the machine
// (under QEMU, with the panic exit code). VERIFY is the always-on assertion.

#include "log.h"

namespace kernel {
[[noreturn]] void halt_after_panic();
}

template<typename... Args>
[[noreturn]] void panic(const char* format, const Args&... args)
{
    kernel::log::raw("\nKERNEL PANIC: ");
    kernel::log::raw(format, args...);
    kernel::log::raw("\n");
    kernel::halt_after_panic();
}

#define VERIFY(expr)                                                                                         \
    do {                                                                                                     \
        if (!(expr)) [[unlikely]]                                                                            \
            panic("assertion failed: {} at {}:{} in {}", #expr, __FILE__, __LINE__, __func__);               \
    } while (0)

#define VERIFY_NOT_REACHED() panic("unreachable code reached at {}:{} in {}", __FILE__, __LINE__, __func__)
