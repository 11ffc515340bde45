// The frame table: physical allocator and per-frame bookkeeping in one array.
// See frame_table.h for the rules; this file keeps them in small steps.

#include <mm/frame_table.h>

namespace kernel::mm {

namespace {

using ipc::Error;
using ipc::PhysAddr;
using ipc::PhysRange;
using ipc::Result;

// Range ends saturate instead of wrapping, so a range reaching the top of
// the address space still compares correctly against everything below it.
uint64_t saturating_end(const PhysRange& range)
{
    uint64_t base = range.base.get();
    return range.size > ~uint64_t(0) - base ? ~uint64_t(0) : base + range.size;
}

// Whether [begin, end) and the range share at least one byte. An empty range
// touches nothing.
bool touches(const PhysRange& range, uint64_t begin, uint64_t end)
{
    if (range.size == 0 || begin >= end)
        return false;
    return range.base.get() < end && begin < saturating_end(range);
}

bool touches_any(std::span<const PhysRange> ranges, uint64_t begin, uint64_t end)
{
    for (auto& range : ranges) {
        if (touches(range, begin, end))
            return true;
    }
    return false;
}

bool inside_one(std::span<const PhysRange> ranges, uint64_t begin, uint64_t end)
{
    for (auto& range : ranges) {
        if (range.base.get() <= begin && end <= saturating_end(range))
            return true;
    }
    return false;
}

} // namespace

void FrameTable::build(FrameInfo* storage, size_t frame_count, std::span<const PhysRange> available,
                       std::span<const PhysRange> reserved)
{
    // Free-list links are 32-bit and no_frame is the terminator, so the table
    // can describe at most no_frame frames (16 TiB); frames beyond stay unknown.
    if (frame_count > no_frame)
        frame_count = no_frame;

    m_frames = storage;
    m_frame_count = frame_count;
    m_free_count = 0;
    m_usable_count = 0;
    m_free_head = no_frame;

    for (size_t i = 0; i < frame_count; ++i)
        m_frames[i] = FrameInfo { no_frame, 0, FrameState::Reserved, 0 };

    uint64_t table_end = uint64_t(frame_count) << ipc::page_shift;

    // A page is usable only if one available range holds all of it: marking
    // per range keeps pages that straddle two ranges (or a range edge) out.
    for (auto& range : available) {
        uint64_t first = ipc::round_up_to_page(range.base.get()) >> ipc::page_shift;
        uint64_t end = ipc::round_down_to_page(saturating_end(range));
        if (end > table_end)
            end = table_end;
        for (uint64_t frame = first; (frame << ipc::page_shift) < end; ++frame)
            m_frames[frame].state = FrameState::Free;
    }

    // Reserved ranges win over available ones, on every page they touch.
    for (auto& range : reserved) {
        if (range.size == 0)
            continue;
        uint64_t first = range.base.get() >> ipc::page_shift;
        uint64_t end = saturating_end(range);
        for (uint64_t frame = first; frame < frame_count && (frame << ipc::page_shift) < end; ++frame)
            m_frames[frame].state = FrameState::Reserved;
    }

    // Push from the top down so the lowest frame ends up at the head:
    // allocation order is then low-first and predictable.
    for (size_t i = frame_count; i-- > 0;) {
        if (m_frames[i].state != FrameState::Free)
            continue;
        m_frames[i].next_free = m_free_head;
        m_free_head = uint32_t(i);
        ++m_free_count;
    }
    m_usable_count = m_free_count;
}

Result<void> FrameTable::adopt(PhysAddr address)
{
    if (!address.is_page_aligned() || address.page_number() >= m_frame_count)
        return Error::InvalidArgument;
    FrameInfo& frame = m_frames[address.page_number()];
    if (frame.state != FrameState::Reserved)
        return Error::InvalidArgument;
    frame.state = FrameState::Allocated;
    frame.map_count = 0;
    return {};
}

Result<PhysAddr> FrameTable::allocate()
{
    if (m_free_head == no_frame)
        return Error::NoMemory;
    uint32_t index = m_free_head;
    FrameInfo& frame = m_frames[index];
    m_free_head = frame.next_free;
    frame = FrameInfo { no_frame, 0, FrameState::Allocated, 0 };
    --m_free_count;
    return PhysAddr(uint64_t(index) << ipc::page_shift);
}

Result<void> FrameTable::free(PhysAddr address)
{
    // info() is the one bounds check; the table it points into is ours to change.
    FrameInfo* frame = const_cast<FrameInfo*>(info(address));
    if (!frame || frame->state != FrameState::Allocated)
        return Error::InvalidArgument;
    // Freeing a mapped frame would let it be reused while a page table still
    // points at it.
    if (frame->map_count > 0)
        return Error::Busy;
    *frame = FrameInfo { m_free_head, 0, FrameState::Free, 0 };
    m_free_head = uint32_t(address.page_number());
    ++m_free_count;
    return {};
}

Result<void> FrameTable::add_mapping(PhysAddr address)
{
    FrameInfo* frame = const_cast<FrameInfo*>(info(address));
    if (!frame || frame->state != FrameState::Allocated)
        return Error::InvalidArgument;
    if (frame->map_count == UINT16_MAX)
        return Error::OutOfRange;
    ++frame->map_count;
    return {};
}

Result<void> FrameTable::remove_mapping(PhysAddr address)
{
    FrameInfo* frame = const_cast<FrameInfo*>(info(address));
    if (!frame || frame->state != FrameState::Allocated || frame->map_count == 0)
        return Error::InvalidArgument;
    --frame->map_count;
    return {};
}

const FrameInfo* FrameTable::info(PhysAddr address) const
{
    if (!address.is_page_aligned() || address.page_number() >= m_frame_count)
        return nullptr;
    return &m_frames[address.page_number()];
}

Result<PhysAddr> find_free_range(std::span<const PhysRange> available, std::span<const PhysRange> reserved,
                                 uint64_t bytes, uint64_t limit)
{
    if (bytes == 0)
        return Error::InvalidArgument;
    uint64_t size = ipc::round_up_to_page(bytes);

    auto fits_at = [&](uint64_t start) {
        if (size > limit || start > limit - size)
            return false;
        uint64_t end = start + size;
        return inside_one(available, start, end) && !touches_any(reserved, start, end);
    };

    // The lowest fitting start is either the first page of an available
    // range or the first page after a reserved range: one page lower would
    // have fit too otherwise. So those are the only candidates to try.
    bool found = false;
    uint64_t best = 0;
    auto consider = [&](uint64_t candidate) {
        if ((!found || candidate < best) && fits_at(candidate)) {
            found = true;
            best = candidate;
        }
    };
    for (auto& range : available)
        consider(ipc::round_up_to_page(range.base.get()));
    for (auto& range : reserved)
        consider(ipc::round_up_to_page(saturating_end(range)));

    if (!found)
        return Error::NoMemory;
    return PhysAddr(best);
}

} // namespace kernel::mm
