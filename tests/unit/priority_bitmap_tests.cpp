// The scheduler's bitmap of non-empty run queues, against a plain array of
// flags: the highest set priority, and whether any is set in a range.

#include <doctest/doctest.h>
#include <random>
#include <sched/priority_bitmap.h>

using kernel::sched::PriorityBitmap;

namespace {

constexpr unsigned priorities = 256;

struct Model {
    bool set[priorities] {};
    int highest() const
    {
        for (int p = priorities - 1; p >= 0; --p) {
            if (set[p])
                return p;
        }
        return -1;
    }
    bool any_in(unsigned low, unsigned high) const
    {
        for (unsigned p = low; p < high; ++p) {
            if (set[p])
                return true;
        }
        return false;
    }
};

} // namespace

TEST_CASE("priority bitmap: empty, then one priority at a time")
{
    PriorityBitmap<priorities> bitmap;
    CHECK(bitmap.highest() == -1);
    CHECK_FALSE(bitmap.any_in(0, priorities));
    for (unsigned p : { 0u, 1u, 63u, 64u, 127u, 128u, 200u, 255u }) {
        CAPTURE(p);
        bitmap.set(p);
        CHECK(bitmap.test(p));
        CHECK(bitmap.highest() == int(p));
        CHECK(bitmap.any_in(p, p + 1));
        CHECK(bitmap.any_in(0, priorities));
        CHECK_FALSE(bitmap.any_in(0, p));              // everything below it
        CHECK_FALSE(bitmap.any_in(p + 1, priorities)); // everything above it
        CHECK_FALSE(bitmap.any_in(p, p));              // an empty range
        bitmap.clear(p);
        CHECK_FALSE(bitmap.test(p));
        CHECK(bitmap.highest() == -1);
    }
}

TEST_CASE("priority bitmap: ranges across word boundaries")
{
    PriorityBitmap<priorities> bitmap;
    bitmap.set(63);
    bitmap.set(192);
    CHECK(bitmap.highest() == 192);
    CHECK(bitmap.any_in(63, 64));
    CHECK_FALSE(bitmap.any_in(64, 192)); // two whole empty words between the bits
    CHECK(bitmap.any_in(64, 193));
    CHECK(bitmap.any_in(0, 64));
    CHECK_FALSE(bitmap.any_in(0, 63));
    CHECK_FALSE(bitmap.any_in(193, 256));
    bitmap.clear(192);
    CHECK(bitmap.highest() == 63);
}

TEST_CASE("priority bitmap: agrees with a plain array on random contents and ranges")
{
    std::mt19937 random(6);
    for (int round = 0; round < 300; ++round) {
        PriorityBitmap<priorities> bitmap;
        Model model;
        // From empty to dense: some rounds leave whole words empty.
        unsigned count = random() % (round % 3 == 0 ? 4 : 40);
        for (unsigned i = 0; i < count; ++i) {
            unsigned p = random() % priorities;
            bitmap.set(p);
            model.set[p] = true;
        }
        for (unsigned i = 0; i < count / 3; ++i) {
            unsigned p = random() % priorities;
            bitmap.clear(p);
            model.set[p] = false;
        }
        REQUIRE(bitmap.highest() == model.highest());
        for (unsigned low = 0; low <= priorities; low += 1 + random() % 9) {
            for (unsigned high = low; high <= priorities; high += 1 + random() % 9) {
                CAPTURE(low);
                CAPTURE(high);
                REQUIRE(bitmap.any_in(low, high) == model.any_in(low, high));
            }
        }
    }
}
