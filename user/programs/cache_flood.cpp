// cache_flood (hostile): maps the 133-byte /etc/motd privately over 6000
// pages and reads every page. The pages past the end of the file must read
// as zeros and must not enter the pager's page cache (each used to take a
// cache page: the cache filled at 4096 and every program after was killed
// "out of memory" at its first uncached page). Prints the cache's growth
// (the pager's Stats) and `cache_flood: ok`; the test then runs hello and a
// file-backed program in the same boot.
#include "common.h"
#include <files.h>
#include <mman.h>

namespace {

constexpr uint64_t flood_pages = 6000;

uint64_t cache_pages()
{
    auto stats = libc::pager::stats();
    if (stats.is_error())
        programs::fail("cache_flood", "the pager's stats", stats.error());
    return stats.value().cache_pages;
}

} // namespace

int main(int, char**)
{
    auto file = libc::open_file("/etc/motd");
    if (file.is_error())
        programs::fail("cache_flood", "open /etc/motd", file.error());
    uint64_t before = cache_pages();
    auto mapped = libc::mmap(nullptr, flood_pages * 4096, libc::Prot::read, libc::MapFlags::priv,
                             int64_t(file.value().id), 0);
    if (mapped.is_error())
        programs::fail("cache_flood", "mmap of /etc/motd", mapped.error());
    const volatile uint8_t* bytes = static_cast<const volatile uint8_t*>(mapped.value());
    uint64_t nonzero = 0;
    for (uint64_t page = 1; page < flood_pages; ++page) {
        for (uint64_t at : { uint64_t(0), uint64_t(4095) })
            nonzero += bytes[page * 4096 + at] != 0;
    }
    if (bytes[0] == 0)
        programs::fail("cache_flood", "the first page does not hold the file");
    uint64_t after = cache_pages();
    programs::say("cache_flood: read {} pages past the end of a {}-byte file: {} nonzero bytes; page cache "
                  "grew by {} pages\n",
                  flood_pages - 1, file.value().size, nonzero, after - before);
    if (nonzero != 0)
        programs::fail("cache_flood", "pages past the end of the file are not zero");
    if (after - before > 1)
        programs::fail("cache_flood", "pages past the end of the file went into the page cache");
    auto unmapped = libc::munmap(mapped.value(), flood_pages * 4096);
    if (unmapped.is_error())
        programs::fail("cache_flood", "munmap", unmapped.error());
    programs::say("cache_flood: ok\n");
    return 0;
}
