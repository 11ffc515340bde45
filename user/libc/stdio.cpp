#include <stdio.h>
#include <string.h>
#include <syscall.h>

namespace libc {

void StdoutSink::write(const char* text, size_t length) { sys::debug_print(text, length); }

void puts(const char* text)
{
    sys::debug_print(text, strlen(text));
    sys::debug_print("\n", 1);
}

} // namespace libc
