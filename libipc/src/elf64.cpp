// ELF64 executable validation. The checks run in a fixed order (header
// identity, then the program header table, then each segment, then the entry
// point) so a file with several faults always reports the same, first one.
// Fields are copied out of the byte buffer: the file may sit at any alignment.

#include <ipc/addr.h>
#include <ipc/elf64.h>

namespace ipc::elf {

namespace {

// Offsets and values from the System V gABI and the x86-64 psABI.
constexpr size_t elf_header_size = 64;
constexpr size_t program_header_size = 56;

constexpr uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };
constexpr size_t ident_class = 4;
constexpr size_t ident_data = 5;
constexpr size_t ident_version = 6;
constexpr uint8_t elf_class_64 = 2;
constexpr uint8_t elf_data_little_endian = 1;
constexpr uint8_t elf_version_current = 1;

constexpr size_t offset_type = 16;
constexpr size_t offset_machine = 18;
constexpr size_t offset_version = 20;
constexpr size_t offset_entry = 24;
constexpr size_t offset_phoff = 32;
constexpr size_t offset_phentsize = 54;
constexpr size_t offset_phnum = 56;
constexpr uint16_t type_executable = 2;
constexpr uint16_t machine_x86_64 = 62;

constexpr size_t offset_p_type = 0;
constexpr size_t offset_p_flags = 4;
constexpr size_t offset_p_offset = 8;
constexpr size_t offset_p_vaddr = 16;
constexpr size_t offset_p_filesz = 32;
constexpr size_t offset_p_memsz = 40;
constexpr uint32_t segment_type_load = 1;

template<typename T>
T load(const uint8_t* bytes)
{
    T value;
    __builtin_memcpy(&value, bytes, sizeof(value));
    return value;
}

Result<void, ElfError> check_identity(const uint8_t* data, size_t size)
{
    if (size < elf_header_size)
        return ElfError::TooSmall;
    for (size_t i = 0; i < sizeof(elf_magic); ++i) {
        if (data[i] != elf_magic[i])
            return ElfError::BadMagic;
    }
    if (data[ident_class] != elf_class_64)
        return ElfError::NotElf64;
    if (data[ident_data] != elf_data_little_endian)
        return ElfError::NotLittleEndian;
    if (data[ident_version] != elf_version_current
        || load<uint32_t>(data + offset_version) != elf_version_current)
        return ElfError::BadVersion;
    if (load<uint16_t>(data + offset_type) != type_executable)
        return ElfError::NotExecutable;
    if (load<uint16_t>(data + offset_machine) != machine_x86_64)
        return ElfError::WrongMachine;
    return {};
}

// Validates one PT_LOAD header on its own; `skip` is set for segments that
// occupy no memory and so need neither mapping nor the address checks.
Result<Segment, ElfError> parse_load_segment(const uint8_t* header, size_t file_size, bool& skip)
{
    Segment segment;
    segment.flags = load<uint32_t>(header + offset_p_flags);
    segment.file_offset = load<uint64_t>(header + offset_p_offset);
    segment.vaddr = load<uint64_t>(header + offset_p_vaddr);
    segment.filesz = load<uint64_t>(header + offset_p_filesz);
    segment.memsz = load<uint64_t>(header + offset_p_memsz);

    if (segment.file_offset > file_size || segment.filesz > file_size - segment.file_offset)
        return ElfError::SegmentOutsideFile;
    if (segment.filesz > segment.memsz)
        return ElfError::FileSizeExceedsMemSize;
    skip = segment.memsz == 0;
    if (skip)
        return segment;
    // is_user_range() compares without adding, so a huge p_memsz cannot wrap
    // around into a range that looks valid.
    if (!is_user_range(segment.vaddr, segment.memsz))
        return ElfError::SegmentOutsideUserSpace;
    // A loader maps file pages at virtual pages; that only works if both sit
    // at the same offset inside their page.
    if (segment.vaddr % page_size != segment.file_offset % page_size)
        return ElfError::MisalignedSegment;
    return segment;
}

// Segments are mapped with page granularity, so two of them in one page
// would need one page with two different contents or permissions.
bool share_a_page(const Segment& a, const Segment& b)
{
    // Both ranges are inside the user half, so none of this overflows.
    uint64_t a_begin = round_down_to_page(a.vaddr), a_end = round_up_to_page(a.vaddr + a.memsz);
    uint64_t b_begin = round_down_to_page(b.vaddr), b_end = round_up_to_page(b.vaddr + b.memsz);
    return a_begin < b_end && b_begin < a_end;
}

} // namespace

