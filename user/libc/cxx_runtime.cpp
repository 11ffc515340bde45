// The C++ runtime hooks a freestanding program can pull in through
// header-only std parts (string_view::substr at -O0, say). Reaching one is a
// bug in the program: say so and end it.
#include <stdio.h>
#include <stdlib.h>

namespace std {
[[noreturn]] void __throw_out_of_range_fmt(const char* format, ...)
{
    libc::print("fatal: std: out of range: {}\n", format);
    libc::exit(127);
}
[[noreturn]] void __throw_out_of_range(const char* what)
{
    libc::print("fatal: std: out of range: {}\n", what);
    libc::exit(127);
}
} // namespace std

extern "C" void __cxa_pure_virtual()
{
    libc::puts("fatal: pure virtual function called");
    libc::exit(127);
}
