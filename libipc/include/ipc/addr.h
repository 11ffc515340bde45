#pragma once
// Strong address types: a physical and a virtual address never mix by
// accident, and page arithmetic lives in one place.

#include <compare>
#include <cstdint>

namespace ipc {

inline constexpr uint64_t page_size = 4096;
inline constexpr uint64_t page_shift = 12;

constexpr uint64_t round_down_to_page(uint64_t v) { return v & ~(page_size - 1); }
// Saturates instead of wrapping to 0 for values in the last page.
constexpr uint64_t round_up_to_page(uint64_t v)
{
    return v > ~uint64_t(0) - (page_size - 1) ? ~(page_size - 1) : (v + page_size - 1) & ~(page_size - 1);
}

template<typename Tag>
class Address {
public:
    constexpr Address() = default;
    constexpr explicit Address(uint64_t value) : m_value(value) { }

    constexpr uint64_t get() const { return m_value; }
    constexpr Address page_base() const { return Address(round_down_to_page(m_value)); }
    constexpr uint64_t offset_in_page() const { return m_value & (page_size - 1); }
    constexpr bool is_page_aligned() const { return offset_in_page() == 0; }
    constexpr uint64_t page_number() const { return m_value >> page_shift; }
    constexpr Address offset(uint64_t bytes) const { return Address(m_value + bytes); }
    constexpr bool is_null() const { return m_value == 0; }

    constexpr auto operator<=>(const Address&) const = default;

private:
    uint64_t m_value { 0 };
};

struct PhysTag;
struct VirtTag;
using PhysAddr = Address<PhysTag>;
using VirtAddr = Address<VirtTag>;

// A half-open range [base, base + size) of physical memory.
struct PhysRange {
    PhysAddr base;
    uint64_t size { 0 };
    constexpr uint64_t end() const { return base.get() + size; }
    constexpr bool contains(PhysAddr a) const { return a >= base && a.get() < end(); }
};

// The user half of every address space: the lower canonical half minus its
// first page (so a null dereference always faults) and its last page (so no
// instruction can end exactly at the canonical boundary: a `syscall` there
// would return to a non-canonical rip, which faults in ring 0, as Linux
// also avoids).
inline constexpr uint64_t user_space_base = 0x1000;
inline constexpr uint64_t user_space_end = 0x0000'7fff'ffff'f000;

constexpr bool is_user_range(uint64_t base, uint64_t size)
{
    return base >= user_space_base && base <= user_space_end && size <= user_space_end - base;
}

} // namespace ipc
