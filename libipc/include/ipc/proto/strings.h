#pragma once
// Strings in messages: packed 8 bytes per word, little-endian, NUL-padded,
// preceded by nothing (the length travels in its own word). Both sides use
// these two functions, so the layout is defined once.

#include <cstddef>
#include <cstdint>

namespace ipc::proto {

inline constexpr size_t max_path = 255;

// Packs `length` bytes into words; returns the number of words written.
inline unsigned pack_string(uint64_t* words, unsigned max_words, const char* text, size_t length)
{
    unsigned count = unsigned((length + 7) / 8);
    if (count > max_words)
        count = max_words, length = size_t(max_words) * 8;
    for (unsigned w = 0; w < count; ++w) {
        uint64_t word = 0;
        for (unsigned b = 0; b < 8; ++b) {
            size_t i = size_t(w) * 8 + b;
            if (i < length)
                word |= uint64_t(uint8_t(text[i])) << (8 * b);
        }
        words[w] = word;
    }
    return count;
}

// Unpacks at most `length` bytes (and at most `capacity - 1`) into a
// NUL-terminated buffer; returns the length written.
inline size_t unpack_string(const uint64_t* words, unsigned word_count, size_t length, char* out,
                            size_t capacity)
{
    if (capacity == 0)
        return 0;
    if (length > size_t(word_count) * 8)
        length = size_t(word_count) * 8;
    if (length > capacity - 1)
        length = capacity - 1;
    for (size_t i = 0; i < length; ++i)
        out[i] = char(words[i / 8] >> (8 * (i % 8)));
    out[length] = 0;
    return length;
}

} // namespace ipc::proto
