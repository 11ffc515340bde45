#pragma once
// (client, page) -> the pager slot whose frame maps that page of that client:
// open addressing with linear probing and tombstones, sized like the slot
// table, so a fault or an unmap finds its slot in O(1).
//
// The key is the whole pair: a client's full 32-bit identity and the page's
// address, compared field by field (a key packed as `page | pid` let pid 4097
// find pid 1's page 0x1000 higher up).

#include <cstdint>
#include <ipc/message.h>

namespace pager {

class MappingIndex {
public:
    // Records the slot for (pid, page), replacing the one recorded before.
    // `page` is page aligned.
    void insert(uint32_t pid, uint64_t page, ipc::CPtr slot);
    void erase(uint32_t pid, uint64_t page);
    // The slot recorded for (pid, page), or 0.
    ipc::CPtr find(uint32_t pid, uint64_t page) const;

    static constexpr unsigned capacity = 1u << 16;

private:
    struct Entry {
        uint64_t page; // page aligned; bit 0 marks a tombstone (erased: probing goes on past it)
        uint32_t pid;
        uint32_t slot; // 0 = empty or tombstone
    };
    static constexpr uint64_t tombstone = 1;
    static unsigned home_of(uint32_t pid, uint64_t page)
    {
        return unsigned(((page ^ pid) * 0x9e3779b97f4a7c15ull) >> 48) % capacity;
    }
    Entry m_entries[capacity] {};
};

} // namespace pager