const char* elf_error_name(ElfError error)
{
    switch (error) {
    case ElfError::TooSmall: return "too small for an elf header";
    case ElfError::BadMagic: return "bad magic";
    case ElfError::NotElf64: return "not a 64-bit elf";
    case ElfError::NotLittleEndian: return "not little-endian";
    case ElfError::BadVersion: return "bad elf version";
    case ElfError::NotExecutable: return "not an executable";
    case ElfError::WrongMachine: return "not an x86-64 binary";
    case ElfError::BadProgramHeaders: return "truncated program header table";
    case ElfError::TooManySegments: return "too many loadable segments";
    case ElfError::SegmentOutsideFile: return "segment outside the file";
    case ElfError::FileSizeExceedsMemSize: return "segment file size exceeds memory size";
    case ElfError::SegmentOutsideUserSpace: return "segment outside user space";
    case ElfError::MisalignedSegment: return "misaligned segment";
    case ElfError::OverlappingSegments: return "overlapping segments";
    case ElfError::NoLoadableSegments: return "no loadable segments";
    case ElfError::EntryNotExecutable: return "entry point not in an executable segment";
    case ElfError::SegmentOverReservedPage: return "segment over a page the system reserves";
    }
    return "unknown elf error";
}

Result<Image, ElfError> Image::parse(const uint8_t* data, size_t size)
{
    return parse_headers(data, size, size);
}

Result<Image, ElfError> Image::parse_headers(const uint8_t* data, size_t available, size_t file_size)
{
    if (!data)
        return ElfError::TooSmall;
    if (available > file_size)
        available = file_size;
    TRY(check_identity(data, available));
    size_t size = file_size;

    uint64_t table_offset = load<uint64_t>(data + offset_phoff);
    uint16_t entry_size = load<uint16_t>(data + offset_phentsize);
    uint16_t header_count = load<uint16_t>(data + offset_phnum);
    if (entry_size != program_header_size)
        return ElfError::BadProgramHeaders;
    // header_count * 56 cannot overflow (both are 16-bit); the offset can be anything.
    uint64_t table_size = uint64_t(header_count) * program_header_size;
    // The table must lie in the bytes we have, not merely inside the file.
    if (table_offset > available || table_size > available - table_offset)
        return ElfError::BadProgramHeaders;

    Image image;
    image.m_entry = load<uint64_t>(data + offset_entry);
    for (size_t i = 0; i < header_count; ++i) {
        const uint8_t* header = data + table_offset + i * program_header_size;
        if (load<uint32_t>(header + offset_p_type) != segment_type_load)
            continue; // PT_GNU_STACK, PT_NOTE and friends need nothing from a static loader
        bool skip = false;
        Segment segment = TRY(parse_load_segment(header, size, skip));
        if (skip)
            continue;
        if (image.m_segment_count == max_segments)
            return ElfError::TooManySegments;
        for (size_t j = 0; j < image.m_segment_count; ++j) {
            if (share_a_page(image.m_segments[j], segment))
                return ElfError::OverlappingSegments;
        }
        image.m_segments[image.m_segment_count++] = segment;
    }
    if (image.m_segment_count == 0)
        return ElfError::NoLoadableSegments;

    for (size_t i = 0; i < image.m_segment_count; ++i) {
        const Segment& segment = image.m_segments[i];
        if (segment.executable() && image.m_entry >= segment.vaddr
            && image.m_entry - segment.vaddr < segment.memsz)
            return image;
    }
    return ElfError::EntryNotExecutable;
}

} // namespace ipc::elf
