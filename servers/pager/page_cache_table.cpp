// The page cache's table; page_cache_table.h describes it.
#include <pager/page_cache_table.h>

namespace pager {

using ipc::CPtr;
using ipc::Error;
using ipc::Result;

// Fibonacci hashing of the whole (file, page) key: the pages of one file
// spread over the table. (file * k + page) put each file's pages in one run
// of buckets, and another file's run overlapping it made hits probe far.
unsigned PageCacheTable::home_of(uint64_t file, uint64_t index)
{
    static_assert((bucket_count & (bucket_count - 1)) == 0);
    constexpr unsigned bits = __builtin_ctz(bucket_count);
    return unsigned((((file << 32) ^ index) * 0x9e3779b97f4a7c15ull) >> (64 - bits));
}

PageCacheTable::EntryId PageCacheTable::find(uint64_t file, uint64_t index)
{
    for (unsigned b = home_of(file, index);; b = (b + 1) % bucket_count) {
        EntryId stored = m_buckets[b];
        if (!stored)
            return no_entry;
        Entry& e = m_entries[stored - 1];
        if (e.file == file && e.index == index) {
            e.referenced = true;
            return EntryId(stored - 1);
        }
    }
}

Result<PageCacheTable::EntryId> PageCacheTable::insert(uint64_t file, uint64_t index, CPtr master)
{
    EntryId id;
    if (m_free_count)
        id = m_free[--m_free_count];
    else if (m_never_used < capacity)
        id = EntryId(m_never_used++);
    else
        return Error::NoMemory;
    m_entries[id] = Entry { file, index, master, 0, true };
    unsigned b = home_of(file, index);
    while (m_buckets[b])
        b = (b + 1) % bucket_count; // never loops for ever: at most half the buckets are used
    m_buckets[b] = EntryId(id + 1);
    ++m_size;
    return id;
}

PageCacheTable::EntryId PageCacheTable::choose_victim()
{
    // Two turns at most: the first may only clear referenced marks.
    unsigned used = m_never_used;
    for (unsigned step = 0; used && step < 2 * used; ++step) {
        unsigned i = m_hand;
        m_hand = (m_hand + 1) % used;
        Entry& e = m_entries[i];
        if (!e.master || e.mappings)
            continue;
        if (e.referenced) {
            e.referenced = false;
            continue;
        }
        return EntryId(i);
    }
    return no_entry;
}

unsigned PageCacheTable::bucket_of(EntryId id) const
{
    const Entry& e = m_entries[id];
    for (unsigned b = home_of(e.file, e.index);; b = (b + 1) % bucket_count) {
        if (!m_buckets[b])
            return bucket_count;
        if (m_buckets[b] == id + 1)
            return b;
    }
}

CPtr PageCacheTable::remove(EntryId id)
{
    Entry& e = m_entries[id];
    CPtr master = e.master;
    unsigned hole = bucket_of(id);
    if (!master || hole == bucket_count)
        return 0;
    // Backward-shift deletion: move later entries of the probe run into the
    // hole when their home is not between the hole and them.
    m_buckets[hole] = 0;
    for (unsigned b = (hole + 1) % bucket_count; m_buckets[b]; b = (b + 1) % bucket_count) {
        const Entry& moved = m_entries[m_buckets[b] - 1];
        unsigned home = home_of(moved.file, moved.index);
        bool home_in_gap = hole <= b ? (hole < home && home <= b) : (hole < home || home <= b);
        if (home_in_gap)
            continue;
        m_buckets[hole] = m_buckets[b];
        m_buckets[b] = 0;
        hole = b;
    }
    e = Entry {};
    m_free[m_free_count++] = id;
    --m_size;
    return master;
}

} // namespace pager
