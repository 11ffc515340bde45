// big: a large program image (2 MiB of initialised read-only data and 2 MiB
// of initialised writable data, each page starting with its index) that
// touches only a few of its pages. Then it asks the pager for its regions
// (Query) and prints
//   big: image N KiB, resident N pages
// where image is the size of its text, rodata, data and bss regions and
// resident counts the pages populated in all its regions: a lazily loaded
// program holds far fewer pages than its image.
#include "common.h"
#include <files.h>

extern "C" const uint64_t big_rodata[];
extern "C" uint64_t big_data[];

// Each 4 KiB page: its index as a quadword, then a fill byte. Written in
// assembly so the compiler neither zero-folds them into .bss nor spends
// minutes evaluating a 2 MiB constant initialiser.
asm(R"(
    .pushsection .rodata.big, "a", @progbits
    .balign 4096
    .globl big_rodata
big_rodata:
    .set big_page_index, 0
    .rept 512
    .quad big_page_index
    .fill 4088, 1, 0x5a
    .set big_page_index, big_page_index + 1
    .endr
    .popsection

    .pushsection .data.big, "aw", @progbits
    .balign 4096
    .globl big_data
big_data:
    .set big_page_index, 0
    .rept 512
    .quad big_page_index + 0x1000
    .fill 4088, 1, 0xa5
    .set big_page_index, big_page_index + 1
    .endr
    .popsection
)");

namespace {
constexpr unsigned pages = 512;
constexpr unsigned quads_per_page = 4096 / 8;
} // namespace

int main(int argc, char** argv)
{
    const volatile uint64_t* ro = big_rodata;
    volatile uint64_t* rw = big_data;
    for (unsigned page : { 0u, 100u, 511u }) {
        if (ro[page * quads_per_page] != page || ro[page * quads_per_page + 1] != 0x5a5a5a5a5a5a5a5aull)
            programs::fail("big", "a rodata page differs from the file");
    }
    for (unsigned page : { 3u, 300u }) {
        if (rw[page * quads_per_page] != page + 0x1000
            || rw[page * quads_per_page + 7] != 0xa5a5a5a5a5a5a5a5ull)
            programs::fail("big", "a data page differs from the file");
        rw[page * quads_per_page + 1] = page;
        if (rw[page * quads_per_page + 1] != page)
            programs::fail("big", "a data page did not keep a write");
    }

    uint64_t image_bytes = 0, resident = 0, image_resident = 0;
    unsigned count = programs::for_each_region([&](const programs::RegionInfo& r) {
        resident += r.resident_pages;
        if (programs::is_image_region(r.type)) {
            image_bytes += r.end - r.start;
            image_resident += r.resident_pages;
        }
        programs::say("big: region {:x}-{:x} {} resident {} of {} pages\n", r.start, r.end,
                      programs::region_type_name(r.type), r.resident_pages, r.pages());
    });
    if (count == 0)
        programs::fail("big", "the pager answered no Query");
    auto file = libc::open_file(argc > 0 ? argv[0] : "/bin/big");
    if (!file.is_error())
        programs::say("big: file {} KiB, {} rodata and {} data pages in the image\n",
                      file.value().size / 1024, pages, pages);
    programs::say("big: image resident {} pages\n", image_resident);
    programs::say("big: image {} KiB, resident {} pages\n", image_bytes / 1024, resident);
    return 0;
}
