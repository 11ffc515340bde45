#pragma once
// The page cache's bookkeeping: which master frame holds which (file, page
// index), how many client mappings each master has, and which one to drop
// when the cache is full. No syscalls: the pager (file_cache.cpp) fills and
// recycles the frames; the host tests drive this table directly.
//
// Bounded: at most `capacity` entries. An entry lives in a fixed place of a
// pool (its EntryId, which the pager's slot records name) and is found
// through a hash index (linear probing, backward-shift deletion, so no
// tombstones pile up however many entries come and go).
//
// Eviction is a clock (second chance) over the pool: a lookup hit marks the
// entry referenced; the hand passes over entries some client maps, clears
// the mark of a referenced one and chooses the first one neither mapped nor
// referenced. Only clean pages are cached (files are read-only), so
// dropping one loses nothing: its next use reads it again from the file.

#include <cstdint>
#include <ipc/message.h>
#include <ipc/result.h>

namespace pager {

class PageCacheTable {
public:
    static constexpr unsigned capacity = 4096;
    using EntryId = uint16_t;
    static constexpr EntryId no_entry = 0xffff;
    static_assert(capacity < no_entry);

    // The entry for (file, index), or no_entry; a hit marks it referenced.
    EntryId find(uint64_t file, uint64_t index);
    // Records `master` for (file, index), which must not be in the table;
    // NoMemory when the table is full (evict first).
    ipc::Result<EntryId> insert(uint64_t file, uint64_t index, ipc::CPtr master);
    // The entry the clock chooses to drop, or no_entry when every entry is
    // mapped by a client.
    EntryId choose_victim();
    // Forgets the entry (it must not be mapped) and returns its master frame.
    ipc::CPtr remove(EntryId);

    // A client mapping of the entry's master was made / dropped.
    void mapped(EntryId id) { ++m_entries[id].mappings; }
    void unmapped(EntryId id)
    {
        if (m_entries[id].mappings)
            --m_entries[id].mappings;
    }

    ipc::CPtr master(EntryId id) const { return m_entries[id].master; }
    uint32_t mappings(EntryId id) const { return m_entries[id].mappings; }
    unsigned size() const { return m_size; }
    bool is_full() const { return m_size == capacity; }

private:
    struct Entry {
        uint64_t file;
        uint64_t index;
        ipc::CPtr master; // 0: the entry is free
        uint32_t mappings;
        bool referenced;
    };
    static constexpr unsigned bucket_count = 2 * capacity; // at most half full: short probes
    static unsigned home_of(uint64_t file, uint64_t index);
    // The bucket holding `id`, or bucket_count.
    unsigned bucket_of(EntryId id) const;

    Entry m_entries[capacity] {};
    EntryId m_buckets[bucket_count] {}; // entry id + 1; 0 = empty
    EntryId m_free[capacity] {};        // free entry ids (a stack)
    unsigned m_free_count { 0 };
    unsigned m_never_used { 0 }; // entries [m_never_used, capacity) were never handed out
    unsigned m_size { 0 };
    unsigned m_hand { 0 };
};

} // namespace pager
