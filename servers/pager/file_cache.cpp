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

struct CacheEntry {
    uint64_t file;
    uint64_t index;
    CPtr master; // 0 = empty
};

constexpr unsigned cache_capacity = 4096;
CacheEntry g_cache[cache_capacity];
uint64_t g_pages = 0, g_hits = 0, g_misses = 0;

// Fibonacci hashing of the whole (file, page) key: the pages of one file
// spread over the table. (file * k + page) put each file's pages in one run
// of buckets, and another file's run overlapping it made hits probe far.
constexpr unsigned bucket_bits = 12;
static_assert(cache_capacity == 1u << bucket_bits);
unsigned bucket(uint64_t file, uint64_t index)
{
    return unsigned((((file << 32) ^ index) * 0x9e3779b97f4a7c15ull) >> (64 - bucket_bits));
}

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

Result<CPtr> cached_page(uint64_t file, uint64_t index, bool& was_hit)
{
    unsigned b = bucket(file, index);
    for (unsigned probe = 0; probe < cache_capacity; ++probe) {
        CacheEntry& e = g_cache[(b + probe) % cache_capacity];
        if (e.master && e.file == file && e.index == index) {
            was_hit = true;
            ++g_hits;
            return e.master;
        }
        if (!e.master) {
            was_hit = false;
            ++g_misses;
            CPtr master = TRY(frames().take_zeroed(SlotUse::Master, 0, 0));
            auto filled = fill_from_file(master, file, index);
            if (filled.is_error()) {
                frames().recycle(master);
                return filled.error();
            }
            e = CacheEntry { file, index, master };
            ++g_pages;
            return master;
        }
    }
    return Error::NoMemory; // the cache is full
}

uint64_t cache_pages() { return g_pages; }
uint64_t cache_hits() { return g_hits; }
uint64_t cache_misses() { return g_misses; }

} // namespace pager
