#pragma once
// What the multiboot2 and multiboot 1 parsers share: unaligned field loads
// and the one way a memory-map entry becomes a BootInfo region (both
// specifications use the same entry fields and type numbers).

#include <bootinfo/multiboot2.h>
#include <cstdint>
#include <ipc/result.h>

namespace kernel::bootinfo::fields {

// Copied out byte-wise: neither loader promises alignment, and the parser
// must not fault if it is not there.
template<typename T>
T load(const uint8_t* bytes)
{
    T value;
    __builtin_memcpy(&value, bytes, sizeof(value));
    return value;
}

inline MemoryType memory_type_from_raw(uint32_t raw)
{
    switch (raw) {
    case 1: return MemoryType::Available;
    case 2: return MemoryType::Reserved;
    case 3: return MemoryType::AcpiReclaimable;
    case 4: return MemoryType::AcpiNvs;
    case 5: return MemoryType::BadRam;
    }
    // Both specifications say unknown types must be treated as reserved.
    return MemoryType::Reserved;
}

// Appends the region [base, base + length) of raw type `type`. Malformed if
// its end does not fit in 64 bits (PhysRange::end() must be representable,
// or every range check on it lies), OutOfRange if BootInfo is full.
inline ipc::Result<void> add_memory_region(BootInfo& info, uint64_t base, uint64_t length, uint32_t type)
{
    if (length > ~uint64_t(0) - base)
        return ipc::Error::Malformed;
    if (info.memory_region_count == BootInfo::max_memory_regions)
        return ipc::Error::OutOfRange;
    info.memory[info.memory_region_count++]
        = MemoryRegion { ipc::PhysRange { ipc::PhysAddr(base), length }, memory_type_from_raw(type) };
    return {};
}

} // namespace kernel::bootinfo::fields
