// anon_mmap: a 256 KiB private anonymous mapping. Every byte reads as zero,
// then holds what was written; munmap gives it back, and a second mapping of
// the same size is zero again. Prints `anon_mmap: ok`.
#include "common.h"
#include <mman.h>

namespace {
constexpr size_t length = 256 * 1024;

uint8_t pattern(size_t i) { return uint8_t(i * 13 + (i >> 12) + 5); }

volatile uint8_t* map(const char* what)
{
    auto mapped = libc::mmap(nullptr, length, libc::Prot::read | libc::Prot::write,
                             libc::MapFlags::priv | libc::MapFlags::anonymous);
    if (mapped.is_error())
        programs::fail("anon_mmap", what, mapped.error());
    auto address = reinterpret_cast<uint64_t>(mapped.value());
    if (address == 0 || address % 4096 != 0)
        programs::fail("anon_mmap", "mmap returned an unaligned address");
    return static_cast<volatile uint8_t*>(mapped.value());
}

void check_zero(volatile uint8_t* memory)
{
    for (size_t i = 0; i < length; ++i) {
        if (memory[i] != 0)
            programs::fail("anon_mmap", "a fresh anonymous byte is not zero");
    }
}
} // namespace

int main(int, char**)
{
    volatile uint8_t* memory = map("mmap 256 KiB");
    auto address = reinterpret_cast<uint64_t>(memory);
    programs::say("anon_mmap: mapped 256 KiB at {:x}\n", address);
    check_zero(memory);
    for (size_t i = 0; i < length; ++i)
        memory[i] = pattern(i);
    for (size_t i = 0; i < length; ++i) {
        if (memory[i] != pattern(i))
            programs::fail("anon_mmap", "an anonymous byte lost its value");
    }
    auto region = programs::region_of(address);
    if (!region.is_error())
        programs::say("anon_mmap: {} region {:x}-{:x}, resident {} pages\n",
                      programs::region_type_name(region.value().type), region.value().start,
                      region.value().end, region.value().resident_pages);
    auto unmapped = libc::munmap(const_cast<uint8_t*>(memory), length);
    if (unmapped.is_error())
        programs::fail("anon_mmap", "munmap", unmapped.error());
    if (!programs::region_of(address).is_error())
        programs::fail("anon_mmap", "the pager still lists the region after munmap");

    volatile uint8_t* again = map("mmap after munmap");
    check_zero(again);
    programs::say("anon_mmap: mapped again at {:x}, zero again\n", reinterpret_cast<uint64_t>(again));
    programs::say("anon_mmap: ok\n");
    return 0;
}
