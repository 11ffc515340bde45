#pragma once
// (pid, page) -> the pager slot whose frame maps that page of that client:
// open addressing with linear probing and tombstones, sized like the slot
// table, so a fault or an unmap finds its slot in O(1).

#include <cstdint>
#include <ipc/message.h>

namespace pager {

class MappingIndex {
public:
    // Records the slot for (pid, page), replacing the one recorded before.
    void insert(uint16_t pid, uint64_t page, ipc::CPtr slot);
    void erase(uint16_t pid, uint64_t page);
    // The slot recorded for (pid, page), or 0.
    ipc::CPtr find(uint16_t pid, uint64_t page) const;

    static constexpr unsigned capacity = 1u << 16;

private:
    struct Entry {
        uint64_t key;   // page | pid (pages are 4 KiB aligned, pids < 4096)
        uint32_t slot;  // 0 = empty
        bool tombstone; // erased: probing goes on past it
    };
    static uint64_t key_of(uint16_t pid, uint64_t page) { return page | pid; }
    static unsigned home_of(uint64_t key) { return unsigned((key * 0x9e3779b97f4a7c15ull) >> 48) % capacity; }
    Entry m_entries[capacity] {};
};

} // namespace pager
