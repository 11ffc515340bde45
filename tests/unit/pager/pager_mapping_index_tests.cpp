// The pager's (pid, page) -> slot index: probing across tombstones, pids
// above 4096 kept apart, and a model check against std::map under random
// inserts, replacements and erases.

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

TEST_CASE("mapping index: pids 4096 apart (and 65536 apart) never find each other's pages")
{
    // The key was `page | pid`: pid 4097 at page P found pid 1 at P + 0x1000.
    auto index = std::make_unique<MappingIndex>();
    index->insert(1, 0x401000, 11);
    CHECK(index->find(4097, 0x400000) == 0);
    CHECK(index->find(65537, 0x401000) == 0);
    index->insert(4097, 0x400000, 12);
    index->insert(65537, 0x401000, 13);
    index->insert(0xffff'ffff, 0x401000, 14);
    CHECK(index->find(1, 0x401000) == 11);
    CHECK(index->find(4097, 0x400000) == 12);
    CHECK(index->find(65537, 0x401000) == 13);
    CHECK(index->find(0xffff'ffff, 0x401000) == 14);
    index->erase(4097, 0x400000);
    CHECK(index->find(1, 0x401000) == 11);
    CHECK(index->find(4097, 0x400000) == 0);
    index->erase(1, 0x401000);
    CHECK(index->find(65537, 0x401000) == 13);
}

TEST_CASE("mapping index: agrees with a std::map under random operations")
{
    auto index = std::make_unique<MappingIndex>();
    std::map<std::pair<uint32_t, uint64_t>, uint32_t> model;
    std::mt19937_64 random(0x6d6170);
    // Pids that collided when the key was `page | pid`, and page 0.
    const uint32_t pids[] = { 1, 4097, 8193, 65537, 0xffff'ffff };
    for (unsigned step = 0; step < 200000; ++step) {
        uint32_t pid = pids[random() % 5];
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
        uint32_t probe_pid = pids[random() % 5];
        uint64_t probe_page = (random() % 3000) << 12;
        auto it = model.find({ probe_pid, probe_page });
        REQUIRE(index->find(probe_pid, probe_page) == (it == model.end() ? 0 : it->second));
    }
    for (const auto& [key, slot] : model)
        REQUIRE(index->find(key.first, key.second) == slot);
}
