// The figures of a benchmark row (user/bench/row_figures.h): median, minimum
// and mean, with the samples sorted in place.

#include <algorithm>
#include <cstdint>
#include <doctest/doctest.h>
#include <random>
#include <row_figures.h>
#include <vector>

TEST_CASE("bench row figures: median, minimum and mean")
{
    uint64_t one[] = { 7 };
    auto f = bench::row_figures(one, 1);
    CHECK(f.median == 7);
    CHECK(f.minimum == 7);
    CHECK(f.mean == 7);

    // One sample that pays for many: the mean shows it, the median does not.
    uint64_t pool[] = { 100, 100, 6500, 100, 100 };
    f = bench::row_figures(pool, 5);
    CHECK(f.median == 100);
    CHECK(f.minimum == 100);
    CHECK(f.mean == 1380);
    CHECK(pool[4] == 6500);
}

TEST_CASE("bench row figures: agree with std::sort on random samples")
{
    std::mt19937_64 random(0x726f77);
    for (int round = 0; round < 200; ++round) {
        std::vector<uint64_t> values(1 + random() % 300);
        for (auto& v : values)
            v = random() % 100000;
        std::vector<uint64_t> sorted = values;
        std::sort(sorted.begin(), sorted.end());
        uint64_t sum = 0;
        for (uint64_t v : sorted)
            sum += v;
        auto f = bench::row_figures(values.data(), values.size());
        REQUIRE(values == sorted);
        CHECK(f.median == sorted[sorted.size() / 2]);
        CHECK(f.minimum == sorted.front());
        CHECK(f.mean == sum / sorted.size());
    }
}
