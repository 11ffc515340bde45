// ELF segments to the initial regions of a process: hand-built segment lists
// (a data segment whose file bytes end mid-page among them), the layout of
// heap, stack and guard, refusals, and the real init program of this build,
// populated page by page through page_fill() and compared with its segments.

#include "pager_test_support.h"
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <pager/elf_regions.h>
#include <vector>

using ipc::Error;
using ipc::elf::Segment;
using pager::Backing;
using pager::build_process_regions;
using pager::FileId;
using pager::page_fill;
using pager::PageFill;
using pager::PageRange;
using pager::ProcessLayout;
using pager::Region;
using pager::RegionMap;
using pager::RegionType;
using pager::segment_regions;
using pager::StackParameters;
using namespace pager_test;

namespace {

constexpr uint32_t r = Segment::flag_read, w = Segment::flag_write, x = Segment::flag_execute;
constexpr FileId elf_file { 5 };
constexpr uint64_t stack_top = 0x7fff'ffff'0000;

Segment segment(uint64_t vaddr, uint64_t memsz, uint64_t file_offset, uint64_t filesz, uint32_t flags)
{
    return Segment { vaddr, memsz, file_offset, filesz, flags };
}

// A text segment, a rodata segment, and a data segment that starts mid-page
// and whose file bytes end mid-page, followed by three pages of bss.
const std::vector<Segment> program {
    segment(0x40'0000, 0x1234, 0x1000, 0x1234, r | x), // text:   [0x400000, 0x402000)
    segment(0x40'2000, 0x0800, 0x3000, 0x0800, r),     // rodata: [0x402000, 0x403000)
    segment(0x40'3100, 0x5000, 0x4100, 0x2700, r | w), // file bytes end at 0x405800, memory at 0x408100
};

std::string dump(const RegionMap& map)
{
    std::string text;
    for (const Region& region : map)
        text += describe(region) + "\n";
    return text;
}

const Region& region_at(const RegionMap& map, uint64_t address)
{
    const Region* region = map.find(va(address));
    if (!region)
        FAIL("no region at " << va(address) << " in\n" << dump(map));
    return *region;
}

std::vector<uint8_t> read_file(const char* path)
{
    std::vector<uint8_t> bytes;
    std::FILE* file = std::fopen(path, "rb");
    REQUIRE_MESSAGE(file != nullptr, "cannot open " << path);
    uint8_t chunk[4096];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof(chunk), file)) > 0)
        bytes.insert(bytes.end(), chunk, chunk + n);
    std::fclose(file);
    return bytes;
}

// What the pager would put in the frame for `address`'s page.
std::vector<uint8_t> populate(const Region& region, VirtAddr address, const std::vector<uint8_t>& file)
{
    std::vector<uint8_t> frame(page, 0);
    PageFill fill = page_fill(region, address);
    if (fill.file_bytes > page || fill.file_offset + fill.file_bytes > file.size())
        FAIL("page fill outside the file at " << address << " in " << describe(region));
    std::memcpy(frame.data(), file.data() + fill.file_offset, fill.file_bytes);
    return frame;
}

} // namespace

