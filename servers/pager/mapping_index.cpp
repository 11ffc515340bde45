#include "mapping_index.h"

namespace pager {

using ipc::CPtr;

void MappingIndex::insert(uint16_t pid, uint64_t page, CPtr slot)
{
    uint64_t key = key_of(pid, page);
    Entry* free = nullptr;
    unsigned i = home_of(key);
    for (unsigned probe = 0; probe < capacity; ++probe, i = (i + 1) % capacity) {
        Entry& e = m_entries[i];
        if (e.slot && e.key == key) {
            e.slot = uint32_t(slot);
            return;
        }
        if (!e.slot) {
            if (!free)
                free = &e;
            // A tombstone may hide the key further along; an empty entry
            // ends the probe: the key is nowhere after it.
            if (!e.tombstone)
                break;
        }
    }
    if (free)
        *free = Entry { key, uint32_t(slot), false };
}

void MappingIndex::erase(uint16_t pid, uint64_t page)
{
    uint64_t key = key_of(pid, page);
    unsigned i = home_of(key);
    for (unsigned probe = 0; probe < capacity; ++probe, i = (i + 1) % capacity) {
        Entry& e = m_entries[i];
        if (!e.slot && !e.tombstone)
            return;
        if (e.slot && e.key == key) {
            e = Entry { 0, 0, true };
            return;
        }
    }
}

CPtr MappingIndex::find(uint16_t pid, uint64_t page) const
{
    uint64_t key = key_of(pid, page);
    unsigned i = home_of(key);
    for (unsigned probe = 0; probe < capacity; ++probe, i = (i + 1) % capacity) {
        const Entry& e = m_entries[i];
        if (!e.slot && !e.tombstone)
            return 0;
        if (e.slot && e.key == key)
            return e.slot;
    }
    return 0;
}

} // namespace pager
