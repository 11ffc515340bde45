// Page selection of each pager policy: which extra pages a fault populates.
#include "pager_test_support.h"
#include <pager/policy.h>
#include <set>
#include <string>
#include <vector>

using namespace pager;

namespace {

constexpr uint64_t page = ipc::page_size;

class Resident final : public ResidencyQuery {
public:
    std::set<uint64_t> pages;
    bool is_resident(VirtAddr p) const override { return pages.count(p.get()) != 0; }
};

std::vector<uint64_t> select(const PagePolicy& policy, const Region& region, uint64_t fault,
                             const Resident& resident, size_t capacity = PagePolicy::max_batch)
{
    std::vector<VirtAddr> out(capacity);
    size_t n = policy.select(region, VirtAddr(fault), resident, out.data(), capacity);
    REQUIRE(n <= capacity);
    std::vector<uint64_t> pages;
    for (size_t i = 0; i < n; ++i)
        pages.push_back(out[i].get());
    return pages;
}

Region bss(uint64_t start, uint64_t pages)
{
    return Region::anonymous(RegionType::Bss, VirtAddr(start), VirtAddr(start + pages * page),
                             prot_read_write);
}

} // namespace

TEST_CASE("policy registry: names, parameters and refusals")
{
    CHECK(std::string(find_policy("lazy")->name()) == "lazy");
    CHECK(std::string(find_policy("eager")->name()) == "eager");
    CHECK(std::string(find_policy("around=16")->name()) == "around=16");
    CHECK(std::string(find_policy("around=1")->name()) == "around=1");
    CHECK(find_policy("around=0") == nullptr);
    CHECK(find_policy("around=513") == nullptr);
    CHECK(find_policy("around=") == nullptr);
    CHECK(find_policy("around=1x") == nullptr);
    CHECK(find_policy("around=99999999999999999999") == nullptr);
    CHECK(find_policy("Lazy") == nullptr);
    CHECK(find_policy("") == nullptr);
    REQUIRE(policy_count() == 3);
    CHECK(std::string(policy_listing(0)) == "lazy");
    CHECK(std::string(policy_listing(2)) == "around=N");
    CHECK(policy_listing(3) == nullptr);
}

TEST_CASE("lazy: nothing besides the faulting page")
{
    Resident none;
    CHECK(select(lazy_policy(), bss(0x400000, 64), 0x410000, none).empty());
}

TEST_CASE("eager: every non-resident page of the region except the faulting one")
{
    Region r = bss(0x400000, 8);
    Resident resident;
    resident.pages = { 0x401000, 0x405000 };
    auto pages = select(eager_policy(), r, 0x403000, resident);
    CHECK(pages == std::vector<uint64_t> { 0x400000, 0x402000, 0x404000, 0x406000, 0x407000 });
}

TEST_CASE("eager: a grows-down stack fills from the fault up to its top only")
{
    Region stack
        = Region::anonymous(RegionType::Stack, VirtAddr(0x7000'0000), VirtAddr(0x7000'0000 + 2048 * page),
                            prot_read_write, RegionFlags { RegionFlags::grows_down });
    Resident resident;
    uint64_t fault = stack.end.get() - 3 * page;
    auto pages = select(eager_policy(), stack, fault, resident);
    CHECK(pages == std::vector<uint64_t> { stack.end.get() - 2 * page, stack.end.get() - page });
}

TEST_CASE("eager: at most the batch capacity per fault")
{
    Region r = bss(0x1000'0000, 4096);
    Resident none;
    auto pages = select(eager_policy(), r, 0x1000'0000, none, 100);
    CHECK(pages.size() == 100);
    CHECK(pages.front() == 0x1000'1000);
}

TEST_CASE("around=N: the pages after the fault first, then before, inside the region, skipping resident ones")
{
    const PagePolicy* around = find_policy("around=4");
    REQUIRE(around);
    Region r = bss(0x400000, 10);
    Resident resident;
    resident.pages = { 0x406000 };
    // Fault at page 5: after it are 6 (resident), 7, 8, 9; then before it 4.
    auto pages = select(*around, r, 0x405000, resident);
    CHECK(pages == std::vector<uint64_t> { 0x407000, 0x408000, 0x409000, 0x404000 });

    // At the region's end: everything comes from below.
    pages = select(*around, r, 0x409000, Resident {});
    CHECK(pages == std::vector<uint64_t> { 0x408000, 0x407000, 0x406000, 0x405000 });

    // A region smaller than N: all of it, nothing outside.
    Region small = bss(0x500000, 3);
    pages = select(*around, small, 0x501000, Resident {});
    CHECK(pages == std::vector<uint64_t> { 0x502000, 0x500000 });
}

TEST_CASE("around=16 over a sequential walk: one fault per 17 pages")
{
    const PagePolicy* around = find_policy("around=16");
    REQUIRE(around);
    Region r = bss(0x1000'0000, 4096);
    Resident resident;
    unsigned faults = 0;
    for (uint64_t p = r.start.get(); p < r.end.get(); p += page) {
        if (resident.is_resident(VirtAddr(p)))
            continue;
        ++faults;
        resident.pages.insert(p);
        for (uint64_t extra : select(*around, r, p, resident))
            resident.pages.insert(extra);
    }
    CHECK(resident.pages.size() == 4096);
    CHECK(faults == (4096 + 16) / 17);
}
