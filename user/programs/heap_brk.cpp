// heap_brk: grows the heap with brk, through malloc (64 blocks of 16 KiB)
// and directly with sbrk. Writes and verifies every block, checks that the
// break moved up by at least what was allocated, then `heap_brk: ok`.
#include "common.h"
#include <mman.h>

namespace {
constexpr size_t block_bytes = 16 * 1024;
constexpr unsigned block_count = 64; // 1 MiB in all

uint8_t pattern(unsigned block, size_t i) { return uint8_t(block * 31 + i * 7 + 1); }
} // namespace

int main(int, char**)
{
    auto start = libc::brk(nullptr);
    if (start.is_error())
        programs::fail("heap_brk", "asking for the break", start.error());
    uint8_t* blocks[block_count];
    for (unsigned b = 0; b < block_count; ++b) {
        blocks[b] = static_cast<uint8_t*>(libc::malloc(block_bytes));
        if (!blocks[b])
            programs::fail("heap_brk", "malloc returned null");
        for (size_t i = 0; i < block_bytes; ++i)
            blocks[b][i] = pattern(b, i);
    }
    for (unsigned b = 0; b < block_count; ++b) {
        for (size_t i = 0; i < block_bytes; ++i) {
            if (blocks[b][i] != pattern(b, i))
                programs::fail("heap_brk", "a heap byte lost its value");
        }
    }
    auto grown = libc::brk(nullptr);
    if (grown.is_error())
        programs::fail("heap_brk", "asking for the break", grown.error());
    auto from = reinterpret_cast<uint64_t>(start.value());
    auto to = reinterpret_cast<uint64_t>(grown.value());
    programs::say("heap_brk: break {:x} -> {:x} (+{} KiB) after {} KiB of malloc\n", from, to,
                  (to - from) / 1024, block_count * block_bytes / 1024);
    if (to < from + block_count * block_bytes)
        programs::fail("heap_brk", "the break did not grow by what malloc handed out");

    // sbrk directly: the new pages read as zero and keep what is written.
    auto* extra = static_cast<volatile uint8_t*>(libc::sbrk(3 * 4096));
    if (!extra)
        programs::fail("heap_brk", "sbrk(3 pages) failed");
    for (size_t i = 0; i < 3 * 4096; i += 512) {
        if (extra[i] != 0)
            programs::fail("heap_brk", "a fresh heap page is not zero");
        extra[i] = uint8_t(i / 512 + 1);
    }
    for (size_t i = 0; i < 3 * 4096; i += 512) {
        if (extra[i] != uint8_t(i / 512 + 1))
            programs::fail("heap_brk", "an sbrk page lost its value");
    }
    for (unsigned b = 0; b < block_count; ++b)
        libc::free(blocks[b]);
    auto heap = programs::region_of(from);
    if (!heap.is_error())
        programs::say("heap_brk: {} region {:x}-{:x}, resident {} pages\n",
                      programs::region_type_name(heap.value().type), heap.value().start, heap.value().end,
                      heap.value().resident_pages);
    programs::say("heap_brk: ok\n");
    return 0;
}
