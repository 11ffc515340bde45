#pragma once
// The pager's memory: capability slots of its CNode, and frames. Fresh
// frames are retyped from the Untyped that init gave us (the kernel zeroes
// them); frames a client gave back are recycled and zeroed again before
// reuse. Every slot records who owns it, so a client's pages can be found
// and returned when it ends.
//
// A Frame cap maps at most once, so every mapping has its own slot: a
// private page is the frame's own cap; a page shared from the page cache is
// a copy of the cache's master cap.

#include <cstdint>
#include <ipc/addr.h>
#include <ipc/message.h>
#include <ipc/result.h>
#include <pager/mapping_index.h>

namespace pager {

enum class SlotUse : uint8_t {
    Free = 0,
    Private,    // a frame mapped into one client (its own cap)
    SharedCopy, // a copy of a page-cache master, mapped into one client
    Master,     // a page-cache frame (never mapped into a client itself)
    Clean,      // a recycled frame, zeroed, ready to hand out
    Dirty,      // a recycled frame that must be zeroed first
    Kept,       // the pager's own (VSpace copies, scratch)
};

struct SlotRecord {
    SlotUse use;
    uint16_t cache_entry; // SharedCopy: the page-cache entry (PageCacheTable::EntryId) it copies
    uint32_t pid;         // the client it maps a page of (Private, SharedCopy)
    uint64_t page;        // the client address it maps (Private, SharedCopy)
};
static_assert(sizeof(SlotRecord) == 16);

class Slots {
public:
    void init(ipc::CPtr first_free, unsigned radix);
    ipc::Result<ipc::CPtr> allocate(SlotUse, uint32_t pid = 0, uint64_t page = 0, uint16_t cache_entry = 0);
    // `count` consecutive never-used slots, recorded as Kept (one Retype
    // fills a run), or 0 when the unused part of the CNode is too short.
    ipc::CPtr allocate_run(unsigned count);
    void release(ipc::CPtr); // the slot must already be empty
    // Changes what a slot is used for, keeping the mapping index and the
    // page cache's mapping counts right.
    void set(ipc::CPtr, SlotRecord);
    SlotRecord& record(ipc::CPtr slot) { return m_records[slot]; }
    ipc::CPtr limit() const { return m_limit; }
    // One past the highest slot ever handed out: no slot from here to
    // limit() has held anything, so walks over the records stop here.
    ipc::CPtr used_end() const { return m_next_unused; }
    // The slot that maps `page` of client `pid`, or 0.
    ipc::CPtr find_mapping(uint32_t pid, uint64_t page) const { return m_index.find(pid, page); }

    static constexpr unsigned max_slots = 1u << 15;
    static constexpr unsigned reserved_top_slots = 4096; // 16 MiB of image: far more than the pager has

private:
    SlotRecord m_records[max_slots] {};
    MappingIndex m_index;
    ipc::CPtr m_next_unused { 0 };
    ipc::CPtr m_limit { 0 };
    ipc::CPtr m_free_head { 0 }; // free list threaded through record.page
};

class FramePool {
public:
    void init(ipc::CPtr memory_untyped, unsigned size_bits);
    // A zero-filled frame in a fresh slot recorded as `use`; NoMemory when
    // the Untyped, the recycled frames and the page cache's unmapped pages
    // are all exhausted.
    ipc::Result<ipc::CPtr> take_zeroed(SlotUse use, uint32_t pid, uint64_t page);
    // An unmapped frame the pager no longer needs: kept for reuse.
    void recycle(ipc::CPtr frame);

    // The frame for the page a fault reply maps. Where take_zeroed() would
    // retype one frame, the slot comes back empty with `retype` set: the
    // MapNew reply retypes it from memory_untyped() and maps it in the
    // reply's one kernel entry instead of a Retype of its own. A MapNew the
    // kernel refuses leaves the slot empty: give it back with map_new_refused().
    struct ReplyFrame {
        ipc::CPtr slot;
        bool retype;
    };
    ipc::Result<ReplyFrame> take_for_reply(SlotUse use, uint32_t pid, uint64_t page);
    void map_new_refused(ipc::CPtr slot);
    ipc::CPtr memory_untyped() const { return m_memory; }

    // One fault is about to take `count` frames (the faulting page and the
    // policy's neighbours): the ones the recycled frames cannot cover are
    // retyped now with one Retype instead of one each, and the next
    // take_zeroed() calls hand them out. The kernel zeroes them in this
    // fault's handling, as it would one by one: this is no pool kept
    // between faults. end_batch() keeps what the fault did not use as
    // recycled (Clean) frames, which only happens when a map failed.
    void begin_batch(unsigned count);
    void end_batch();

    // The pre-zeroed pool (pager.pool=N; 0, the default, is off): fresh
    // frames are retyped N at a time, so most faults find a frame the
    // kernel zeroed during an earlier one. Off, every fault pays for
    // zeroing its own frames; the benchmark reports both.
    void set_pool(unsigned frames) { m_pool = frames; }
    unsigned pool() const { return m_pool; }
    uint64_t frames_retyped() const { return m_retyped; }
    uint64_t frames_recycled() const { return m_recycled_count; }
    uint64_t bytes_left() const;

private:
    ipc::CPtr m_memory { 0 };
    unsigned m_size_bits { 0 };
    uint64_t m_retyped { 0 };
    uint64_t m_recycled_count { 0 };
    ipc::CPtr m_recycled_head { 0 }; // Dirty/Clean frames, linked through record.page
    // [m_fresh_next, m_fresh_end): retyped (so zeroed) and not handed out
    // yet; empty between faults unless the pool is on.
    ipc::CPtr m_fresh_next { 0 };
    ipc::CPtr m_fresh_end { 0 };
    unsigned m_pool { 0 };
    // Whether the Untyped has no frame left (by our own count: we are its only user).
    bool untyped_exhausted() const { return m_retyped >= m_untyped_frames; }
    uint64_t m_untyped_frames { 0 };
    // Retypes `count` frames into a run of fresh slots: false if the slots
    // or the memory are not there for all of them.
    bool retype_run(unsigned count);

    // Our own view of recycled frames, so that zeroing one for reuse is a
    // memset and not a map and an unmap per fault: the first time a frame
    // is recycled (munmap, client exit) a copy of its cap is mapped for
    // good at direct_map_address(frame). m_alias[frame] is that copy's
    // slot, 0 = none. Only frames in slots below direct_map_slots get one,
    // which bounds the page tables it takes from our VSpace's pool.
    static constexpr ipc::CPtr direct_map_slots = 8192;
    static uint64_t direct_map_address(ipc::CPtr frame);
    void map_directly(ipc::CPtr frame);
    uint32_t m_alias[direct_map_slots] {};
    bool m_direct_map_failed { false }; // stop trying once the kernel said no
};

// Temporarily maps a frame into the pager's own address space.
class Window {
public:
    static ipc::Result<Window> map(ipc::CPtr frame, unsigned index, bool writable);
    Window(Window&& other) : m_frame(other.m_frame), m_address(other.m_address) { other.m_frame = 0; }
    Window(const Window&) = delete;
    ~Window();
    uint8_t* bytes() const { return reinterpret_cast<uint8_t*>(m_address); }

private:
    Window(ipc::CPtr frame, uint64_t address) : m_frame(frame), m_address(address) { }
    ipc::CPtr m_frame;
    uint64_t m_address;
};

Slots& slots();
FramePool& frames();

} // namespace pager
