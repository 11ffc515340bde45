// The region map: a sorted fixed array. Every mutating call first walks the
// affected regions to check rights and capacity, then changes the array.

#include <pager/region_map.h>

namespace pager {

using ipc::Error;
using ipc::Result;

size_t RegionMap::index_after(VirtAddr address) const
{
    // Regions are sorted and disjoint, so their ends are sorted too.
    size_t low = 0, high = m_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (m_regions[middle].end > address)
            high = middle;
        else
            low = middle + 1;
    }
    return low;
}

size_t RegionMap::index_of(VirtAddr address) const
{
    size_t index = index_after(address);
    return index < m_count && m_regions[index].start <= address ? index : m_count;
}

const Region* RegionMap::find(VirtAddr address) const
{
    for (size_t hint : m_hints) {
        if (hint < m_count && m_regions[hint].contains(address))
            return &m_regions[hint];
    }
    size_t index = index_of(address);
    if (index == m_count)
        return nullptr;
    m_hints[1] = m_hints[0];
    m_hints[0] = index;
    return &m_regions[index];
}

Region* RegionMap::find(VirtAddr address)
{
    return writable(static_cast<const RegionMap&>(*this).find(address));
}

const Region* RegionMap::region_ending_at(VirtAddr boundary) const
{
    if (boundary.get() == 0)
        return nullptr;
    const Region* region = find(VirtAddr(boundary.get() - 1));
    return region && region->end == boundary ? region : nullptr;
}

const Region* RegionMap::region_starting_at(VirtAddr boundary) const
{
    const Region* region = find(boundary);
    return region && region->start == boundary ? region : nullptr;
}

bool RegionMap::is_free(VirtAddr start, uint64_t size) const
{
    size_t index = index_after(start);
    if (index == m_count)
        return true;
    const Region& next = m_regions[index];
    return next.start > start && next.start.get() - start.get() >= size;
}

void RegionMap::insert_at(size_t index, const Region& region)
{
    for (size_t i = m_count; i > index; --i)
        m_regions[i] = m_regions[i - 1];
    m_regions[index] = region;
    ++m_count;
}

void RegionMap::erase_at(size_t index, size_t how_many)
{
    for (size_t i = index; i + how_many < m_count; ++i)
        m_regions[i] = m_regions[i + how_many];
    m_count -= how_many;
}

Result<void> RegionMap::insert(const Region& region)
{
    if (region.start >= region.end || !region.start.is_page_aligned() || !region.end.is_page_aligned())
        return Error::InvalidArgument;
    if (region.backing.is_file() && !VirtAddr(region.backing.offset).is_page_aligned())
        return Error::InvalidArgument;
    if (region.type == RegionType::Heap)
        return Error::InvalidArgument;
    if (!ipc::is_user_range(region.start.get(), region.size()))
        return Error::OutOfRange;
    if (!is_free(region.start, region.size()))
        return Error::Overlap;
    if (is_full())
        return Error::NoMemory;

    Region added = region;
    if (added.stack_bottom < added.start || added.stack_bottom > added.end)
        added.stack_bottom = added.end;
    insert_at(index_after(added.start), added);
    return {};
}

Result<void> RegionMap::remove(PageRange range)
{
    if (!range.is_valid())
        return Error::InvalidArgument;

    size_t first = index_after(range.start);
    size_t last = first; // one past the last region the range touches
    while (last < m_count && m_regions[last].start < range.end)
        ++last;
    for (size_t i = first; i < last; ++i) {
        if (!m_regions[i].is_user_mapped())
            return Error::InsufficientRights;
    }
    if (first == last)
        return {};

    // Only a region sticking out on both sides becomes two.
    Region& head = m_regions[first];
    if (head.start < range.start && head.end > range.end) {
        if (is_full())
            return Error::NoMemory;
        Region right = split_region(head, range.end);
        (void)split_region(head, range.start); // drops the middle
        insert_at(first + 1, right);
        return {};
    }

    if (head.start < range.start) {
        (void)split_region(head, range.start);
        ++first;
    }
    if (first < last && m_regions[last - 1].end > range.end) {
        Region& tail = m_regions[last - 1];
        tail = split_region(tail, range.end);
        --last;
    }
    erase_at(first, last - first);
    return {};
}

