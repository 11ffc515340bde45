// The frame table over a small fake machine: a memory map with holes,
// overlapping and unaligned ranges, and reserved ranges that bite into it.

#include <algorithm>
#include <doctest/doctest.h>
#include <mm/frame_table.h>
#include <random>
#include <vector>

using ipc::Error;
using ipc::PhysAddr;
using ipc::PhysRange;
using kernel::mm::find_free_range;
using kernel::mm::FrameInfo;
using kernel::mm::FrameState;
using kernel::mm::FrameTable;

namespace {

constexpr uint64_t page = 0x1000;

PhysRange range(uint64_t base, uint64_t size) { return PhysRange { PhysAddr(base), size }; }
PhysAddr frame_address(uint64_t index) { return PhysAddr(index * page); }

// 64 frames (256 KiB). The expected free frames are worked out by hand in
// the comments and listed in expected_free_frames().
constexpr size_t machine_frames = 64;

const std::vector<PhysRange> machine_available {
    range(0x0800, 0x4800),   // [0x800, 0x5000): frame 0 only partly -> frames 1..4
    range(0x8000, 0x8800),   // [0x8000, 0x10800): frames 8..15, 16 partly
    range(0xc000, 0x6000),   // [0xc000, 0x12000): overlaps the above -> adds 16, 17
    range(0x18000, 0x800),   // two halves of frame 0x18 from two ranges:
    range(0x18800, 0x800),   //   no single range holds it, so it stays reserved
    range(0x20000, 0xe0000), // [0x20000, 0x100000): clamped to the table -> 32..63
};

const std::vector<PhysRange> machine_reserved {
    range(0x2800, 0x100),                 // inside frame 2
    range(0x20fff, 0x2),                  // straddles frames 32 and 33
    range(0x3f000, 0x11000),              // frame 63 and beyond the table
    range(0x9000, 0),                     // empty: touches nothing
    range(0xffff'ffff'ffff'f000, 0x2000), // wraps: must not confuse anything
};

std::vector<uint64_t> expected_free_frames()
{
    std::vector<uint64_t> frames { 1, 3, 4 };
    for (uint64_t i = 8; i <= 17; ++i)
        frames.push_back(i);
    for (uint64_t i = 34; i <= 62; ++i)
        frames.push_back(i);
    return frames;
}

struct Machine {
    Machine()
        // Garbage first: build() must initialize every record itself.
        : storage(machine_frames, FrameInfo { 0x12345678, 0xbeef, FrameState::Allocated, 0xff })
    {
        table.build(storage.data(), machine_frames, machine_available, machine_reserved);
    }
    std::vector<FrameInfo> storage;
    FrameTable table;
};

} // namespace

TEST_CASE("frame table: build marks exactly the wholly available, unreserved frames free")
{
    Machine machine;
    auto& table = machine.table;
    auto expected = expected_free_frames();
    REQUIRE(expected.size() == 42);

    CHECK(table.frame_count() == machine_frames);
    CHECK(table.free_count() == expected.size());
    CHECK(table.usable_count() == expected.size());
    CHECK(FrameTable::storage_bytes(machine_frames) == machine_frames * 8);

    for (uint64_t i = 0; i < machine_frames; ++i) {
        CAPTURE(i);
        const FrameInfo* info = table.info(frame_address(i));
        REQUIRE(info);
        bool should_be_free = std::find(expected.begin(), expected.end(), i) != expected.end();
        CHECK(info->state == (should_be_free ? FrameState::Free : FrameState::Reserved));
        CHECK(info->map_count == 0);
        CHECK(info->flags == 0);
    }
}

TEST_CASE("frame table: allocation hands out low frames first, then runs out")
{
    Machine machine;
    auto& table = machine.table;
    for (uint64_t expected : expected_free_frames()) {
        CAPTURE(expected);
        auto frame = table.allocate();
        REQUIRE(frame.has_value());
        CHECK(frame.value().get() == expected * page);
        CHECK(table.info(frame.value())->state == FrameState::Allocated);
        CHECK(table.info(frame.value())->map_count == 0);
    }
    CHECK(table.free_count() == 0);
    CHECK(table.usable_count() == 42);

    auto exhausted = table.allocate();
    REQUIRE(exhausted.is_error());
    CHECK(exhausted.error() == Error::NoMemory);

    // A freed frame is immediately available again.
    REQUIRE(table.free(frame_address(40)).has_value());
    CHECK(table.free_count() == 1);
    CHECK(table.info(frame_address(40))->state == FrameState::Free);
    auto again = table.allocate();
    REQUIRE(again.has_value());
    CHECK(again.value().get() == 40 * page);
    CHECK(table.allocate().error() == Error::NoMemory);
}

TEST_CASE("frame table: the free list is last-freed-first after build")
{
    Machine machine;
    auto& table = machine.table;
    auto a = table.allocate().value();
    auto b = table.allocate().value();
    REQUIRE(table.free(a).has_value());
    REQUIRE(table.free(b).has_value());
    CHECK(table.allocate().value() == b);
    CHECK(table.allocate().value() == a);
    CHECK(table.free_count() == 40);
}

TEST_CASE("frame table: free rules")
{
    Machine machine;
    auto& table = machine.table;
    PhysAddr frame = table.allocate().value();

    SUBCASE("a mapped frame is busy until its last mapping goes")
    {
        REQUIRE(table.add_mapping(frame).has_value());
        REQUIRE(table.add_mapping(frame).has_value());
        CHECK(table.free(frame).error() == Error::Busy);
        REQUIRE(table.remove_mapping(frame).has_value());
        CHECK(table.free(frame).error() == Error::Busy);
        REQUIRE(table.remove_mapping(frame).has_value());
        CHECK(table.free(frame).has_value());
        CHECK(table.info(frame)->state == FrameState::Free);
    }
    SUBCASE("double free is rejected and does not corrupt the count")
    {
        size_t free_before = table.free_count();
        REQUIRE(table.free(frame).has_value());
        CHECK(table.free(frame).error() == Error::InvalidArgument);
        CHECK(table.free_count() == free_before + 1);
    }
    SUBCASE("reserved, free, unaligned and out-of-table addresses are rejected")
    {
        size_t free_before = table.free_count();
        CHECK(table.free(frame_address(0)).error() == Error::InvalidArgument); // reserved (partial page)
        CHECK(table.free(frame_address(2)).error() == Error::InvalidArgument); // reserved range inside
        CHECK(table.free(frame_address(0x18)).error() == Error::InvalidArgument);
        CHECK(table.free(frame_address(62)).error() == Error::InvalidArgument); // still free
        CHECK(table.free(frame.offset(8)).error() == Error::InvalidArgument);   // unaligned
        CHECK(table.free(frame_address(machine_frames)).error() == Error::InvalidArgument);
        CHECK(table.free(PhysAddr(~uint64_t(0) & ~(page - 1))).error() == Error::InvalidArgument);
        CHECK(table.free_count() == free_before);
    }
}

TEST_CASE("frame table: mapping counts")
{
    Machine machine;
    auto& table = machine.table;
    PhysAddr frame = table.allocate().value();

    SUBCASE("only allocated frames gain or lose mappings")
    {
        CHECK(table.add_mapping(frame_address(62)).error() == Error::InvalidArgument); // free
        CHECK(table.add_mapping(frame_address(0)).error() == Error::InvalidArgument);  // reserved
        CHECK(table.add_mapping(frame.offset(1)).error() == Error::InvalidArgument);   // unaligned
        CHECK(table.add_mapping(frame_address(machine_frames)).error() == Error::InvalidArgument);
        CHECK(table.remove_mapping(frame_address(62)).error() == Error::InvalidArgument);
        CHECK(table.remove_mapping(frame_address(0)).error() == Error::InvalidArgument);
        CHECK(table.remove_mapping(frame_address(machine_frames)).error() == Error::InvalidArgument);
        CHECK(table.info(frame_address(62))->map_count == 0);
    }
    SUBCASE("removing a mapping that is not there is rejected")
    {
        CHECK(table.remove_mapping(frame).error() == Error::InvalidArgument);
        REQUIRE(table.add_mapping(frame).has_value());
        CHECK(table.info(frame)->map_count == 1);
        REQUIRE(table.remove_mapping(frame).has_value());
        CHECK(table.info(frame)->map_count == 0);
        CHECK(table.remove_mapping(frame).error() == Error::InvalidArgument);
    }
    SUBCASE("the count saturates with OutOfRange instead of wrapping")
    {
        size_t added = 0;
        for (uint32_t i = 0; i < 0xffff; ++i)
            added += table.add_mapping(frame).has_value();
        REQUIRE(added == 0xffff);
        CHECK(table.info(frame)->map_count == 0xffff);
        CHECK(table.add_mapping(frame).error() == Error::OutOfRange);
        CHECK(table.info(frame)->map_count == 0xffff);
        REQUIRE(table.remove_mapping(frame).has_value());
        CHECK(table.info(frame)->map_count == 0xfffe);
    }
    SUBCASE("a freed and reallocated frame starts with no mappings")
    {
        REQUIRE(table.add_mapping(frame).has_value());
        REQUIRE(table.remove_mapping(frame).has_value());
        REQUIRE(table.free(frame).has_value());
        PhysAddr again = table.allocate().value();
        CHECK(again == frame);
        CHECK(table.info(again)->map_count == 0);
        CHECK(table.remove_mapping(again).error() == Error::InvalidArgument);
    }
}

TEST_CASE("frame table: info bounds")
{
    Machine machine;
    auto& table = machine.table;
    CHECK(table.info(PhysAddr(0)) == &machine.storage[0]);
    CHECK(table.info(frame_address(machine_frames - 1)) == &machine.storage[machine_frames - 1]);
    CHECK(table.info(frame_address(machine_frames)) == nullptr);
    CHECK(table.info(PhysAddr(0x1001)) == nullptr);
    CHECK(table.info(PhysAddr(0xfff)) == nullptr);
    CHECK(table.info(PhysAddr(~uint64_t(0) & ~(page - 1))) == nullptr);
}

TEST_CASE("frame table: an empty table or empty memory map has nothing to give")
{
    FrameTable empty;
    empty.build(nullptr, 0, machine_available, machine_reserved);
    CHECK(empty.free_count() == 0);
    CHECK(empty.allocate().error() == Error::NoMemory);
    CHECK(empty.info(PhysAddr(0)) == nullptr);

    std::vector<FrameInfo> storage(16);
    FrameTable no_memory;
    no_memory.build(storage.data(), storage.size(), {}, {});
    CHECK(no_memory.free_count() == 0);
    CHECK(no_memory.usable_count() == 0);
    CHECK(no_memory.allocate().error() == Error::NoMemory);
    CHECK(no_memory.info(PhysAddr(0))->state == FrameState::Reserved);
}

TEST_CASE("frame table: a range reaching the top of the address space is clamped, not wrapped")
{
    std::vector<FrameInfo> storage(8);
    std::vector<PhysRange> available { range(0x2000, ~uint64_t(0) - 0x2000) };
    FrameTable table;
    table.build(storage.data(), storage.size(), available, {});
    CHECK(table.free_count() == 6);
    CHECK(table.allocate().value().get() == 0x2000);
}

// Cross-checks build() against the definition, one page at a time, over
// random small machines.
TEST_CASE("frame table: build agrees with a page-by-page model on random maps")
{
    std::mt19937_64 random(1234);
    auto random_range = [&] {
        uint64_t base = random() % 0x50000;
        uint64_t size = random() % 4 == 0 ? random() % 0x100 : random() % 0x20000;
        return range(base, size);
    };
    for (int round = 0; round < 200; ++round) {
        CAPTURE(round);
        std::vector<PhysRange> available, reserved;
        for (int i = int(random() % 6); i >= 0; --i)
            available.push_back(random_range());
        for (int i = int(random() % 6); i > 0; --i)
            reserved.push_back(random_range());
        size_t frames = random() % 80;

        std::vector<FrameInfo> storage(frames);
        FrameTable table;
        table.build(storage.data(), frames, available, reserved);

        size_t model_free = 0, mismatches = 0;
        for (uint64_t i = 0; i < frames; ++i) {
            uint64_t begin = i * page, end = begin + page;
            bool inside = false, touched = false;
            for (auto& r : available)
                inside |= r.base.get() <= begin && end <= r.end();
            for (auto& r : reserved)
                touched |= r.size && r.base.get() < end && begin < r.end();
            bool model = inside && !touched;
            model_free += model;
            FrameState expected = model ? FrameState::Free : FrameState::Reserved;
            mismatches += table.info(frame_address(i))->state != expected;
        }
        CHECK(mismatches == 0);
        CHECK(table.free_count() == model_free);

        bool ascending = true;
        uint64_t previous = 0;
        for (size_t i = 0; i < model_free; ++i) {
            uint64_t next = table.allocate().value().get();
            ascending &= i == 0 || next > previous;
            previous = next;
        }
        CHECK(ascending);
        CHECK(table.allocate().error() == Error::NoMemory);
    }
}

TEST_CASE("find_free_range: fixed cases")
{
    std::vector<PhysRange> available { range(0x1000, 0x4000), range(0x100000, 0x100000) };
    std::vector<PhysRange> reserved { range(0x100800, 0x800), range(0x150000, 0x1000) };
    auto find = [&](uint64_t bytes, uint64_t limit = ~uint64_t(0)) {
        return find_free_range(available, reserved, bytes, limit);
    };

    CHECK(find(1).value().get() == 0x1000);
    CHECK(find(0x4000).value().get() == 0x1000);
    // Too big for the low range; the high one starts with a reserved page.
    CHECK(find(0x4001).value().get() == 0x101000);
    // Would run into the second reserved range: it goes after it.
    CHECK(find(0x50000).value().get() == 0x151000);
    CHECK(find(0xaf000).value().get() == 0x151000);
    CHECK(find(0xaf001).error() == Error::NoMemory);
    CHECK(find(0x200000).error() == Error::NoMemory);
    CHECK(find(~uint64_t(0)).error() == Error::NoMemory);
    CHECK(find(0).error() == Error::InvalidArgument);

    SUBCASE("the limit bounds the end of the range")
    {
        CHECK(find(0x1000, 0x2000).value().get() == 0x1000);
        CHECK(find(0x1000, 0x1fff).error() == Error::NoMemory);
        CHECK(find(0x5000, 0x106000).value().get() == 0x101000);
        CHECK(find(0x5000, 0x105fff).error() == Error::NoMemory);
        CHECK(find(0x1000, 0).error() == Error::NoMemory);
    }
    SUBCASE("unaligned edges round inwards")
    {
        std::vector<PhysRange> odd_available { range(0x1800, 0x2800) }; // [0x1800, 0x4000)
        CHECK(find_free_range(odd_available, {}, 0x2000, ~uint64_t(0)).value().get() == 0x2000);
        CHECK(find_free_range(odd_available, {}, 0x2001, ~uint64_t(0)).error() == Error::NoMemory);
        std::vector<PhysRange> odd_reserved { range(0x2000, 0x1) };
        CHECK(find_free_range(odd_available, odd_reserved, 0x1000, ~uint64_t(0)).value().get() == 0x3000);
    }
    SUBCASE("it must fit inside one available range, not across two adjacent ones")
    {
        std::vector<PhysRange> halves { range(0x1000, 0x1000), range(0x2000, 0x1000) };
        CHECK(find_free_range(halves, {}, 0x2000, ~uint64_t(0)).error() == Error::NoMemory);
        CHECK(find_free_range(halves, {}, 0x1000, ~uint64_t(0)).value().get() == 0x1000);
    }
    SUBCASE("nothing available")
    {
        CHECK(find_free_range({}, {}, 0x1000, ~uint64_t(0)).error() == Error::NoMemory);
    }
}

TEST_CASE("find_free_range: agrees with a page-by-page search on random maps")
{
    std::mt19937_64 random(99);
    for (int round = 0; round < 500; ++round) {
        CAPTURE(round);
        std::vector<PhysRange> available, reserved;
        for (int i = int(random() % 5); i >= 0; --i)
            available.push_back(range(random() % 0x40000, random() % 0x20000));
        for (int i = int(random() % 6); i > 0; --i)
            reserved.push_back(range(random() % 0x60000, random() % 0x6000));
        uint64_t bytes = 1 + random() % 0x8000;
        uint64_t limit = random() % 3 == 0 ? ~uint64_t(0) : random() % 0x70000;

        uint64_t size = (bytes + page - 1) & ~(page - 1);
        bool model_found = false;
        uint64_t model = 0;
        for (uint64_t start = 0; start + size <= 0x80000 && !model_found; start += page) {
            uint64_t end = start + size;
            bool inside = false, touched = false;
            for (auto& r : available)
                inside |= r.base.get() <= start && end <= r.end();
            for (auto& r : reserved)
                touched |= r.size && r.base.get() < end && start < r.end();
            if (inside && !touched && end <= limit) {
                model_found = true;
                model = start;
            }
        }

        auto result = find_free_range(available, reserved, bytes, limit);
        REQUIRE(result.has_value() == model_found);
        if (model_found)
            CHECK(result.value().get() == model);
        else
            CHECK(result.error() == Error::NoMemory);
    }
}
