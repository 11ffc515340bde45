#pragma once
// Shared by the pager unit tests: readable doctest output for the pager's
// enums and short ways to write regions.

#include <cstdio>
#include <doctest/doctest.h>
#include "../doctest_ipc_error.h"
#include <ipc/error.h>
#include <pager/classifier.h>
#include <pager/region.h>
#include <string>

namespace doctest {
template<>
struct StringMaker<pager::RegionType> {
    static String convert(pager::RegionType type) { return pager::region_type_name(type); }
};
template<>
struct StringMaker<pager::FaultDecision> {
    static String convert(pager::FaultDecision decision) { return pager::fault_decision_name(decision); }
};
template<>
struct StringMaker<pager::Protection> {
    static String convert(pager::Protection prot) { return pager::protection_string(prot).text; }
};
template<>
struct StringMaker<ipc::VirtAddr> {
    static String convert(ipc::VirtAddr address)
    {
        char text[24];
        std::snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(address.get()));
        return text;
    }
};
} // namespace doctest

namespace pager_test {

using ipc::VirtAddr;
using pager::Region;
using pager::RegionType;

constexpr uint64_t page = ipc::page_size;

inline VirtAddr va(uint64_t address) { return VirtAddr(address); }

inline pager::PageRange range(uint64_t start, uint64_t end) { return { va(start), va(end) }; }

inline Region anon(uint64_t start, uint64_t end, pager::Protection prot = pager::prot_read_write,
                   RegionType type = RegionType::AnonMmap, uint8_t flags = 0)
{
    return Region::anonymous(type, va(start), va(end), prot, pager::RegionFlags { flags });
}

inline Region file(uint64_t start, uint64_t end, uint32_t file_id, uint64_t offset, uint64_t size,
                   pager::Protection prot = pager::prot_read_write, RegionType type = RegionType::FileMmap,
                   uint8_t flags = 0)
{
    return Region::file_backed(type, va(start), va(end), prot, pager::Backing { { file_id }, offset, size },
                               pager::RegionFlags { flags });
}

// "[start,end) type prot", for messages.
inline std::string describe(const Region& region)
{
    char text[96];
    std::snprintf(text, sizeof(text), "[0x%llx,0x%llx) %s %s",
                  static_cast<unsigned long long>(region.start.get()),
                  static_cast<unsigned long long>(region.end.get()), pager::region_type_name(region.type),
                  pager::protection_string(region.prot).text);
    return text;
}

} // namespace pager_test