TEST_CASE("pager elf regions: one segment at a time")
{
    auto text = segment_regions(program[0], elf_file);
    REQUIRE(text.has_value());
    REQUIRE(text.value().count == 1);
    const Region& code = text.value().regions[0];
    CHECK(code.type == RegionType::Text);
    CHECK(code.prot == pager::prot_read_execute);
    CHECK(code.start == va(0x40'0000));
    CHECK(code.end == va(0x40'2000));
    CHECK(code.backing == Backing { elf_file, 0x1000, 0x1234 });

    auto rodata = segment_regions(program[1], elf_file);
    REQUIRE(rodata.has_value());
    REQUIRE(rodata.value().count == 1);
    CHECK(rodata.value().regions[0].type == RegionType::RoData);
    CHECK(rodata.value().regions[0].prot == pager::prot_read);

    // Only file bytes: all Data. Only memory: all Bss. Page-exact file end: no zero tail.
    auto all_data = segment_regions(segment(0x60'0000, 0x1800, 0x2000, 0x1800, r | w), elf_file);
    REQUIRE(all_data.value().count == 1);
    CHECK(all_data.value().regions[0].type == RegionType::Data);
    auto all_bss = segment_regions(segment(0x60'0000, 0x3000, 0x2000, 0, r | w), elf_file);
    REQUIRE(all_bss.value().count == 1);
    CHECK(all_bss.value().regions[0].type == RegionType::Bss);
    CHECK(all_bss.value().regions[0].end == va(0x60'3000));
    CHECK_FALSE(all_bss.value().regions[0].backing.is_file());
    auto exact = segment_regions(segment(0x60'0000, 0x3000, 0x2000, 0x2000, r | w), elf_file);
    REQUIRE(exact.value().count == 2);
    CHECK(exact.value().regions[0].end == va(0x60'2000));
    CHECK(page_fill(exact.value().regions[0], va(0x60'1000)) == PageFill { 0x3000, page });
    CHECK(exact.value().regions[1].start == va(0x60'2000));

    CHECK(segment_regions(segment(0x60'0000, 0x1000, 0x0, 0x1000, r | w | x), elf_file).error()
          == Error::Unsupported);
    CHECK(segment_regions(segment(0x60'0000, 0, 0, 0, r), elf_file).error() == Error::InvalidArgument);
    CHECK(segment_regions(segment(0x60'0000, 0x10, 0, 0x20, r), elf_file).error() == Error::InvalidArgument);
}

TEST_CASE("pager elf regions: a data segment whose file bytes end mid-page")
{
    RegionMap map;
    auto built = build_process_regions(program, elf_file, StackParameters { va(stack_top) }, map);
    REQUIRE_MESSAGE(built.has_value(), ipc::error_name(built.error()));
    INFO(dump(map));

    // [0x403000, 0x406000) holds file bytes: Data. [0x406000, 0x409000): Bss.
    const Region& data = region_at(map, 0x40'3100);
    CHECK(data.type == RegionType::Data);
    CHECK(data.start == va(0x40'3000));
    CHECK(data.end == va(0x40'6000));
    CHECK(data.prot == pager::prot_read_write);
    CHECK_FALSE(data.is_shared());
    CHECK(&region_at(map, 0x40'5fff) == &data);
    const Region& bss = region_at(map, 0x40'6000);
    CHECK(bss.type == RegionType::Bss);
    CHECK(bss.end == va(0x40'9000));
    CHECK_FALSE(bss.backing.is_file());

    // First page: from the page start (the bytes before p_vaddr come along, as
    // every loader maps them). Middle page: whole. Last page: 0x800 bytes, the
    // 0x800 after p_filesz are zero. Bss pages read nothing.
    CHECK(page_fill(data, va(0x40'3100)) == PageFill { 0x4000, page });
    CHECK(page_fill(data, va(0x40'4abc)) == PageFill { 0x5000, page });
    PageFill last = page_fill(data, va(0x40'5000));
    CHECK(last.file_offset == 0x6000);
    CHECK(last.file_bytes == 0x800);
    CHECK(last.zero_bytes() == 0x800);
    CHECK(page_fill(bss, va(0x40'6000)).file_bytes == 0);

    // Text: the last page has 0x234 bytes of file, then zeros.
    CHECK(page_fill(region_at(map, 0x40'1000), va(0x40'1000)) == PageFill { 0x2000, 0x234 });
}

TEST_CASE("pager elf regions: heap, stack and guard around the image")
{
    RegionMap map;
    StackParameters stack { va(stack_top), 0x10'0000, 0x4000 };
    auto built = build_process_regions(program, elf_file, stack, map);
    REQUIRE(built.has_value());
    const ProcessLayout& layout = built.value();
    INFO(dump(map));

    CHECK(layout.heap_start == va(0x40'9000));
    CHECK(map.heap_start() == va(0x40'9000));
    CHECK(map.current_break() == va(0x40'9000));
    CHECK(map.find(va(0x40'9000)) == nullptr); // the heap starts empty
    CHECK(layout.stack == range(stack_top - 0x10'0000, stack_top));
    CHECK(layout.guard == range(stack_top - 0x10'4000, stack_top - 0x10'0000));

    const Region& stack_region = region_at(map, stack_top - 1);
    CHECK(stack_region.type == RegionType::Stack);
    CHECK(stack_region.flags.has(pager::RegionFlags::grows_down));
    CHECK(stack_region.stack_bottom == va(stack_top));
    CHECK(stack_region.prot == pager::prot_read_write);
    const Region& guard = region_at(map, stack_top - 0x10'0001);
    CHECK(guard.type == RegionType::Guard);
    CHECK(guard.prot.is_none());
    CHECK(map.count() == 6); // text, rodata, data, bss, stack, guard

    // The layout as the classifier sees it.
    auto decide = [&](uint64_t address, uint64_t access) {
        return pager::classify(map, pager::FaultInfo { va(address), access, va(0x40'0000), va(stack_top) })
            .decision;
    };
    using D = pager::FaultDecision;
    CHECK(decide(0x40'0000, ipc::FaultAccess::execute) == D::MapFromFile);
    CHECK(decide(0x40'0000, ipc::FaultAccess::write) == D::ProtectionViolation);
    CHECK(decide(0x40'2000, ipc::FaultAccess::execute) == D::ProtectionViolation);
    CHECK(decide(0x40'7000, ipc::FaultAccess::write) == D::ZeroFill);
    CHECK(decide(0x40'9000, ipc::FaultAccess::write) == D::InvalidAddress); // empty heap
    CHECK(decide(stack_top - 8, ipc::FaultAccess::write) == D::GrowStack);
    CHECK(decide(stack_top - 0x10'0008, ipc::FaultAccess::write) == D::GuardHit);

    REQUIRE(map.set_break(va(0x40'9010)).has_value());
    CHECK(decide(0x40'9000, ipc::FaultAccess::write) == D::ZeroFill);
}

TEST_CASE("pager elf regions: refusals leave the map empty")
{
    RegionMap map;
    StackParameters stack { va(stack_top) };

    std::vector<Segment> overlapping { program[0], segment(0x40'1000, 0x1000, 0x1000, 0x1000, r) };
    CHECK(build_process_regions(overlapping, elf_file, stack, map).error() == Error::Overlap);
    CHECK(map.count() == 0);
    CHECK_FALSE(map.has_heap());

    std::vector<Segment> writable_code { program[0], segment(0x50'0000, 0x1000, 0x2000, 0x1000, r | w | x) };
    CHECK(build_process_regions(writable_code, elf_file, stack, map).error() == Error::Unsupported);
    CHECK(map.count() == 0);

    CHECK(build_process_regions(program, elf_file, StackParameters { va(stack_top + 0x10) }, map).error()
          == Error::InvalidArgument);
    CHECK(build_process_regions(program, elf_file, StackParameters { va(stack_top), 0x1800 }, map).error()
          == Error::InvalidArgument);
    CHECK(build_process_regions(program, elf_file, StackParameters { va(stack_top), 0 }, map).error()
          == Error::InvalidArgument);
    // A stack that runs into the image.
    CHECK(build_process_regions(program, elf_file, StackParameters { va(0x40'4000), 0x2000, 0x1000 }, map)
              .error()
          == Error::Overlap);
    CHECK(map.count() == 0);
    std::vector<Segment> nothing;
    CHECK(build_process_regions(nothing, elf_file, stack, map).error() == Error::InvalidArgument);

    REQUIRE(build_process_regions(program, elf_file, stack, map).has_value());
    CHECK(build_process_regions(program, elf_file, stack, map).error() == Error::Busy);
    CHECK(map.count() == 6);
}

TEST_CASE("pager elf regions: segments over the pages the system reserves")
{
    constexpr uint64_t ipc_buffer = 0x7fff'd000'0000;
    StackParameters stack { va(stack_top) };
    pager::ReservedPages reserved = pager::reserved_pages(stack, va(ipc_buffer));
    REQUIRE(reserved.count == 2);
    CHECK(reserved.ranges[0] == PageRange { va(ipc_buffer), va(ipc_buffer + 0x1000) });
    uint64_t stack_area = stack.size + stack.guard_size;
    CHECK(reserved.ranges[1] == PageRange { va(stack_top - stack_area), va(stack_top) });

    CHECK_FALSE(pager::segment_over_reserved(program, reserved));
    // On the IPC buffer page, ending on it, starting in its last byte: all refused.
    for (const Segment& bad : { segment(ipc_buffer, 0x10, 0x1000, 0x10, r),
                                segment(ipc_buffer - 0x1000, 0x1001, 0x1000, 0x10, r | w),
                                segment(ipc_buffer + 0xfff, 1, 0x1fff, 1, r) }) {
        std::vector<Segment> segments { program[0], bad };
        CHECK(pager::segment_over_reserved(segments, reserved));
    }
    // Right next to it is fine.
    std::vector<Segment> beside { program[0], segment(ipc_buffer - 0x1000, 0x1000, 0x1000, 0x10, r),
                                  segment(ipc_buffer + 0x1000, 0x1000, 0x2000, 0x10, r) };
    CHECK_FALSE(pager::segment_over_reserved(beside, reserved));
    // The stack's guard and the stack itself.
    std::vector<Segment> on_guard { program[0], segment(stack_top - stack_area, 0x10, 0x1000, 0x10, r) };
    CHECK(pager::segment_over_reserved(on_guard, reserved));
    std::vector<Segment> on_stack { program[0], segment(stack_top - 0x1000, 0x10, 0x1000, 0x10, r) };
    CHECK(pager::segment_over_reserved(on_stack, reserved));
    // An empty segment takes no page.
    std::vector<Segment> empty { program[0], segment(ipc_buffer, 0, 0x1000, 0, r) };
    CHECK_FALSE(pager::segment_over_reserved(empty, reserved));

    CHECK(reserved.overlaps(va(ipc_buffer + 0x800), va(ipc_buffer + 0x801)));
    CHECK_FALSE(reserved.overlaps(va(0x40'0000), va(0x50'0000)));
}

TEST_CASE("pager elf regions: populating a hand-built image reproduces its segments")
{
    // A file whose every byte says where it is, so a wrong offset shows.
    std::vector<uint8_t> file(0x8000);
    for (size_t i = 0; i < file.size(); ++i)
        file[i] = uint8_t(i * 7 + (i >> 8));

    RegionMap map;
    REQUIRE(build_process_regions(program, elf_file, StackParameters { va(stack_top) }, map).has_value());
    for (const Segment& s : program) {
        for (uint64_t address = s.vaddr; address < s.vaddr + s.memsz; ++address) {
            const Region& region = region_at(map, address);
            std::vector<uint8_t> frame = populate(region, va(address), file);
            uint8_t expected = address - s.vaddr < s.filesz ? file[s.file_offset + (address - s.vaddr)] : 0;
            if (frame[va(address).offset_in_page()] != expected) {
                FAIL("byte at " << va(address) << " in " << describe(region));
            }
        }
    }
}

TEST_CASE("pager elf regions: the real init program")
{
    const char* path = std::getenv("FAULTLINE_INIT_ELF");
    if (!path || !*path) {
        MESSAGE("FAULTLINE_INIT_ELF is not set; skipping the real-ELF check");
        return;
    }
    std::vector<uint8_t> file = read_file(path);
    auto parsed = ipc::elf::Image::parse(file.data(), file.size());
    REQUIRE_MESSAGE(parsed.has_value(), "init.elf rejected: " << ipc::elf::elf_error_name(parsed.error()));
    const ipc::elf::Image& image = parsed.value();

    RegionMap map;
    auto built = build_process_regions(image, elf_file, StackParameters { va(stack_top) }, map);
    REQUIRE_MESSAGE(built.has_value(), ipc::error_name(built.error()));
    INFO(dump(map));

    uint64_t highest = 0;
    for (size_t i = 0; i < image.segment_count(); ++i) {
        const Segment& s = image.segment(i);
        highest = std::max(highest, s.vaddr + s.memsz);
        const Region& first = region_at(map, s.vaddr);
        CHECK(first.prot.executable() == s.executable());
        CHECK(first.prot.writable() == s.writable());
        // Every byte of the segment is in a region of the right kind, and the
        // page the pager would build holds the segment's byte. A page that
        // holds file bytes is Data even past p_filesz (its tail is zeroed).
        uint64_t file_pages_end = ipc::round_up_to_page(s.vaddr + s.filesz);
        for (uint64_t address = s.vaddr; address < s.vaddr + s.memsz; ++address) {
            const Region& region = region_at(map, address);
            bool in_file = address - s.vaddr < s.filesz;
            RegionType expected = s.executable() ? RegionType::Text
                : !s.writable()                  ? RegionType::RoData
                : address < file_pages_end       ? RegionType::Data
                                                 : RegionType::Bss;
            if (region.type != expected || region.prot.bits != first.prot.bits)
                FAIL("byte at " << va(address) << " is in " << describe(region));
            uint8_t byte = populate(region, va(address), file)[va(address).offset_in_page()];
            if (byte != (in_file ? file[s.file_offset + (address - s.vaddr)] : 0))
                FAIL("wrong byte at " << va(address) << " in " << describe(region));
        }
    }
    CHECK(built.value().heap_start == va(ipc::round_up_to_page(highest)));

    // The entry point is executable code, lazily mapped from the file.
    pager::Classification entry = pager::classify(
        map,
        pager::FaultInfo { va(image.entry()), ipc::FaultAccess::execute, va(image.entry()), va(stack_top) });
    CHECK(entry.decision == pager::FaultDecision::MapFromFile);
    REQUIRE(entry.region != nullptr);
    CHECK(entry.region->type == RegionType::Text);
}
