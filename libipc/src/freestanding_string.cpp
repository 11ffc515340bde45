// The memory functions the compiler may call on its own, even in
// freestanding code, shared by the kernel and the user libc (the host tests
// use the C library's). Simple on purpose: correctness first; the hot copies
// use the string instructions.
#include <cstddef>
#include <cstdint>

extern "C" {

void* memcpy(void* dest, const void* src, size_t n)
{
    asm volatile("rep movsb" : "+D"(dest), "+S"(src), "+c"(n) : : "memory");
    return dest;
}

void* memset(void* dest, int value, size_t n)
{
    void* start = dest;
    asm volatile("rep stosb" : "+D"(dest), "+c"(n) : "a"(value) : "memory");
    return start;
}

void* memmove(void* dest, const void* src, size_t n)
{
    auto* d = static_cast<unsigned char*>(dest);
    auto* s = static_cast<const unsigned char*>(src);
    if (d < s) {
        for (size_t i = 0; i < n; ++i)
            d[i] = s[i];
    } else {
        for (size_t i = n; i > 0; --i)
            d[i - 1] = s[i - 1];
    }
    return dest;
}

int memcmp(const void* a, const void* b, size_t n)
{
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; ++i) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

void* memchr(const void* s, int c, size_t n)
{
    auto* p = static_cast<const unsigned char*>(s);
    for (size_t i = 0; i < n; ++i) {
        if (p[i] == static_cast<unsigned char>(c))
            return const_cast<unsigned char*>(p + i);
    }
    return nullptr;
}

size_t strlen(const char* s)
{
    size_t n = 0;
    while (s[n])
        ++n;
    return n;
}
}
