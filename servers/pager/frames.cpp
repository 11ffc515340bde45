#include "frames.h"
#include "file_cache.h"
#include <ipc/proto/slots.h>
#include <kernel_api.h>
#include <string.h>

namespace pager {

using ipc::CPtr;
using ipc::Error;
using ipc::Result;

namespace {
Slots g_slots;
FramePool g_frames;
constexpr uint64_t window_base = 0x0000'3000'0000'0000;
constexpr uint64_t direct_map_base = 0x0000'3200'0000'0000; // FramePool::direct_map_address
constexpr CPtr own_cnode = ipc::proto::process_slot_cnode;
constexpr CPtr own_vspace = ipc::proto::process_slot_vspace;
} // namespace

Slots& slots() { return g_slots; }
FramePool& frames() { return g_frames; }

static bool maps_a_page(const SlotRecord& r)
{
    return r.use == SlotUse::Private || r.use == SlotUse::SharedCopy;
}

// What the slot table tells others as a slot starts or stops mapping a
// client page: the mapping index, and the page cache's mapping count of the
// master a SharedCopy copies (only unmapped masters may be dropped).
static void started_mapping(MappingIndex& index, const SlotRecord& r, CPtr slot)
{
    index.insert(r.pid, r.page, slot);
    if (r.use == SlotUse::SharedCopy)
        cache_page_mapped(r.cache_entry);
}

static void stopped_mapping(MappingIndex& index, const SlotRecord& r)
{
    index.erase(r.pid, r.page);
    if (r.use == SlotUse::SharedCopy)
        cache_page_unmapped(r.cache_entry);
}

void Slots::set(CPtr slot, SlotRecord record)
{
    SlotRecord& r = m_records[slot];
    if (maps_a_page(r))
        stopped_mapping(m_index, r);
    r = record;
    if (maps_a_page(r))
        started_mapping(m_index, r, slot);
}

void Slots::init(CPtr first_free, unsigned radix)
{
    m_next_unused = first_free;
    m_limit = CPtr(1) << radix;
    if (m_limit > max_slots)
        m_limit = max_slots;
    // init parks the caps of our own eagerly loaded pages at the top of our
    // CNode (servers/init/loader.h): never hand those slots out.
    m_limit -= reserved_top_slots;
}

Result<CPtr> Slots::allocate(SlotUse use, uint32_t pid, uint64_t page, uint16_t cache_entry)
{
    CPtr slot;
    if (m_free_head) {
        slot = m_free_head;
        m_free_head = m_records[slot].page;
    } else if (m_next_unused < m_limit) {
        slot = m_next_unused++;
    } else {
        return Error::NoMemory;
    }
    // A free slot maps nothing, so there is nothing to take out of the index first.
    m_records[slot] = SlotRecord { use, cache_entry, pid, page };
    if (maps_a_page(m_records[slot]))
        started_mapping(m_index, m_records[slot], slot);
    return slot;
}

CPtr Slots::allocate_run(unsigned count)
{
    if (count == 0 || m_limit - m_next_unused < count)
        return 0;
    CPtr first = m_next_unused;
    m_next_unused += count;
    for (CPtr slot = first; slot < first + count; ++slot)
        m_records[slot] = SlotRecord { SlotUse::Kept, 0, 0, 0 };
    return first;
}

void Slots::release(CPtr slot)
{
    set(slot, SlotRecord { SlotUse::Free, 0, 0, 0 });
    m_records[slot].page = m_free_head;
    m_free_head = slot;
}

void FramePool::init(CPtr memory_untyped, unsigned size_bits)
{
    m_memory = memory_untyped;
    m_size_bits = size_bits;
    m_untyped_frames = size_bits >= ipc::page_shift ? uint64_t(1) << (size_bits - ipc::page_shift) : 0;
}

uint64_t FramePool::bytes_left() const
{
    auto d = kapi::untyped_describe(m_memory);
    return d.is_error() ? 0 : d.value().free_bytes;
}

Result<CPtr> FramePool::take_zeroed(SlotUse use, uint32_t pid, uint64_t page)
{
    // Out of memory: a page-cache page no client maps is the last reserve.
    if (!m_recycled_head && m_fresh_next == m_fresh_end && untyped_exhausted())
        (void)reclaim_cache_page();
    if (m_recycled_head) {
        CPtr frame = m_recycled_head;
        SlotRecord& r = g_slots.record(frame);
        m_recycled_head = r.page;
        --m_recycled_count;
        bool dirty = r.use == SlotUse::Dirty;
        g_slots.set(frame, SlotRecord { SlotUse::Kept, 0, 0, 0 });
        if (dirty && frame < direct_map_slots && m_alias[frame]) {
            memset(reinterpret_cast<void*>(direct_map_address(frame)), 0, ipc::page_size);
        } else if (dirty) {
            auto window = Window::map(frame, 0, true);
            if (window.is_error())
                return window.error();
            memset(window.value().bytes(), 0, ipc::page_size);
        }
        g_slots.set(frame, SlotRecord { use, 0, pid, page });
        return frame;
    }
    if (m_fresh_next == m_fresh_end && m_pool > 1)
        (void)retype_run(m_pool); // when it fails, one by one below until memory runs out
    if (m_fresh_next != m_fresh_end) {
        CPtr frame = m_fresh_next++;
        g_slots.set(frame, SlotRecord { use, 0, pid, page });
        return frame;
    }
    CPtr slot = TRY(g_slots.allocate(use, pid, page));
    Error e = kapi::untyped_retype(m_memory, ipc::ObjectType::Frame, 0, 0, slot, 1);
    if (e != Error::None) {
        g_slots.release(slot);
        // NoMemory once the Untyped is exhausted: take a page-cache page
        // no client maps instead, if there is one.
        if (e == Error::NoMemory && reclaim_cache_page())
            return take_zeroed(use, pid, page);
        return e;
    }
    ++m_retyped;
    return slot;
}

Result<FramePool::ReplyFrame> FramePool::take_for_reply(SlotUse use, uint32_t pid, uint64_t page)
{
    // take_zeroed's last resort is a Retype of one frame: this is the only
    // case it leaves to the reply. (Its own test would cost this hot path a
    // call: take_zeroed is too big to inline.) With the Untyped used up,
    // take_zeroed finds the frame in the page cache instead.
    bool ready = m_recycled_head || m_fresh_next != m_fresh_end || m_pool > 1 || untyped_exhausted();
    if (ready)
        return ReplyFrame { TRY(take_zeroed(use, pid, page)), false };
    CPtr slot = TRY(g_slots.allocate(use, pid, page));
    ++m_retyped;
    return ReplyFrame { slot, true };
}

void FramePool::map_new_refused(CPtr slot)
{
    --m_retyped;
    g_slots.release(slot);
}

bool FramePool::retype_run(unsigned count)
{
    CPtr first = g_slots.allocate_run(count);
    if (!first)
        return false;
    if (kapi::untyped_retype(m_memory, ipc::ObjectType::Frame, 0, 0, first, count) != Error::None) {
        // Not enough memory left for all of them at once: give the slots
        // back and let take_zeroed() retype one by one until it runs out.
        for (CPtr slot = first; slot < first + count; ++slot)
            g_slots.release(slot);
        return false;
    }
    m_retyped += count;
    m_fresh_next = first;
    m_fresh_end = first + count;
    return true;
}

void FramePool::begin_batch(unsigned count)
{
    unsigned ready = m_recycled_count + unsigned(m_fresh_end - m_fresh_next);
    if (count <= ready + 1)
        return; // recycled and fresh frames, and at most one Retype: nothing to gain
    if (m_fresh_next == m_fresh_end)
        (void)retype_run(count - ready);
}

void FramePool::end_batch()
{
    if (m_pool > 1)
        return; // the pool keeps what is left for the next faults
    while (m_fresh_next != m_fresh_end) {
        CPtr frame = m_fresh_next++;
        g_slots.set(frame, SlotRecord { SlotUse::Clean, 0, 0, m_recycled_head });
        m_recycled_head = frame;
        ++m_recycled_count;
    }
    m_fresh_next = m_fresh_end = 0;
}

uint64_t FramePool::direct_map_address(CPtr frame) { return direct_map_base + frame * ipc::page_size; }

void FramePool::map_directly(CPtr frame)
{
    if (frame >= direct_map_slots || m_alias[frame] || m_direct_map_failed)
        return;
    auto alias = g_slots.allocate(SlotUse::Kept);
    if (alias.is_error())
        return;
    Error e = kapi::cnode_copy(own_cnode, alias.value(), 0, frame, ipc::Rights::read | ipc::Rights::write);
    if (e == Error::None) {
        e = kapi::vspace_map(own_vspace, alias.value(), direct_map_address(frame),
                             ipc::Rights::read | ipc::Rights::write);
        if (e == Error::None) {
            m_alias[frame] = uint32_t(alias.value());
            return;
        }
        (void)kapi::cnode_delete(own_cnode, alias.value());
    }
    // Out of slots or page-table memory: zero through the window as before.
    g_slots.release(alias.value());
    m_direct_map_failed = true;
}

void FramePool::recycle(CPtr frame)
{
    map_directly(frame);
    g_slots.set(frame, SlotRecord { SlotUse::Dirty, 0, 0, m_recycled_head });
    m_recycled_head = frame;
    ++m_recycled_count;
}

Result<Window> Window::map(CPtr frame, unsigned index, bool writable)
{
    uint64_t address = window_base + uint64_t(index) * ipc::page_size;
    uint8_t rights = ipc::Rights::read | (writable ? ipc::Rights::write : 0);
    Error e = kapi::vspace_map(own_vspace, frame, address, rights);
    if (e != Error::None)
        return e;
    return Window(frame, address);
}

Window::~Window()
{
    if (m_frame)
        (void)kapi::vspace_unmap(own_vspace, m_frame);
}

} // namespace pager
