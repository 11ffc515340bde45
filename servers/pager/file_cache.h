#pragma once
// File pages: the page cache (one master frame per (file, page) of file
// data, filled by the file server and shared by every client that maps that
// page read-only: text is one frame per file page however many processes run
// it) and private fills straight into a client's frame.
//
// The cache is bounded (PageCacheTable::capacity pages) and caches only
// pages that hold file bytes: a page wholly past the end of a file is a zero
// page of the client's own (faults.cpp). A miss when the cache is full drops
// a master no client maps (clock, page_cache_table.h) and recycles its
// frame; when every master is mapped, the page is not cached at all
// (NoMemory: the caller makes a private copy). When the pager's memory runs
// out, the frame pool asks the cache for an unmapped master the same way
// (reclaim_cache_page) before it gives up.

#include <cstdint>
#include <ipc/message.h>
#include <ipc/result.h>
#include <pager/page_cache_table.h>

namespace pager {

struct CachedPage {
    ipc::CPtr master;
    PageCacheTable::EntryId entry; // the slot record of each mapping copy names it
};

// The master frame holding page `index` of fs file `file`, filling it on a
// miss. NoMemory when the cache is full of mapped pages (nothing cached).
ipc::Result<CachedPage> cached_page(uint64_t file, uint64_t index, bool& was_hit);
// Fills `frame` (ours, unmapped) with page `index` of `file` via the file server.
ipc::Result<uint64_t> fill_from_file(ipc::CPtr frame, uint64_t file, uint64_t index);
// A copy of the entry's master now maps a client page / no longer does
// (the slot table calls these as SharedCopy slots come and go).
void cache_page_mapped(PageCacheTable::EntryId);
void cache_page_unmapped(PageCacheTable::EntryId);
// Drops one master no client maps and recycles its frame: false if there is none.
bool reclaim_cache_page();
uint64_t cache_pages();
uint64_t cache_hits();
uint64_t cache_misses();
uint64_t cache_evictions();

} // namespace pager
