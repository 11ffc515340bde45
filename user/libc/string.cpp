// String functions only user programs need (the memory functions shared
// with the kernel are in libipc/src/freestanding_string.cpp).
#include <string.h>

extern "C" {

int strncmp(const char* a, const char* b, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        if (a[i] != b[i] || !a[i])
            return static_cast<unsigned char>(a[i]) - static_cast<unsigned char>(b[i]);
    }
    return 0;
}

int strcmp(const char* a, const char* b)
{
    while (*a && *a == *b)
        ++a, ++b;
    return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}
}
