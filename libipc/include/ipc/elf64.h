#pragma once
// ELF64 executable parser, shared by the kernel (root task) and the servers
// (process manager, pager). It validates everything a loader relies on, so a
// caller that got an Image may trust every segment: inside the file, inside
// the user half, no overlaps, entry in an executable segment.

#include <cstddef>
#include <cstdint>
#include <ipc/result.h>

namespace ipc::elf {

enum class ElfError : uint8_t {
    TooSmall, // shorter than the ELF header
    BadMagic,
    NotElf64,
    NotLittleEndian,
    BadVersion,
    NotExecutable,     // e_type is not ET_EXEC
    WrongMachine,      // e_machine is not x86-64
    BadProgramHeaders, // phentsize wrong, or the table runs past the file
    TooManySegments,
    SegmentOutsideFile, // p_offset + p_filesz past the end of the file (or overflows)
    FileSizeExceedsMemSize,
    SegmentOutsideUserSpace, // p_vaddr + p_memsz overflows or leaves the user half (huge p_memsz)
    MisalignedSegment,       // p_vaddr and p_offset disagree modulo the page size
    OverlappingSegments,     // two PT_LOAD segments share a page
    NoLoadableSegments,
    EntryNotExecutable, // e_entry is not inside an executable segment
    // A segment shares a page with one the system keeps in every process
    // (the IPC buffer page, the stack and its guard): found by the pager
    // when it lays out the process (servers/pager/elf_regions.h).
    SegmentOverReservedPage,
};

const char* elf_error_name(ElfError);

struct Segment {
    static constexpr uint32_t flag_execute = 1, flag_write = 2, flag_read = 4;
    uint64_t vaddr { 0 };
    uint64_t memsz { 0 };
    uint64_t file_offset { 0 };
    uint64_t filesz { 0 };
    uint32_t flags { 0 };

    bool readable() const { return flags & flag_read; }
    bool writable() const { return flags & flag_write; }
    bool executable() const { return flags & flag_execute; }
};

class Image {
public:
    static constexpr size_t max_segments = 16;

    static Result<Image, ElfError> parse(const uint8_t* data, size_t size);
    // For a reader that has only the first `available` bytes of a file of
    // `file_size` bytes (a pager with page 0): the ELF and program headers
    // must lie within `available`; segments are checked against `file_size`.
    static Result<Image, ElfError> parse_headers(const uint8_t* data, size_t available, size_t file_size);

    uint64_t entry() const { return m_entry; }
    size_t segment_count() const { return m_segment_count; }
    const Segment& segment(size_t i) const { return m_segments[i]; }

private:
    uint64_t m_entry { 0 };
    size_t m_segment_count { 0 };
    Segment m_segments[max_segments];
};

} // namespace ipc::elf
