#pragma once
// The initial address space of a process, from its ELF image:
//
//   high  stack top ─┐
//                    │ Stack  rw-  grows_down, fixed maximum size, lazy
//                    ├ Guard  ---  catches the overflow of the stack
//                    ┆ (free: mmap places mappings top-down below the guard)
//                    ├ Heap   rw-  empty at first; brk grows it upwards
//                    ├ Bss    rw-  anonymous: the rest of a writable segment
//                    ├ Data   rw-  private file pages of a writable segment
//                    ├ RoData r--  file-backed, read-only segment
//   low              └ Text   r-x  file-backed, executable segment
//
// A writable segment is split at the first page without file bytes: the
// pages holding file bytes are Data (populated from the file, the tail of the
// last one past p_filesz zeroed: see page_fill()), the pages after them Bss.
// File-backed regions start at the segment's page, so their first page also
// holds the file bytes before p_vaddr, as every ELF loader maps them.

#include <cstdint>
#include <ipc/elf64.h>
#include <ipc/result.h>
#include <pager/region_map.h>
#include <span>

namespace pager {

struct StackParameters {
    static constexpr uint64_t default_size = 8 * 1024 * 1024;
    static constexpr uint64_t default_guard_size = 64 * 1024;

    VirtAddr top; // page aligned; the initial stack pointer
    uint64_t size { default_size };
    uint64_t guard_size { default_guard_size };
};

// The pages the system keeps in every process: the IPC buffer page (init
// maps it before the program starts; no region of the pager covers it) and
// the stack with its guard. No ELF segment may share a page with them
// (NewClient refuses it: ElfError::SegmentOverReservedPage), and no mmap or
// brk may take them.
struct ReservedPages {
    static constexpr size_t max_ranges = 2;
    PageRange ranges[max_ranges];
    size_t count { 0 };

    // Whether [start, end) shares a page with a reserved range.
    bool overlaps(VirtAddr start, VirtAddr end) const;
};
ReservedPages reserved_pages(const StackParameters&, VirtAddr ipc_buffer);
// Whether a loadable segment (memsz != 0) shares a page with a reserved one.
bool segment_over_reserved(std::span<const ipc::elf::Segment>, const ReservedPages&);
bool segment_over_reserved(const ipc::elf::Image&, const ReservedPages&);

struct ProcessLayout {
    VirtAddr heap_start; // the page after the highest segment
    PageRange stack;
    PageRange guard;
};

// The regions of one PT_LOAD segment of `file`: one (Text, RoData) or up to
// two (Data then Bss). Unsupported for a writable and executable segment
// (W^X); InvalidArgument for an empty one.
struct SegmentRegions {
    Region regions[2];
    size_t count { 0 };

    std::span<const Region> list() const { return { regions, count }; }
};
ipc::Result<SegmentRegions> segment_regions(const ipc::elf::Segment&, FileId file);

// Builds the whole layout into `map`, which must be empty (Busy otherwise).
// Fails with the first error of segment_regions(), RegionMap::insert() or
// set_heap_start(), or InvalidArgument for stack parameters that are not
// page aligned or do not fit below `top`; on failure `map` is left empty.
ipc::Result<ProcessLayout> build_process_regions(std::span<const ipc::elf::Segment>, FileId file,
                                                 const StackParameters&, RegionMap& map);
ipc::Result<ProcessLayout> build_process_regions(const ipc::elf::Image&, FileId file, const StackParameters&,
                                                 RegionMap& map);

} // namespace pager
