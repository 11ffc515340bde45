#pragma once
// The region map of one client: every region of its address space, sorted
// by start address in a fixed array (no heap: the pager serves faults and
// must not allocate while doing so). Lookup is a binary search.
//
// The map is the pager's bookkeeping only. Changing it changes no page
// table: after remove(), protect() or a shrinking set_break() the pager
// unmaps or reprotects the pages of the range itself.
//
// Decode, then invoke: every mutating call checks everything first and
// either fails with nothing changed or succeeds completely.
//
// Pointers and spans into the map are valid until the next mutating call.

#include <cstddef>
#include <ipc/result.h>
#include <pager/region.h>
#include <span>

namespace pager {

// What a set_break() did. When the heap shrank, the pages of released()
// must be unmapped by the pager.
struct BreakChange {
    VirtAddr previous;
    VirtAddr current;

    constexpr PageRange released() const
    {
        VirtAddr kept_end(ipc::round_up_to_page(current.get()));
        VirtAddr old_end(ipc::round_up_to_page(previous.get()));
        return kept_end < old_end ? PageRange { kept_end, old_end } : PageRange { kept_end, kept_end };
    }
};

class RegionMap {
public:
    static constexpr size_t capacity = 64;

    // Adds a region as it is (no merging with neighbours, so an mmap keeps
    // its own region). InvalidArgument: empty, misaligned start/end or file
    // offset, or a Heap (the heap belongs to set_break). OutOfRange: not in
    // the user half. Overlap: shares a page with a region. NoMemory: full.
    [[nodiscard]] ipc::Result<void> insert(const Region&);

    // The region holding `address` (any byte of it), or nullptr.
    const Region* find(VirtAddr address) const;
    Region* find(VirtAddr address);

    // The map's own entry behind a pointer that find() or classify() gave
    // out (or nullptr), writable: a fault looks its region up once and then
    // updates it. The pointer must point into this map.
    Region* writable(const Region* region) { return region ? m_regions + (region - m_regions) : nullptr; }

    // The region that ends exactly at / starts exactly at `boundary`.
    const Region* region_ending_at(VirtAddr boundary) const;
    const Region* region_starting_at(VirtAddr boundary) const;

    // Whether no region touches [start, start + size).
    bool is_free(VirtAddr start, uint64_t size) const;

    // munmap: removes the range from every region it covers, splitting a
    // region it covers in part (the right part's file offset moves along).
    // Pages of the range that no region holds are fine, as in POSIX.
    // InsufficientRights if the range touches a region mmap did not create
    // (see Region::is_user_mapped); NoMemory if a split would not fit.
    [[nodiscard]] ipc::Result<void> remove(PageRange);

    // mprotect: sets `prot` on the range, splitting regions at its edges,
    // then merges the range's regions with each other and their neighbours
    // where nothing tells them apart (can_merge). NotMapped if a page of the
    // range has no region; InsufficientRights and NoMemory as for remove().
    [[nodiscard]] ipc::Result<void> protect(PageRange, Protection);

    // Where a non-fixed mmap of `size` bytes goes: at `hint` (rounded down to
    // its page) if that range is free and in the user half, else the highest
    // free range that ends at or below `below`. InvalidArgument for size 0,
    // NoMemory if nothing fits.
    [[nodiscard]] ipc::Result<VirtAddr> find_free(uint64_t size, VirtAddr hint, VirtAddr below) const;

    // The heap starts empty at `start` (page aligned, not inside a region).
    // Allowed again only while the heap is empty.
    [[nodiscard]] ipc::Result<void> set_heap_start(VirtAddr start);
    // brk: moves the break (any byte address) and grows or shrinks the Heap
    // region to the page holding the last byte below it. InvalidArgument
    // without a heap or below the heap start, OutOfRange past the user half,
    // Overlap if growing would reach the next region, NoMemory if the first
    // heap region does not fit.
    [[nodiscard]] ipc::Result<BreakChange> set_break(VirtAddr new_break);
    VirtAddr heap_start() const { return m_heap_start; }
    VirtAddr current_break() const { return m_break; }
    bool has_heap() const { return m_has_heap; }

    // Forgets every region and the heap.
    void clear()
    {
        m_count = 0;
        m_has_heap = false;
        m_heap_start = m_break = VirtAddr();
    }

    std::span<const Region> regions() const { return { m_regions, m_count }; }
    const Region* begin() const { return m_regions; }
    const Region* end() const { return m_regions + m_count; }
    size_t count() const { return m_count; }
    bool is_full() const { return m_count == capacity; }

private:
    // First index whose region ends above `address` (== m_count if none).
    size_t index_after(VirtAddr address) const;
    // Index of the region holding `address`, or m_count.
    size_t index_of(VirtAddr address) const;
    void insert_at(size_t index, const Region&);
    void erase_at(size_t index, size_t how_many = 1);
    void merge_around(size_t first, size_t last);
    Region* heap_region();

    Region m_regions[capacity];
    size_t m_count { 0 };
    // The last two regions find() found. Faults come in runs at two places
    // at once (the region being filled, and the stack the faulting thread's
    // sp is in: every fault looks both up), and these answer both without a
    // search. A hint is used only when the region it names holds the
    // address; regions never overlap, so after a change to the map a stale
    // hint costs a search, never a wrong answer.
    mutable size_t m_hints[2] {};
    bool m_has_heap { false };
    VirtAddr m_heap_start;
    VirtAddr m_break;
};

} // namespace pager
