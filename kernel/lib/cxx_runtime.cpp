// The few C++ runtime hooks a freestanding kernel needs. The kernel has no
// heap, so operator delete must never run: reaching it is a bug.
#include <cstddef>
#include "panic.h"

extern "C" void __cxa_pure_virtual() { panic("pure virtual function called"); }

void operator delete(void*) noexcept { panic("operator delete called in the kernel"); }
void operator delete(void*, size_t) noexcept { panic("operator delete called in the kernel"); }

// Header-only std parts (string_view::substr) call these on misuse.
namespace std {
[[noreturn]] void __throw_out_of_range_fmt(const char* format, ...)
{
    panic("std: out of range: {}", format);
}
[[noreturn]] void __throw_out_of_range(const char* what) { panic("std: out of range: {}", what); }
} // namespace std

using Constructor = void (*)();
extern "C" Constructor __init_array_start[];
extern "C" Constructor __init_array_end[];

// Runs global constructors; main calls this before anything else.
void run_global_constructors()
{
    for (Constructor* c = __init_array_start; c != __init_array_end; ++c)
        (*c)();
}
