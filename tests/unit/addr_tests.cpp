// Page arithmetic, the strong address types and the user-range check that
// guards every user pointer the kernel touches.

#include <cstdint>
#include <doctest/doctest.h>
#include <initializer_list>
#include <ipc/addr.h>

using ipc::is_user_range;
using ipc::PhysAddr;
using ipc::PhysRange;
using ipc::round_down_to_page;
using ipc::round_up_to_page;
using ipc::user_space_base;
using ipc::user_space_end;
using ipc::VirtAddr;

namespace {
constexpr uint64_t max = UINT64_MAX;
constexpr uint64_t last_page = 0xffff'ffff'ffff'f000;
} // namespace

TEST_CASE("page rounding")
{
    CHECK(ipc::page_size == 4096);
    CHECK((uint64_t(1) << ipc::page_shift) == ipc::page_size);

    CHECK(round_down_to_page(0) == 0);
    CHECK(round_down_to_page(1) == 0);
    CHECK(round_down_to_page(0xfff) == 0);
    CHECK(round_down_to_page(0x1000) == 0x1000);
    CHECK(round_down_to_page(0x1fff) == 0x1000);
    CHECK(round_down_to_page(max) == last_page);

    CHECK(round_up_to_page(0) == 0);
    CHECK(round_up_to_page(1) == 0x1000);
    CHECK(round_up_to_page(0x1000) == 0x1000);
    CHECK(round_up_to_page(0x1001) == 0x2000);
    CHECK(round_up_to_page(0x7fff'ffff'f001) == 0x8000'0000'0000);
}

TEST_CASE("round_up_to_page saturates in the last page instead of wrapping to 0")
{
    // The last page boundary itself is exact.
    CHECK(round_up_to_page(last_page) == last_page);
    CHECK(round_up_to_page(last_page - 1) == last_page);
    // Anything above it cannot be rounded up in 64 bits: it stays at the
    // last page boundary (below the value) rather than becoming 0.
    CHECK(round_up_to_page(last_page + 1) == last_page);
    CHECK(round_up_to_page(max - 0xfff + 1) == last_page);
    CHECK(round_up_to_page(max) == last_page);
    for (uint64_t v : { max, max - 1, last_page + 0x800, last_page + 1 }) {
        CAPTURE(v);
        CHECK(round_up_to_page(v) != 0);
    }
    static_assert(round_up_to_page(~uint64_t(0)) == 0xffff'ffff'ffff'f000);
}

TEST_CASE("addresses: page helpers")
{
    VirtAddr a(0x40'1234);
    CHECK(a.get() == 0x40'1234);
    CHECK(a.page_base() == VirtAddr(0x40'1000));
    CHECK(a.offset_in_page() == 0x234);
    CHECK_FALSE(a.is_page_aligned());
    CHECK(a.page_number() == 0x401);
    CHECK(a.offset(0xdcc) == VirtAddr(0x40'2000));
    CHECK(a.offset(0xdcc).is_page_aligned());
    CHECK_FALSE(a.is_null());

    VirtAddr zero;
    CHECK(zero.is_null());
    CHECK(zero.is_page_aligned());
    CHECK(zero.page_number() == 0);

    CHECK(PhysAddr(max).page_number() == 0xf'ffff'ffff'ffff);
    CHECK(PhysAddr(max).offset_in_page() == 0xfff);
    CHECK(PhysAddr(max).page_base() == PhysAddr(last_page));

    CHECK(VirtAddr(1) < VirtAddr(2));
    CHECK(VirtAddr(0x2000) > VirtAddr(0x1fff));
    CHECK(VirtAddr(5) == VirtAddr(5));
    CHECK(VirtAddr(5) != VirtAddr(6));
    CHECK(PhysAddr(max) > PhysAddr(0));
}

TEST_CASE("physical ranges are half open")
{
    PhysRange range { PhysAddr(0x1000), 0x2000 };
    CHECK(range.end() == 0x3000);
    CHECK_FALSE(range.contains(PhysAddr(0xfff)));
    CHECK(range.contains(PhysAddr(0x1000)));
    CHECK(range.contains(PhysAddr(0x2fff)));
    CHECK_FALSE(range.contains(PhysAddr(0x3000)));

    PhysRange empty { PhysAddr(0x1000), 0 };
    CHECK_FALSE(empty.contains(PhysAddr(0x1000)));
}

TEST_CASE("is_user_range: the first page, the last lower-half page and the upper half are never user memory")
{
    CHECK(user_space_base == 0x1000);
    // The last page below the canonical boundary is excluded, so no user
    // instruction can end at 0x0000'8000'0000'0000 (a non-canonical rip).
    CHECK(user_space_end == 0x0000'7fff'ffff'f000);
    CHECK_FALSE(is_user_range(0x0000'7fff'ffff'f000, 1));
    CHECK_FALSE(is_user_range(0x0000'7fff'ffff'fffe, 2));

    // Null and the first page.
    CHECK_FALSE(is_user_range(0, 0));
    CHECK_FALSE(is_user_range(0, 1));
    CHECK_FALSE(is_user_range(0xfff, 1));
    CHECK_FALSE(is_user_range(0xfff, 0x2000));
    CHECK(is_user_range(0x1000, 0));
    CHECK(is_user_range(0x1000, 1));
    CHECK(is_user_range(0x1000, 0x1000));

    // Up to the end of the lower half, inclusive of its last byte.
    CHECK(is_user_range(user_space_end - 1, 1));
    CHECK_FALSE(is_user_range(user_space_end - 1, 2));
    CHECK(is_user_range(user_space_end - 0x1000, 0x1000));
    CHECK_FALSE(is_user_range(user_space_end - 0x1000, 0x1001));
    CHECK(is_user_range(user_space_base, user_space_end - user_space_base));
    CHECK_FALSE(is_user_range(user_space_base, user_space_end - user_space_base + 1));
    CHECK_FALSE(is_user_range(user_space_end, 1));

    // An empty range exactly at the end is accepted (it touches nothing);
    // the address itself is still canonical, so a stack pointer there is safe.
    CHECK(is_user_range(user_space_end, 0));
    CHECK_FALSE(is_user_range(user_space_end + 1, 0));

    // Kernel and non-canonical addresses.
    CHECK_FALSE(is_user_range(0xffff'8000'0000'0000, 0));
    CHECK_FALSE(is_user_range(0xffff'8000'0000'0000, 0x1000));
    CHECK_FALSE(is_user_range(max, 0));
    CHECK_FALSE(is_user_range(max, 1));
}

TEST_CASE("is_user_range: sizes that would wrap around are rejected")
{
    // base + size overflows 64 bits and would land in low, valid memory.
    CHECK_FALSE(is_user_range(0x1000, max));
    CHECK_FALSE(is_user_range(0x1000, last_page));       // base + size wraps to 0
    CHECK_FALSE(is_user_range(0x2000, last_page));       // base + size wraps to 0x1000
    CHECK_FALSE(is_user_range(0x40'0000, max - 0x1000)); // base + size wraps to 0x3f'efff
    CHECK_FALSE(is_user_range(user_space_end - 1, max));
    CHECK_FALSE(is_user_range(0x4000'0000, uint64_t(1) << 63));
    static_assert(is_user_range(0x40'0000, 0x1000));
    static_assert(!is_user_range(0x40'0000, ~uint64_t(0)));
}
