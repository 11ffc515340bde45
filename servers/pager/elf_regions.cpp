// ELF segments to regions. The layout is drawn in elf_regions.h.

#include <pager/elf_regions.h>

namespace pager {

using ipc::Error;
using ipc::Result;
using ipc::elf::Segment;

namespace {

Protection protection_of(const Segment& segment)
{
    Protection prot;
    if (segment.readable())
        prot.bits |= Protection::read;
    if (segment.writable())
        prot.bits |= Protection::write;
    if (segment.executable())
        prot.bits |= Protection::execute;
    return prot;
}

// The file bytes of a segment as seen from its first page: p_vaddr and
// p_offset agree modulo the page size, so the page start has a file offset.
Backing backing_of(const Segment& segment, FileId file)
{
    uint64_t lead = VirtAddr(segment.vaddr).offset_in_page();
    return Backing { file, segment.file_offset - lead, lead + segment.filesz };
}

Result<void> build(std::span<const Segment> segments, FileId file, const StackParameters& stack,
                   RegionMap& map, ProcessLayout& layout)
{
    uint64_t image_end = 0;
    for (const Segment& segment : segments) {
        if (segment.memsz == 0)
            continue;
        SegmentRegions regions = TRY(segment_regions(segment, file));
        for (const Region& region : regions.list()) {
            TRY(map.insert(region));
            if (region.end.get() > image_end)
                image_end = region.end.get();
        }
    }

    bool aligned = VirtAddr(stack.size).is_page_aligned() && VirtAddr(stack.guard_size).is_page_aligned()
        && stack.top.is_page_aligned();
    uint64_t reserved = stack.size + stack.guard_size;
    if (!aligned || stack.size == 0 || reserved < stack.size || stack.top.get() < reserved)
        return Error::InvalidArgument;
    VirtAddr stack_bottom(stack.top.get() - stack.size);
    layout.stack = PageRange { stack_bottom, stack.top };
    layout.guard = PageRange { VirtAddr(stack_bottom.get() - stack.guard_size), stack_bottom };

    TRY(map.insert(Region::anonymous(RegionType::Stack, layout.stack.start, layout.stack.end, prot_read_write,
                                     RegionFlags { RegionFlags::grows_down })));
    if (stack.guard_size)
        TRY(map.insert(
            Region::anonymous(RegionType::Guard, layout.guard.start, layout.guard.end, prot_none)));

    layout.heap_start = VirtAddr(image_end);
    TRY(map.set_heap_start(layout.heap_start));
    return {};
}

} // namespace

bool ReservedPages::overlaps(VirtAddr start, VirtAddr end) const
{
    VirtAddr first = start.page_base();
    VirtAddr last(ipc::round_up_to_page(end.get()));
    for (size_t i = 0; i < count; ++i) {
        if (first < ranges[i].end && ranges[i].start < last)
            return true;
    }
    return false;
}

ReservedPages reserved_pages(const StackParameters& stack, VirtAddr ipc_buffer)
{
    ReservedPages reserved;
    VirtAddr buffer = ipc_buffer.page_base();
    reserved.ranges[reserved.count++] = PageRange { buffer, VirtAddr(buffer.get() + ipc::page_size) };
    uint64_t below_top = stack.size + stack.guard_size;
    if (below_top >= stack.size && stack.top.get() >= below_top)
        reserved.ranges[reserved.count++] = PageRange { VirtAddr(stack.top.get() - below_top), stack.top };
    return reserved;
}

bool segment_over_reserved(std::span<const Segment> segments, const ReservedPages& reserved)
{
    for (const Segment& segment : segments) {
        if (segment.memsz == 0)
            continue;
        uint64_t end = segment.vaddr + segment.memsz;
        if (end < segment.vaddr || reserved.overlaps(VirtAddr(segment.vaddr), VirtAddr(end)))
            return true;
    }
    return false;
}

bool segment_over_reserved(const ipc::elf::Image& image, const ReservedPages& reserved)
{
    Segment segments[ipc::elf::Image::max_segments];
    size_t count = image.segment_count();
    for (size_t i = 0; i < count; ++i)
        segments[i] = image.segment(i);
    return segment_over_reserved(std::span<const Segment>(segments, count), reserved);
}

Result<SegmentRegions> segment_regions(const Segment& segment, FileId file)
{
    if (segment.memsz == 0 || segment.filesz > segment.memsz)
        return Error::InvalidArgument;
    if (segment.writable() && segment.executable())
        return Error::Unsupported;

    VirtAddr first_page = VirtAddr(segment.vaddr).page_base();
    VirtAddr memory_end(ipc::round_up_to_page(segment.vaddr + segment.memsz));
    Protection prot = protection_of(segment);
    Backing backing = backing_of(segment, file);
    SegmentRegions result;

    if (!segment.writable()) {
        RegionType type = segment.executable() ? RegionType::Text : RegionType::RoData;
        result.regions[result.count++] = Region::file_backed(type, first_page, memory_end, prot, backing);
        return result;
    }

    VirtAddr file_end(ipc::round_up_to_page(segment.vaddr + segment.filesz));
    if (segment.filesz > 0)
        result.regions[result.count++]
            = Region::file_backed(RegionType::Data, first_page, file_end, prot, backing);
    VirtAddr bss_start = segment.filesz > 0 ? file_end : first_page;
    if (bss_start < memory_end)
        result.regions[result.count++] = Region::anonymous(RegionType::Bss, bss_start, memory_end, prot);
    return result;
}

Result<ProcessLayout> build_process_regions(std::span<const Segment> segments, FileId file,
                                            const StackParameters& stack, RegionMap& map)
{
    if (map.count() != 0 || map.has_heap())
        return Error::Busy;
    ProcessLayout layout;
    Result<void> built = build(segments, file, stack, map, layout);
    if (built.is_error()) {
        map.clear();
        return built.error();
    }
    return layout;
}

Result<ProcessLayout> build_process_regions(const ipc::elf::Image& image, FileId file,
                                            const StackParameters& stack, RegionMap& map)
{
    Segment segments[ipc::elf::Image::max_segments];
    size_t count = image.segment_count();
    for (size_t i = 0; i < count; ++i)
        segments[i] = image.segment(i);
    return build_process_regions(std::span<const Segment>(segments, count), file, stack, map);
}

} // namespace pager