Result<void> RegionMap::protect(PageRange range, Protection prot)
{
    if (!range.is_valid())
        return Error::InvalidArgument;

    size_t first = index_after(range.start);
    size_t last = first;
    VirtAddr covered = range.start; // every page below this has a region
    while (last < m_count && m_regions[last].start < range.end) {
        if (m_regions[last].start > covered)
            return Error::NotMapped;
        if (!m_regions[last].is_user_mapped())
            return Error::InsufficientRights;
        covered = m_regions[last].end;
        ++last;
    }
    if (covered < range.end)
        return Error::NotMapped;

    // A region that already has `prot` needs no cut at the edge.
    bool cut_head = m_regions[first].start < range.start && m_regions[first].prot != prot;
    bool cut_tail = m_regions[last - 1].end > range.end && m_regions[last - 1].prot != prot;
    if (m_count + cut_head + cut_tail > capacity)
        return Error::NoMemory;

    if (cut_head) {
        Region right = split_region(m_regions[first], range.start);
        insert_at(++first, right);
        ++last;
    }
    if (cut_tail) {
        Region right = split_region(m_regions[last - 1], range.end);
        insert_at(last, right);
    }
    for (size_t i = first; i < last; ++i)
        m_regions[i].prot = prot;

    merge_around(first > 0 ? first - 1 : 0, last < m_count ? last : m_count - 1);
    return {};
}

// Merges every mergeable neighbour pair among indices [first, last].
void RegionMap::merge_around(size_t first, size_t last)
{
    size_t i = first;
    while (i < last && i + 1 < m_count) {
        if (can_merge(m_regions[i], m_regions[i + 1])) {
            merge_into(m_regions[i], m_regions[i + 1]);
            erase_at(i + 1);
            --last;
        } else {
            ++i;
        }
    }
}

Result<VirtAddr> RegionMap::find_free(uint64_t size, VirtAddr hint, VirtAddr below) const
{
    if (size == 0)
        return Error::InvalidArgument;
    size = ipc::round_up_to_page(size);

    VirtAddr hinted = hint.page_base();
    if (!hinted.is_null() && ipc::is_user_range(hinted.get(), size) && is_free(hinted, size))
        return hinted;

    // Top-down: walk the gaps from `below` downwards, highest region first.
    uint64_t top
        = ipc::round_down_to_page(below.get() < ipc::user_space_end ? below.get() : ipc::user_space_end);
    for (size_t i = m_count; i-- > 0;) {
        const Region& region = m_regions[i];
        if (region.start.get() >= top)
            continue;
        if (region.end.get() <= top && top - region.end.get() >= size)
            return VirtAddr(top - size);
        top = region.start.get();
    }
    if (top >= ipc::user_space_base && top - ipc::user_space_base >= size)
        return VirtAddr(top - size);
    return Error::NoMemory;
}

Region* RegionMap::heap_region()
{
    Region* region = find(m_heap_start);
    return region && region->type == RegionType::Heap ? region : nullptr;
}

Result<void> RegionMap::set_heap_start(VirtAddr start)
{
    if (!start.is_page_aligned() || !ipc::is_user_range(start.get(), 0))
        return Error::InvalidArgument;
    if (m_has_heap && m_break != m_heap_start)
        return Error::Busy;
    if (find(start))
        return Error::Overlap;
    m_has_heap = true;
    m_heap_start = start;
    m_break = start;
    return {};
}

Result<BreakChange> RegionMap::set_break(VirtAddr new_break)
{
    if (!m_has_heap || new_break < m_heap_start)
        return Error::InvalidArgument;
    if (new_break.get() > ipc::user_space_end)
        return Error::OutOfRange;

    BreakChange change { m_break, new_break };
    Region* heap = heap_region();
    VirtAddr old_end = heap ? heap->end : m_heap_start;
    VirtAddr new_end(ipc::round_up_to_page(new_break.get()));

    if (new_end > old_end) {
        if (!is_free(old_end, new_end.get() - old_end.get()))
            return Error::Overlap;
        if (heap) {
            heap->end = new_end;
        } else {
            if (is_full())
                return Error::NoMemory;
            insert_at(index_after(m_heap_start),
                      Region::anonymous(RegionType::Heap, m_heap_start, new_end, prot_read_write));
        }
    } else if (new_end < old_end) {
        if (new_end == m_heap_start) {
            erase_at(index_of(m_heap_start));
        } else {
            // Keep the kept part's statistics within its size; the pager
            // corrects them as it unmaps the released pages.
            heap->end = new_end;
            if (heap->resident_pages > heap->page_count())
                heap->resident_pages = heap->page_count();
            if (heap->dirty_private_pages > heap->page_count())
                heap->dirty_private_pages = heap->page_count();
        }
    }
    m_break = new_break;
    return change;
}

} // namespace pager
