// The page cache's table (servers/pager/page_cache_table.h): bounded,
// lookups across deletions, and a clock that drops only pages no client maps.

#include "../doctest_ipc_error.h"
#include <map>
#include <memory>
#include <pager/page_cache_table.h>
#include <random>
#include <set>
#include <utility>

using ipc::Error;
using pager::PageCacheTable;
using Id = PageCacheTable::EntryId;

namespace {

ipc::CPtr master_of(uint64_t file, uint64_t index) { return ipc::CPtr(1000 + file * 10000 + index); }

} // namespace

TEST_CASE("page cache: insert, find, remove")
{
    auto table = std::make_unique<PageCacheTable>();
    CHECK(table->find(1, 0) == PageCacheTable::no_entry);
    auto a = table->insert(1, 0, 11);
    auto b = table->insert(2, 0, 12);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(table->find(1, 0) == a.value());
    CHECK(table->find(2, 0) == b.value());
    CHECK(table->master(a.value()) == 11);
    CHECK(table->size() == 2);
    CHECK(table->remove(a.value()) == 11);
    CHECK(table->find(1, 0) == PageCacheTable::no_entry);
    CHECK(table->find(2, 0) == b.value());
    CHECK(table->size() == 1);
    CHECK(table->remove(a.value()) == 0); // gone already
}

TEST_CASE("page cache: bounded; full means NoMemory until something is dropped")
{
    auto table = std::make_unique<PageCacheTable>();
    for (unsigned i = 0; i < PageCacheTable::capacity; ++i)
        REQUIRE(table->insert(7, i, master_of(7, i)).has_value());
    CHECK(table->is_full());
    CHECK(table->insert(8, 0, 1).error() == Error::NoMemory);
    Id victim = table->choose_victim();
    REQUIRE(victim != PageCacheTable::no_entry);
    CHECK(table->remove(victim) != 0);
    CHECK_FALSE(table->is_full());
    auto in = table->insert(8, 0, 1);
    REQUIRE(in.has_value());
    CHECK(in.value() == victim); // the entry is reused
    unsigned still_cached = 0;
    for (unsigned i = 0; i < PageCacheTable::capacity; ++i)
        still_cached += table->find(7, i) != PageCacheTable::no_entry;
    CHECK(still_cached == PageCacheTable::capacity - 1);
    CHECK(table->find(8, 0) == victim);
}

TEST_CASE("page cache: the clock never drops a mapped page, and gives a second chance")
{
    auto table = std::make_unique<PageCacheTable>();
    Id a = table->insert(1, 0, 11).value();
    Id b = table->insert(1, 1, 12).value();
    Id c = table->insert(1, 2, 13).value();
    table->mapped(a);
    table->mapped(c);
    // b is the only unmapped one: chosen (after its referenced mark is cleared).
    CHECK(table->choose_victim() == b);
    table->mapped(b);
    CHECK(table->choose_victim() == PageCacheTable::no_entry); // every page is mapped
    table->unmapped(a);
    CHECK(table->mappings(a) == 0);
    CHECK(table->choose_victim() == a);
    table->unmapped(a); // more unmaps than maps stay at 0
    CHECK(table->mappings(a) == 0);

    // Second chance: a page found (referenced) since the hand passed is kept over one that was not.
    auto fresh = std::make_unique<PageCacheTable>();
    Id x = fresh->insert(2, 0, 21).value();
    Id y = fresh->insert(2, 1, 22).value();
    CHECK(fresh->choose_victim() == x); // both referenced at insert: one turn clears, then x
    CHECK(fresh->find(2, 0) == x);      // x used again
    CHECK(fresh->choose_victim() == y);
}

TEST_CASE("page cache: a model check against std::map under random use")
{
    auto table = std::make_unique<PageCacheTable>();
    std::map<std::pair<uint64_t, uint64_t>, std::pair<Id, unsigned>> model; // key -> (id, mappings)
    std::mt19937_64 random(12);
    for (unsigned step = 0; step < 200000; ++step) {
        uint64_t file = random() % 5, index = random() % 3000;
        auto key = std::make_pair(file, index);
        Id found = table->find(file, index);
        auto it = model.find(key);
        REQUIRE((found == PageCacheTable::no_entry) == (it == model.end()));
        if (it != model.end()) {
            REQUIRE(found == it->second.first);
            REQUIRE(table->master(found) == master_of(file, index));
            switch (random() % 3) {
            case 0:
                table->mapped(found);
                ++it->second.second;
                break;
            case 1:
                if (it->second.second) {
                    table->unmapped(found);
                    --it->second.second;
                }
                break;
            default: break;
            }
            continue;
        }
        if (table->is_full()) {
            Id victim = table->choose_victim();
            if (victim == PageCacheTable::no_entry) {
                for (auto& [k, v] : model)
                    REQUIRE(v.second > 0);
                continue;
            }
            bool removed = false;
            for (auto m = model.begin(); m != model.end(); ++m) {
                if (m->second.first == victim) {
                    REQUIRE(m->second.second == 0); // never a mapped page
                    REQUIRE(table->remove(victim) == master_of(m->first.first, m->first.second));
                    model.erase(m);
                    removed = true;
                    break;
                }
            }
            REQUIRE(removed);
        }
        auto inserted = table->insert(file, index, master_of(file, index));
        REQUIRE(inserted.has_value());
        model[key] = { inserted.value(), 0 };
        REQUIRE(table->size() == model.size());
        REQUIRE(table->size() <= PageCacheTable::capacity);
    }
}
