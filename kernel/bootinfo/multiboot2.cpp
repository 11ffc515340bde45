// Multiboot2 boot information parser. Every read is bounds-checked against
// total_size, which is itself checked against the bytes the caller says are
// readable, so no field of hostile or corrupt boot info can make us read out
// of bounds. Multi-byte fields are copied out byte-wise: the structure is
// only 8-aligned by convention and the parser must not fault if it is not.

#include <bootinfo/boot_fields.h>
#include <bootinfo/multiboot2.h>

namespace kernel::bootinfo {

namespace {

using fields::load;
using ipc::Error;
using ipc::Result;

// Layout constants from the Multiboot2 specification, section 3.6.
constexpr size_t fixed_header_size = 8; // u32 total_size, u32 reserved
constexpr size_t tag_header_size = 8;   // u32 type, u32 size
constexpr size_t tag_alignment = 8;
constexpr size_t minimum_total_size = fixed_header_size + tag_header_size; // header + end tag

constexpr uint32_t tag_type_end = 0;
constexpr uint32_t tag_type_command_line = 1;
constexpr uint32_t tag_type_bootloader_name = 2;
constexpr uint32_t tag_type_module = 3;
constexpr uint32_t tag_type_memory_map = 6;

constexpr size_t module_header_size = tag_header_size + 8;     // + u32 mod_start, u32 mod_end
constexpr size_t memory_map_header_size = tag_header_size + 8; // + u32 entry_size, u32 entry_version
constexpr size_t minimum_memory_map_entry_size = 24;           // u64 base, u64 length, u32 type, u32 reserved

constexpr size_t align_up(size_t value, size_t alignment)
{
    return (value + alignment - 1) & ~(alignment - 1);
}

// One tag, already checked to lie inside the boot information.
struct Tag {
    const uint8_t* bytes;
    uint32_t type;
    uint32_t size;
};

// The string at `offset` inside the tag must end with a NUL inside the tag:
// otherwise a later strlen() would walk past the tag.
Result<const char*> tag_string(const Tag& tag, size_t offset)
{
    for (size_t i = offset; i < tag.size; ++i) {
        if (tag.bytes[i] == 0)
            return reinterpret_cast<const char*>(tag.bytes + offset);
    }
    return Error::Malformed;
}

Result<void> parse_module(const Tag& tag, BootInfo& info)
{
    if (tag.size < module_header_size)
        return Error::Malformed;
    uint32_t start = load<uint32_t>(tag.bytes + 8);
    uint32_t end = load<uint32_t>(tag.bytes + 12);
    if (end < start)
        return Error::Malformed;
    const char* name = TRY(tag_string(tag, module_header_size));
    if (info.module_count == BootInfo::max_modules)
        return Error::OutOfRange;
    ipc::PhysRange range { ipc::PhysAddr(start), uint64_t(end) - start };
    info.modules[info.module_count++] = Module { range, name };
    return {};
}

Result<void> parse_memory_map(const Tag& tag, BootInfo& info)
{
    if (tag.size < memory_map_header_size)
        return Error::Malformed;
    uint32_t entry_size = load<uint32_t>(tag.bytes + 8);
    // entry_size exists so the format can grow; it may never shrink below the
    // fields we read, and the spec guarantees 8-byte multiples.
    if (entry_size < minimum_memory_map_entry_size || entry_size % 8 != 0)
        return Error::Malformed;
    size_t entries_bytes = tag.size - memory_map_header_size;
    if (entries_bytes % entry_size != 0)
        return Error::Malformed; // a partial trailing entry

    info.has_memory_map = true;
    for (size_t offset = memory_map_header_size; offset < tag.size; offset += entry_size) {
        const uint8_t* entry = tag.bytes + offset;
        uint64_t base = load<uint64_t>(entry);
        uint64_t length = load<uint64_t>(entry + 8);
        TRY(fields::add_memory_region(info, base, length, load<uint32_t>(entry + 16)));
    }
    return {};
}

Result<void> parse_tag(const Tag& tag, BootInfo& info)
{
    switch (tag.type) {
    case tag_type_command_line: info.command_line = TRY(tag_string(tag, tag_header_size)); return {};
    case tag_type_bootloader_name: info.bootloader_name = TRY(tag_string(tag, tag_header_size)); return {};
    case tag_type_module: return parse_module(tag, info);
    case tag_type_memory_map: return parse_memory_map(tag, info);
    }
    // Framebuffer, ACPI, EFI and the rest: not needed, skipped by size.
    return {};
}

} // namespace

Result<BootInfo> parse_multiboot2(const uint8_t* data, size_t available)
{
    if (!data || available < fixed_header_size)
        return Error::Truncated;
    uint32_t total_size = load<uint32_t>(data);
    if (total_size < minimum_total_size)
        return Error::Malformed;
    if (total_size > available)
        return Error::Truncated;

    BootInfo info;
    info.total_size = total_size;

    // Tags start right after the fixed header and each begins 8-aligned.
    size_t offset = fixed_header_size;
    while (true) {
        if (offset >= total_size)
            return Error::Malformed; // every tag was well-formed, but none was the end tag
        if (total_size - offset < tag_header_size)
            return Error::Truncated;
        Tag tag { data + offset, load<uint32_t>(data + offset), load<uint32_t>(data + offset + 4) };
        if (tag.size < tag_header_size)
            return Error::Malformed;
        if (tag.size > total_size - offset)
            return Error::Truncated;
        if (tag.type == tag_type_end) {
            if (tag.size != tag_header_size)
                return Error::Malformed;
            return info;
        }
        TRY(parse_tag(tag, info));
        offset = align_up(offset + tag.size, tag_alignment);
    }
}

} // namespace kernel::bootinfo
