// stack_grow: recursion that uses about 256 KiB of the main stack, one 1 KiB
// volatile frame per level, so the stack grows page by page through faults.
// Prints how much stack it used and a checksum that it also computes without
// the stack, then `stack_grow: ok`.
#include "common.h"

namespace {

constexpr unsigned frame_bytes = 1024;
constexpr unsigned levels = 256;
constexpr unsigned stride = 64;

uint64_t g_lowest_frame = ~uint64_t(0);

[[gnu::noinline]] uint64_t recurse(unsigned level)
{
    volatile uint8_t frame[frame_bytes];
    for (unsigned i = 0; i < frame_bytes; i += stride)
        frame[i] = uint8_t(level * 7 + i);
    auto here = reinterpret_cast<uint64_t>(&frame[0]);
    if (here < g_lowest_frame)
        g_lowest_frame = here;
    uint64_t sum = level == 0 ? 0 : recurse(level - 1);
    for (unsigned i = 0; i < frame_bytes; i += stride)
        sum += frame[i];
    return sum;
}

uint64_t expected_sum()
{
    uint64_t sum = 0;
    for (unsigned level = 0; level <= levels; ++level) {
        for (unsigned i = 0; i < frame_bytes; i += stride)
            sum += uint8_t(level * 7 + i);
    }
    return sum;
}

} // namespace

int main(int, char**)
{
    volatile uint8_t top_marker = 1;
    auto top = reinterpret_cast<uint64_t>(&top_marker);
    uint64_t sum = recurse(levels);
    uint64_t used_kib = (top - g_lowest_frame) / 1024;
    programs::say("stack_grow: {} levels used {} KiB of stack, checksum {}\n", levels + 1, used_kib, sum);
    if (sum != expected_sum())
        programs::fail("stack_grow", "checksum mismatch: a stack page lost its contents");
    if (used_kib < 256)
        programs::fail("stack_grow", "used less stack than intended");
    auto stack = programs::region_of(top);
    if (!stack.is_error())
        programs::say("stack_grow: stack region {:x}-{:x}, resident {} pages\n", stack.value().start,
                      stack.value().end, stack.value().resident_pages);
    programs::say("stack_grow: ok\n");
    return 0;
}
