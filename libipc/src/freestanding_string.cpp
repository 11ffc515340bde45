// The memory functions the compiler may call on its own, even in
// freestanding code, shared by the kernel and the user libc (the host tests
// use the C library's). Simple on purpose: correctness first; the hot copies
// use the string instructions.
#include <cstddef>
#include <cstdint>

extern "C" {

// Whole quadwords first, then the odd bytes: each repetition of a string
// instruction retires as one instruction, so a page costs 512, not 4096.
void* memcpy(void* dest, const void* src, size_t n)
{
    void* start = dest;
    size_t quads = n / 8, bytes = n % 8;
    asm volatile("rep movsq" : "+D"(dest), "+S"(src), "+c"(quads) : : "memory");
    asm volatile("rep movsb" : "+D"(dest), "+S"(src), "+c"(bytes) : : "memory");
    return start;
}

void* memset(void* dest, int value, size_t n)
{
    void* start = dest;
    uint64_t pattern = uint64_t(static_cast<unsigned char>(value)) * 0x0101'0101'0101'0101ull;
    size_t quads = n / 8, bytes = n % 8;
    asm volatile("rep stosq" : "+D"(dest), "+c"(quads) : "a"(pattern) : "memory");
    asm volatile("rep stosb" : "+D"(dest), "+c"(bytes) : "a"(pattern) : "memory");
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
