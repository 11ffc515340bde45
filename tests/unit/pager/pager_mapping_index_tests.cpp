// The pager's (pid, page) -> slot index: probing across tombstones, and a
// model check against std::map under random inserts, replacements and erases.

#include <cstdint>
#include <doctest/doctest.h>
#include <map>
#include <memory>
#include <pager/mapping_index.h>
#include <random>
#include <utility>

using pager::MappingIndex;

TEST_CASE("mapping index: insert, find, replace, erase")
{
    auto index = std::make_unique<MappingIndex>();
    CHECK(index->find(1, 0x400000) == 0);
    index->insert(1, 0x400000, 17);
    index->insert(2, 0x400000, 18);
    CHECK(index->find(1, 0x400000) == 17);
    CHECK(index->find(2, 0x400000) == 18);
    index->insert(1, 0x400000, 40); // copy-on-write: the page now has another slot
    CHECK(index->find(1, 0x400000) == 40);
    index->erase(1, 0x400000);
    CHECK(index->find(1, 0x400000) == 0);
    CHECK(index->find(2, 0x400000) == 18);
}

TEST_CASE("mapping index: replacing a key that sits past a tombstone keeps one entry")
{
    // Fill a run of colliding homes, erase an early one (a tombstone), then
    // insert a later key again: it must be updated where it is, not added
    // at the tombstone, or erasing it would leave the old slot findable.
    auto index = std::make_unique<MappingIndex>();
    constexpr unsigned n = 4096;
    for (unsigned i = 0; i < n; ++i)
        index->insert(uint16_t(i % 7), uint64_t(i) << 12, i + 1);
    for (unsigned i = 0; i < n; i += 3)
        index->erase(uint16_t(i % 7), uint64_t(i) << 12);
    for (unsigned i = 1; i < n; i += 3)
        index->insert(uint16_t(i % 7), uint64_t(i) << 12, i + 100000);
    for (unsigned i = 1; i < n; i += 3) {
        index->erase(uint16_t(i % 7), uint64_t(i) << 12);
        CHECK(index->find(uint16_t(i % 7), uint64_t(i) << 12) == 0);
    }
    for (unsigned i = 2; i < n; i += 3)
        CHECK(index->find(uint16_t(i % 7), uint64_t(i) << 12) == i + 1);
}

TEST_CASE("mapping index: agrees with a std::map under random operations")
{
    auto index = std::make_unique<MappingIndex>();
    std::map<std::pair<uint16_t, uint64_t>, uint32_t> model;
    std::mt19937_64 random(0x6d6170);
    for (unsigned step = 0; step < 200000; ++step) {
        uint16_t pid = uint16_t(random() % 5 + 1);
        uint64_t page = (random() % 3000) << 12;
        switch (random() % 3) {
        case 0:
        case 1: {
            if (model.size() >= MappingIndex::capacity / 2 && !model.count({ pid, page }))
                break;
            uint32_t slot = uint32_t(random() % 30000 + 1);
            index->insert(pid, page, slot);
            model[{ pid, page }] = slot;
            break;
        }
        case 2:
            index->erase(pid, page);
            model.erase({ pid, page });
            break;
        }
        uint16_t probe_pid = uint16_t(random() % 5 + 1);
        uint64_t probe_page = (random() % 3000) << 12;
        auto it = model.find({ probe_pid, probe_page });
        REQUIRE(index->find(probe_pid, probe_page) == (it == model.end() ? 0 : it->second));
    }
    for (const auto& [key, slot] : model)
        REQUIRE(index->find(key.first, key.second) == slot);
}
