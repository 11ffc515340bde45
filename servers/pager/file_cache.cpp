#include "file_cache.h"
#include "frames.h"
#include "trace.h"
#include <ipc/proto/fs.h>
#include <ipc/proto/slots.h>
#include <kernel_api.h>

namespace pager {

using ipc::CPtr;
using ipc::Error;
using ipc::Result;

namespace {

PageCacheTable g_table;
uint64_t g_hits = 0, g_misses = 0, g_evictions = 0;

} // namespace

Result<uint64_t> fill_from_file(CPtr frame, uint64_t file, uint64_t index)
{
    // The file server gets a copy of the cap (grant); it maps, fills and drops it.
    trace::fs_request(file, index);
    uint64_t started = trace::now();
    kapi::ipc_buffer()->caps[0] = frame;
    auto r = kapi::call(ipc::proto::process_slot_fs,
                        ipc::MessageInfo(uint32_t(ipc::proto::fs::Label::FillPage), 2, 1), file, index);
    if (Error e = kapi::call_error(r); e != Error::None)
        return e;
    trace::fs_reply(r.words[0], started);
    return r.words[0];
}

bool reclaim_cache_page()
{
    PageCacheTable::EntryId victim = g_table.choose_victim();
    if (victim == PageCacheTable::no_entry)
        return false;
    frames().recycle(g_table.remove(victim));
    ++g_evictions;
    return true;
}

Result<CachedPage> cached_page(uint64_t file, uint64_t index, bool& was_hit)
{
    PageCacheTable::EntryId id = g_table.find(file, index);
    if (id != PageCacheTable::no_entry) {
        was_hit = true;
        ++g_hits;
        return CachedPage { g_table.master(id), id };
    }
    was_hit = false;
    ++g_misses;
    if (g_table.is_full() && !reclaim_cache_page())
        return Error::NoMemory; // every cached page is mapped: the caller copies privately
    CPtr master = TRY(frames().take_zeroed(SlotUse::Master, 0, 0));
    auto filled = fill_from_file(master, file, index);
    if (filled.is_error()) {
        frames().recycle(master);
        return filled.error();
    }
    auto inserted = g_table.insert(file, index, master);
    if (inserted.is_error()) { // cannot happen: room was made above
        frames().recycle(master);
        return inserted.error();
    }
    return CachedPage { master, inserted.value() };
}

void cache_page_mapped(PageCacheTable::EntryId id) { g_table.mapped(id); }
void cache_page_unmapped(PageCacheTable::EntryId id) { g_table.unmapped(id); }

uint64_t cache_pages() { return g_table.size(); }
uint64_t cache_hits() { return g_hits; }
uint64_t cache_misses() { return g_misses; }
uint64_t cache_evictions() { return g_evictions; }

} // namespace pager
