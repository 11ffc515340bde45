// bss_lazy: a 4 MiB zero-initialised array in .bss. Touches three pages of
// it (first, middle, last): each reads as zero, then holds what was written.
// Prints how many pages of the bss region are resident (far fewer than its
// size: the rest was never populated), then `bss_lazy: ok`.
#include "common.h"

namespace {
constexpr size_t big_bytes = 4 * 1024 * 1024;
uint8_t g_big[big_bytes];
} // namespace

int main(int, char**)
{
    const size_t offsets[] = { 0, big_bytes / 2 + 123, big_bytes - 1 };
    volatile uint8_t* big = g_big;
    for (size_t offset : offsets) {
        if (big[offset] != 0)
            programs::fail("bss_lazy", "a bss byte did not read as zero");
        big[offset] = uint8_t(0xa0 + offset % 7);
    }
    for (size_t offset : offsets) {
        if (big[offset] != uint8_t(0xa0 + offset % 7))
            programs::fail("bss_lazy", "a bss byte lost the value written to it");
        if (offset + 1 < big_bytes && big[offset + 1] != 0)
            programs::fail("bss_lazy", "the byte next to a written one is not zero");
    }
    auto region = programs::region_of(reinterpret_cast<uint64_t>(g_big + big_bytes / 2));
    if (region.is_error())
        programs::fail("bss_lazy", "the pager's Query does not know the bss array", region.error());
    programs::say("bss_lazy: {} region {:x}-{:x}: resident {} of {} pages\n",
                  programs::region_type_name(region.value().type), region.value().start, region.value().end,
                  region.value().resident_pages, region.value().pages());
    programs::say("bss_lazy: ok\n");
    return 0;
}
