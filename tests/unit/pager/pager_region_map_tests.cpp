// The region map: sorted insertion and lookup, munmap (remove) and mprotect
// (protect) with their splits and merges, placement of non-fixed mmaps, brk,
// and what happens at capacity.

#include "pager_test_support.h"
#include <algorithm>
#include <ipc/proto/pager.h>
#include <pager/region_map.h>
#include <random>
#include <string>
#include <vector>

using ipc::Error;
using pager::Backing;
using pager::PageRange;
using pager::prot_none;
using pager::prot_read;
using pager::prot_read_write;
using pager::Region;
using pager::RegionFlags;
using pager::RegionMap;
using pager::RegionType;
using namespace pager_test;

namespace {

// The map's regions as (start, end) pairs, to compare a whole map at once.
std::vector<std::pair<uint64_t, uint64_t>> spans(const RegionMap& map)
{
    std::vector<std::pair<uint64_t, uint64_t>> result;
    for (const Region& region : map)
        result.push_back({ region.start.get(), region.end.get() });
    return result;
}

void require_ok(ipc::Result<void> result)
{
    REQUIRE_MESSAGE(result.has_value(), "failed: " << ipc::error_name(result.error()));
}

Error error_of(ipc::Result<void> result)
{
    REQUIRE(result.is_error());
    return result.error();
}

// Fills the map with `count` one-page anonymous regions two pages apart.
void fill(RegionMap& map, size_t count, uint64_t base = 0x1000'0000)
{
    for (size_t i = 0; i < count; ++i)
        require_ok(map.insert(anon(base + i * 2 * page, base + i * 2 * page + page)));
}

} // namespace

TEST_CASE("pager region map: lookup at boundaries and unaligned addresses")
{
    RegionMap map;
    require_ok(map.insert(anon(0x20000, 0x30000)));
    require_ok(map.insert(anon(0x10000, 0x12000, prot_read, RegionType::AnonMmap)));
    require_ok(map.insert(anon(0x30000, 0x31000))); // adjacent to the first: allowed

    CHECK(spans(map)
          == std::vector<std::pair<uint64_t, uint64_t>> {
              { 0x10000, 0x12000 }, { 0x20000, 0x30000 }, { 0x30000, 0x31000 } });
    CHECK(map.find(va(0)) == nullptr);
    CHECK(map.find(va(0xffff)) == nullptr);
    REQUIRE(map.find(va(0x10000)) != nullptr);
    CHECK(map.find(va(0x10000))->start == va(0x10000));
    CHECK(map.find(va(0x11fff))->start == va(0x10000));
    CHECK(map.find(va(0x10abc))->start == va(0x10000));
    CHECK(map.find(va(0x12000)) == nullptr); // end is exclusive
    CHECK(map.find(va(0x1ffff)) == nullptr);
    CHECK(map.find(va(0x2ffff))->start == va(0x20000));
    CHECK(map.find(va(0x30000))->start == va(0x30000)); // the next region, not the one ending here
    CHECK(map.find(va(0x31000)) == nullptr);
    CHECK(map.find(va(~uint64_t(0))) == nullptr);

    CHECK(map.region_ending_at(va(0x30000))->start == va(0x20000));
    CHECK(map.region_starting_at(va(0x30000))->start == va(0x30000));
    CHECK(map.region_ending_at(va(0x20000)) == nullptr);
    CHECK(map.region_starting_at(va(0x11000)) == nullptr);
}

TEST_CASE("pager region map: writable() gives the map's own entry behind a found region")
{
    RegionMap map;
    require_ok(map.insert(anon(0x10000, 0x12000)));
    require_ok(map.insert(anon(0x20000, 0x30000)));
    const RegionMap& view = map;
    const Region* found = view.find(va(0x2abcd));
    REQUIRE(found != nullptr);
    Region* entry = map.writable(found);
    CHECK(entry == map.find(va(0x2abcd)));
    entry->resident_pages = 3;
    CHECK(view.find(va(0x20000))->resident_pages == 3);
    CHECK(map.writable(nullptr) == nullptr);
    CHECK(map.writable(view.find(va(0x11000))) == &*map.find(va(0x10000)));
}

TEST_CASE("pager region map: binary search agrees with a linear scan")
{
    std::mt19937_64 random(4);
    RegionMap map;
    std::vector<Region> inserted;
    uint64_t cursor = 0x10000;
    for (size_t i = 0; i < RegionMap::capacity; ++i) {
        cursor += (random() % 4) * page; // sometimes adjacent
        uint64_t size = (1 + random() % 8) * page;
        inserted.push_back(anon(cursor, cursor + size));
        cursor += size;
    }
    std::shuffle(inserted.begin(), inserted.end(), random);
    for (const Region& region : inserted)
        require_ok(map.insert(region));
    CHECK(map.is_full());

    for (int i = 0; i < 20000; ++i) {
        VirtAddr address(0x10000 - 0x2000 + random() % (cursor + 0x4000 - 0x10000));
        const Region* linear = nullptr;
        for (const Region& region : inserted) {
            if (region.contains(address))
                linear = &region;
        }
        const Region* found = map.find(address);
        if ((found == nullptr) != (linear == nullptr) || (found && found->start != linear->start))
            FAIL("find(" << address << ") disagrees with a linear scan");
    }
}

// find() remembers the last regions it found (hints); every change to the
// map moves regions around under them. Lookups at the same few places
// between random changes must still agree with a scan of the map itself.
TEST_CASE("pager region map: find stays right while the map changes under its hints")
{
    std::mt19937_64 random(11);
    RegionMap map;
    require_ok(map.set_heap_start(va(0x8000'0000)));
    const uint64_t base = 0x1000'0000, span = 256 * page;
    auto scan = [&](VirtAddr address) -> const Region* {
        for (const Region& region : map.regions()) {
            if (region.contains(address))
                return &region;
        }
        return nullptr;
    };
    for (int step = 0; step < 4000; ++step) {
        uint64_t start = base + (random() % 256) * page;
        uint64_t length = (1 + random() % 16) * page;
        switch (random() % 5) {
        case 0:
        case 1:
            (void)map.insert(anon(start, start + length)); // may overlap: refused
            break;
        case 2: (void)map.remove(range(start, start + length)); break;
        case 3:
            (void)map.protect(range(start, start + length), random() % 2 ? prot_read : prot_read_write);
            break;
        case 4: (void)map.set_break(va(0x8000'0000 + (random() % 8) * page)); break;
        }
        // A few hot places, as faults and stack pointers are.
        for (uint64_t address : { base + 0x10, base + span / 2 + 0x20, base + span - 8, uint64_t(0x8000'0010),
                                  base + (random() % 256) * page }) {
            const Region* found = map.find(va(address));
            if (found != scan(va(address)))
                FAIL("step " << step << ": find(" << va(address) << ") disagrees with a scan of the map");
        }
    }
}

TEST_CASE("pager region map: insert refuses overlap, misalignment and the heap")
{
    RegionMap map;
    require_ok(map.insert(anon(0x20000, 0x30000)));

    CHECK(error_of(map.insert(anon(0x1f000, 0x21000))) == Error::Overlap);         // across the start
    CHECK(error_of(map.insert(anon(0x2f000, 0x31000))) == Error::Overlap);         // across the end
    CHECK(error_of(map.insert(anon(0x24000, 0x25000))) == Error::Overlap);         // inside
    CHECK(error_of(map.insert(anon(0x10000, 0x40000))) == Error::Overlap);         // around
    CHECK(error_of(map.insert(anon(0x20000, 0x30000))) == Error::Overlap);         // the same
    CHECK(error_of(map.insert(anon(0x10800, 0x11000))) == Error::InvalidArgument); // start misaligned
    CHECK(error_of(map.insert(anon(0x10000, 0x10800))) == Error::InvalidArgument); // end misaligned
    CHECK(error_of(map.insert(anon(0x10000, 0x10000))) == Error::InvalidArgument); // empty
    CHECK(error_of(map.insert(anon(0x11000, 0x10000))) == Error::InvalidArgument); // backwards
    CHECK(error_of(map.insert(anon(0x10000, 0x11000, prot_read_write, RegionType::Heap)))
          == Error::InvalidArgument);
    CHECK(error_of(map.insert(file(0x10000, 0x11000, 1, 0x800, page))) == Error::InvalidArgument);
    CHECK(error_of(map.insert(anon(0, 0x1000))) == Error::OutOfRange); // the null page
    CHECK(error_of(map.insert(anon(ipc::user_space_end - page, ipc::user_space_end + page)))
          == Error::OutOfRange);
    CHECK(map.count() == 1);

    require_ok(map.insert(anon(0x1f000, 0x20000)));
    require_ok(map.insert(anon(ipc::user_space_end - page, ipc::user_space_end)));
    CHECK(map.count() == 3);
}

TEST_CASE("pager region map: remove in the middle of a region leaves two, file offset follows")
{
    RegionMap map;
    require_ok(map.insert(file(0x40000, 0x48000, 7, 0x3000, 0x7800)));
    require_ok(map.remove(range(0x42000, 0x44000)));

    REQUIRE(map.count() == 2);
    const Region& left = map.regions()[0];
    const Region& right = map.regions()[1];
    CHECK(left.start == va(0x40000));
    CHECK(left.end == va(0x42000));
    CHECK(left.backing == Backing { { 7 }, 0x3000, 0x2000 });
    CHECK(right.start == va(0x44000));
    CHECK(right.end == va(0x48000));
    CHECK(right.backing == Backing { { 7 }, 0x7000, 0x3800 });
    CHECK(map.find(va(0x43fff)) == nullptr);
    // The right part still ends its file data mid-page, as before the split.
    CHECK(pager::page_fill(right, va(0x47000)) == pager::PageFill { 0xa000, 0x800 });
}

TEST_CASE("pager region map: remove trims edges, spans regions and holes, ignores empty space")
{
    RegionMap map;
    require_ok(map.insert(anon(0x10000, 0x14000)));
    require_ok(map.insert(file(0x20000, 0x24000, 3, 0, 0x4000)));
    require_ok(map.insert(anon(0x24000, 0x28000)));
    require_ok(map.insert(anon(0x30000, 0x34000)));

    require_ok(map.remove(range(0x13000, 0x22000))); // the end of one, a hole, the start of another
    CHECK(spans(map)
          == std::vector<std::pair<uint64_t, uint64_t>> {
              { 0x10000, 0x13000 }, { 0x22000, 0x24000 }, { 0x24000, 0x28000 }, { 0x30000, 0x34000 } });
    CHECK(map.regions()[1].backing.offset == 0x2000);
    CHECK(map.regions()[1].backing.size == 0x2000);

    require_ok(map.remove(range(0x22000, 0x30000))); // exactly two whole regions
    require_ok(map.remove(range(0x50000, 0x60000))); // nothing there: fine, as munmap
    CHECK(spans(map)
          == std::vector<std::pair<uint64_t, uint64_t>> { { 0x10000, 0x13000 }, { 0x30000, 0x34000 } });

    CHECK(error_of(map.remove(range(0x10800, 0x11000))) == Error::InvalidArgument);
    CHECK(error_of(map.remove(range(0x11000, 0x11000))) == Error::InvalidArgument);
}

TEST_CASE("pager region map: only what mmap made may be unmapped or reprotected")
{
    RegionMap map;
    require_ok(
        map.insert(file(0x400000, 0x402000, 1, 0, 0x2000, pager::prot_read_execute, RegionType::Text)));
    require_ok(map.insert(file(0x402000, 0x403000, 1, 0x2000, 0x1000, prot_read, RegionType::RoData)));
    require_ok(map.insert(file(0x403000, 0x404000, 1, 0x3000, 0x800, prot_read_write, RegionType::Data)));
    require_ok(map.insert(anon(0x404000, 0x406000, prot_read_write, RegionType::Bss)));
    require_ok(map.set_heap_start(va(0x406000)));
    REQUIRE(map.set_break(va(0x408000)).has_value());
    require_ok(map.insert(anon(0x7000'0000, 0x7001'0000, prot_none, RegionType::Guard)));
    require_ok(map.insert(
        anon(0x7001'0000, 0x7081'0000, prot_read_write, RegionType::Stack, RegionFlags::grows_down)));
    require_ok(map.insert(
        anon(0x1000'0000, 0x1001'0000, prot_read_write, RegionType::Stack, RegionFlags::map_stack)));
    require_ok(map.insert(anon(0x2000'0000, 0x2000'4000)));

    const uint64_t fixed[][2]
        = { { 0x400000, 0x401000 },      { 0x402000, 0x403000 }, { 0x403000, 0x404000 },
            { 0x404000, 0x405000 },      { 0x406000, 0x407000 }, { 0x7000'0000, 0x7000'1000 },
            { 0x7080'0000, 0x7081'0000 } };
    size_t before = map.count();
    for (auto& r : fixed) {
        const Region* region = map.find(va(r[0]));
        REQUIRE(region != nullptr);
        std::string what = describe(*region);
        CAPTURE(what);
        CHECK(error_of(map.remove(range(r[0], r[1]))) == Error::InsufficientRights);
        CHECK(error_of(map.protect(range(r[0], r[1]), prot_read)) == Error::InsufficientRights);
    }
    // A range that also touches the heap is refused as a whole.
    CHECK(error_of(map.remove(range(0x405000, 0x2000'4000))) == Error::InsufficientRights);
    CHECK(map.count() == before);

    require_ok(map.protect(range(0x1000'0000, 0x1000'1000), prot_none)); // MAP_STACK stack
    require_ok(map.remove(range(0x1000'0000, 0x1001'0000)));
    require_ok(map.remove(range(0x2000'0000, 0x2000'1000)));
    CHECK(map.find(va(0x1000'8000)) == nullptr);
    CHECK(map.find(va(0x2000'1000))->start == va(0x2000'1000));
}

TEST_CASE("pager region map: protect a sub-range gives three, protecting it back merges to one")
{
    RegionMap map;
    Region original = file(0x40000, 0x50000, 9, 0x10000, 0xc800);
    original.resident_pages = 5;
    require_ok(map.insert(original));
    require_ok(map.insert(anon(0x30000, 0x40000, prot_read))); // a neighbour that must stay apart

    require_ok(map.protect(range(0x44000, 0x46000), prot_read));
    REQUIRE(map.count() == 4);
    const Region* middle = map.find(va(0x45000));
    REQUIRE(middle != nullptr);
    CHECK(middle->start == va(0x44000));
    CHECK(middle->end == va(0x46000));
    CHECK(middle->prot == prot_read);
    CHECK(middle->backing == Backing { { 9 }, 0x14000, 0x2000 });
    CHECK(map.find(va(0x43fff))->prot == prot_read_write);
    CHECK(map.find(va(0x46000))->prot == prot_read_write);
    CHECK(map.find(va(0x46000))->backing == Backing { { 9 }, 0x16000, 0x6800 });
    uint64_t resident = 0;
    for (const Region& region : map)
        resident += region.resident_pages;
    CHECK(resident == 5);

    require_ok(map.protect(range(0x44000, 0x46000), prot_read_write));
    REQUIRE(map.count() == 2);
    const Region& merged = map.regions()[1];
    CHECK(merged.start == original.start);
    CHECK(merged.end == original.end);
    CHECK(merged.prot == prot_read_write);
    CHECK(merged.backing == original.backing);
    CHECK(merged.resident_pages == 5);
    CHECK(map.regions()[0].end == va(0x40000)); // the anonymous read-only neighbour stays apart
}

TEST_CASE("pager region map: protect merges compatible neighbours only")
{
    RegionMap map;
    require_ok(map.insert(anon(0x10000, 0x12000)));
    require_ok(map.insert(anon(0x12000, 0x14000, prot_read)));
    require_ok(
        map.insert(anon(0x14000, 0x16000, prot_read_write, RegionType::AnonMmap, RegionFlags::shared)));
    require_ok(map.insert(file(0x16000, 0x18000, 2, 0x0, 0x2000)));
    require_ok(map.insert(file(0x18000, 0x1a000, 2, 0x4000, 0x2000))); // not contiguous in the file
    require_ok(map.insert(file(0x1a000, 0x1c000, 2, 0x6000, 0x2000)));

    require_ok(map.protect(range(0x12000, 0x14000), prot_read_write));
    CHECK(spans(map).front() == std::pair<uint64_t, uint64_t> { 0x10000, 0x14000 }); // merged
    CHECK(map.find(va(0x14000))->start == va(0x14000)); // shared flag differs: apart

    require_ok(map.protect(range(0x16000, 0x1c000), prot_read));
    CHECK(map.find(va(0x16000))->end == va(0x18000)); // file offsets jump: apart
    CHECK(map.find(va(0x18000))->end == va(0x1c000)); // contiguous: merged
    CHECK(map.find(va(0x18000))->backing.size == 0x4000);

    // File data that stops inside the left part cannot continue in the right.
    RegionMap tails;
    require_ok(tails.insert(file(0x10000, 0x12000, 2, 0x0, 0x1800)));
    require_ok(tails.insert(file(0x12000, 0x14000, 2, 0x2000, 0x2000, prot_read)));
    require_ok(tails.protect(range(0x12000, 0x14000), prot_read_write));
    CHECK(tails.count() == 2);
}

TEST_CASE("pager region map: protect needs every page mapped and keeps the map on failure")
{
    RegionMap map;
    require_ok(map.insert(anon(0x10000, 0x12000)));
    require_ok(map.insert(anon(0x13000, 0x15000)));
    CHECK(error_of(map.protect(range(0x11000, 0x14000), prot_read)) == Error::NotMapped);
    CHECK(error_of(map.protect(range(0xf000, 0x11000), prot_read)) == Error::NotMapped);
    CHECK(error_of(map.protect(range(0x14000, 0x16000), prot_read)) == Error::NotMapped);
    CHECK(error_of(map.protect(range(0x20000, 0x21000), prot_read)) == Error::NotMapped);
    CHECK(map.count() == 2);
    CHECK(map.find(va(0x11000))->prot == prot_read_write);

    require_ok(map.protect(range(0x10000, 0x12000), prot_none)); // a whole region, no split
    CHECK(map.count() == 2);
    CHECK(map.find(va(0x10000))->prot.is_none());
}

TEST_CASE("pager region map: capacity")
{
    RegionMap map;
    fill(map, RegionMap::capacity);
    REQUIRE(map.is_full());
    CHECK(error_of(map.insert(anon(0x5000'0000, 0x5000'1000))) == Error::NoMemory);

    // Growing by a split is refused, and nothing changes.
    RegionMap big;
    fill(big, RegionMap::capacity - 1);
    require_ok(big.insert(anon(0x6000'0000, 0x6000'4000)));
    REQUIRE(big.is_full());
    CHECK(error_of(big.remove(range(0x6000'1000, 0x6000'2000))) == Error::NoMemory);
    CHECK(error_of(big.protect(range(0x6000'1000, 0x6000'2000), prot_read)) == Error::NoMemory);
    CHECK(error_of(big.protect(range(0x6000'0000, 0x6000'1000), prot_read)) == Error::NoMemory);
    CHECK(big.find(va(0x6000'1000))->end == va(0x6000'4000));
    CHECK(big.find(va(0x6000'1000))->prot == prot_read_write);

    // What does not add a region still works when full.
    require_ok(big.protect(range(0x6000'1000, 0x6000'2000), prot_read_write)); // same prot: no cut
    require_ok(big.remove(range(0x6000'3000, 0x6000'4000)));                   // trims an edge
    require_ok(big.protect(range(0x6000'0000, 0x6000'3000), prot_read));       // whole region
    require_ok(big.remove(range(0x6000'0000, 0x6000'3000)));
    CHECK(big.count() == RegionMap::capacity - 1);
    require_ok(big.insert(anon(0x6000'0000, 0x6000'4000)));
    REQUIRE(big.is_full());
    require_ok(big.remove(range(0x6000'0000, 0x6000'4000))); // a whole region
    CHECK(big.count() == RegionMap::capacity - 1);
}

TEST_CASE("pager region map: find_free places non-fixed mappings")
{
    RegionMap map;
    const VirtAddr below = va(0x7000'0000);
    CHECK(map.find_free(0x3000, VirtAddr(), below).value() == va(0x6fff'd000));
    CHECK(map.find_free(0x2001, VirtAddr(), below).value() == va(0x6fff'd000)); // rounded up to pages
    CHECK(map.find_free(0, VirtAddr(), below).error() == Error::InvalidArgument);

    require_ok(map.insert(anon(0x6fff'e000, 0x7100'0000))); // straddles the limit
    require_ok(map.insert(anon(0x6fff'a000, 0x6fff'c000))); // leaves a two-page gap above it
    CHECK(map.find_free(0x2000, VirtAddr(), below).value() == va(0x6fff'c000));
    CHECK(map.find_free(0x3000, VirtAddr(), below).value() == va(0x6fff'7000)); // gap too small: go below
    CHECK(map.find_free(0x1000, va(0x5000'0800), below).value() == va(0x5000'0000)); // free hint, rounded
    CHECK(map.find_free(0x1000, va(0x7200'0000), below).value()
          == va(0x7200'0000)); // a hint above the limit is fine
    CHECK(map.find_free(0x3000, va(0x6fff'b000), below).value() == va(0x6fff'7000)); // taken hint: top-down
    CHECK(map.find_free(0x7000'0000, VirtAddr(), below).error() == Error::NoMemory);
    CHECK(map.find_free(0x6fff'a000 - ipc::user_space_base, VirtAddr(), below).value()
          == va(ipc::user_space_base));
    CHECK(map.find_free(page, VirtAddr(), va(ipc::user_space_base)).error() == Error::NoMemory);
}

TEST_CASE("pager region map: brk grows and shrinks the heap up to the next region")
{
    RegionMap map;
    CHECK(map.set_break(va(0x50'0000)).error() == Error::InvalidArgument); // no heap yet
    require_ok(map.insert(anon(0x40'0000, 0x50'0000, prot_read_write, RegionType::Bss)));
    require_ok(map.insert(anon(0x60'0000, 0x60'1000)));
    CHECK(error_of(map.set_heap_start(va(0x4f'f000))) == Error::Overlap);
    CHECK(error_of(map.set_heap_start(va(0x50'0800))) == Error::InvalidArgument);
    require_ok(map.set_heap_start(va(0x50'0000)));
    CHECK(map.find(va(0x50'0000)) == nullptr); // an empty heap holds no address

    auto grown = map.set_break(va(0x50'1234));
    REQUIRE(grown.has_value());
    CHECK(grown.value().previous == va(0x50'0000));
    CHECK(grown.value().current == va(0x50'1234));
    CHECK(grown.value().released().size() == 0);
    const Region* heap = map.find(va(0x50'1fff));
    REQUIRE(heap != nullptr);
    CHECK(heap->type == RegionType::Heap);
    CHECK(heap->end == va(0x50'2000));
    CHECK(map.current_break() == va(0x50'1234));
    CHECK(error_of(map.set_heap_start(va(0x51'0000))) == Error::Busy);

    CHECK(map.set_break(va(0x60'0001)).error() == Error::Overlap); // would reach the next region
    CHECK(map.set_break(va(0x4f'ffff)).error() == Error::InvalidArgument);
    CHECK(map.set_break(va(ipc::user_space_end + 1)).error() == Error::OutOfRange);
    CHECK(map.current_break() == va(0x50'1234));
    CHECK(map.find(va(0x50'1000))->end == va(0x50'2000));

    REQUIRE(map.set_break(va(0x60'0000)).has_value()); // exactly up to it
    CHECK(map.find(va(0x5f'f000))->type == RegionType::Heap);

    auto shrunk = map.set_break(va(0x50'0010));
    REQUIRE(shrunk.has_value());
    CHECK(shrunk.value().released() == range(0x50'1000, 0x60'0000));
    CHECK(map.find(va(0x50'0fff))->end == va(0x50'1000));
    CHECK(map.find(va(0x50'1000)) == nullptr);

    REQUIRE(map.set_break(va(0x50'0000)).has_value());
    CHECK(map.find(va(0x50'0000)) == nullptr);
    CHECK(map.count() == 2);
    // brk is refused in munmap/mprotect terms too: the heap is not an mmap.
    REQUIRE(map.set_break(va(0x50'2000)).has_value());
    CHECK(error_of(map.remove(range(0x50'0000, 0x50'1000))) == Error::InsufficientRights);

    // The first heap page needs a free slot.
    RegionMap full;
    fill(full, RegionMap::capacity);
    require_ok(full.set_heap_start(va(0x20'0000)));
    CHECK(full.set_break(va(0x20'0001)).error() == Error::NoMemory);
}

TEST_CASE("pager region map: user ranges and protection words")
{
    CHECK(pager::protection_from_bits(0).value().is_none());
    CHECK(pager::protection_from_bits(ipc::proto::pager::Prot::read | ipc::proto::pager::Prot::exec).value()
          == pager::prot_read_execute);
    CHECK(pager::protection_from_bits(8).error() == Error::InvalidArgument);
    CHECK(pager::protection_from_bits(uint64_t(1) << 40 | 1).error() == Error::InvalidArgument);

    CHECK(PageRange::from_user(0x10000, 1).value() == range(0x10000, 0x11000));
    CHECK(PageRange::from_user(0x10000, 0x2000).value() == range(0x10000, 0x12000));
    CHECK(PageRange::from_user(0x10001, 0x1000).error() == Error::InvalidArgument);
    CHECK(PageRange::from_user(0x10000, 0).error() == Error::InvalidArgument);
    CHECK(PageRange::from_user(0, 0x1000).error() == Error::OutOfRange);
    CHECK(PageRange::from_user(ipc::user_space_end - page, 0x2000).error() == Error::OutOfRange);
    CHECK(PageRange::from_user(0x10000, ~uint64_t(0)).error() == Error::OutOfRange);
}
