#include "mapping_index.h"

namespace pager {

using ipc::CPtr;

void MappingIndex::insert(uint32_t pid, uint64_t page, CPtr slot)
{
    Entry* free = nullptr;
    unsigned i = home_of(pid, page);
    for (unsigned probe = 0; probe < capacity; ++probe, i = (i + 1) % capacity) {
        Entry& e = m_entries[i];
        if (e.slot && e.page == page && e.pid == pid) {
            e.slot = uint32_t(slot);
            return;
        }
        if (!e.slot) {
            if (!free)
                free = &e;
            // A tombstone may hide the key further along; an empty entry
            // ends the probe: the key is nowhere after it.
            if (e.page != tombstone)
                break;
        }
    }
    if (free)
        *free = Entry { page, pid, uint32_t(slot) };
}

void MappingIndex::erase(uint32_t pid, uint64_t page)
{
    unsigned i = home_of(pid, page);
    for (unsigned probe = 0; probe < capacity; ++probe, i = (i + 1) % capacity) {
        Entry& e = m_entries[i];
        if (!e.slot && e.page != tombstone)
            return;
        if (e.slot && e.page == page && e.pid == pid) {
            e = Entry { tombstone, 0, 0 };
            return;
        }
    }
}

CPtr MappingIndex::find(uint32_t pid, uint64_t page) const
{
    unsigned i = home_of(pid, page);
    for (unsigned probe = 0; probe < capacity; ++probe, i = (i + 1) % capacity) {
        const Entry& e = m_entries[i];
        if (!e.slot && e.page != tombstone)
            return 0;
        if (e.slot && e.page == page && e.pid == pid)
            return e.slot;
    }
    return 0;
}

} // namespace pager
