// Multiboot (version 1) information parser. Every address the structure
// holds is looked up through the PhysicalWindow, which checks the whole
// range, so no field of a hostile or corrupt structure can make us read
// outside the memory the caller allows. Fields are copied out byte-wise:
// the loader promises no alignment.

#include <bootinfo/boot_fields.h>
#include <bootinfo/multiboot1.h>

namespace kernel::bootinfo {

namespace {

using fields::load;
using ipc::Error;
using ipc::Result;

// Layout from the Multiboot Specification 0.6.96, section 3.3.
constexpr uint32_t flag_command_line = 1u << 2;
constexpr uint32_t flag_modules = 1u << 3;
constexpr uint32_t flag_memory_map = 1u << 6;
constexpr uint32_t flag_bootloader_name = 1u << 9;

constexpr size_t offset_flags = 0;
constexpr size_t offset_command_line = 16;
constexpr size_t offset_modules_count = 20;
constexpr size_t offset_modules_address = 24;
constexpr size_t offset_memory_map_length = 44;
constexpr size_t offset_memory_map_address = 48;
constexpr size_t offset_bootloader_name = 64;
// Through the last field read; a loader may provide more (APM, VBE, framebuffer).
constexpr size_t info_size = offset_bootloader_name + 4;

constexpr size_t module_entry_size = 16;        // u32 mod_start, mod_end, string, reserved
constexpr size_t memory_map_size_field = 4;     // each entry starts with its size, not counting this field
constexpr size_t minimum_memory_map_entry = 20; // u64 base, u64 length, u32 type

// The NUL-terminated string at `address`, as long as it stays in the window.
Result<std::string_view> read_string(const PhysicalWindow& memory, uint64_t address)
{
    const uint8_t* first = memory.at(address, 1);
    if (!first)
        return Error::Truncated;
    uint64_t readable = memory.size - (address - memory.base);
    for (uint64_t i = 0; i < readable; ++i) {
        if (first[i] == 0)
            return std::string_view(reinterpret_cast<const char*>(first), i);
    }
    return Error::Truncated;
}

constexpr bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_front(std::string_view text)
{
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    return text;
}

std::string_view trim_back(std::string_view text)
{
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    return text;
}

// "PATH REST": the first word and what follows it, both trimmed.
struct PathAndRest {
    std::string_view path;
    std::string_view rest;
};

PathAndRest split_path(std::string_view text)
{
    text = trim_front(text);
    size_t end = 0;
    while (end < text.size() && !is_space(text[end]))
        ++end;
    return { text.substr(0, end), trim_back(trim_front(text.substr(end))) };
}

std::string_view module_name(std::string_view text)
{
    auto [path, rest] = split_path(text);
    if (!rest.empty())
        return rest;
    size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

Result<void> parse_modules(const PhysicalWindow& memory, const uint8_t* info, BootInfo& boot,
                           BootStrings& strings)
{
    uint32_t count = load<uint32_t>(info + offset_modules_count);
    uint32_t address = load<uint32_t>(info + offset_modules_address);
    if (count > BootInfo::max_modules)
        return Error::OutOfRange;
    const uint8_t* list = memory.at(address, uint64_t(count) * module_entry_size);
    if (count && !list)
        return Error::Truncated;
    for (uint32_t i = 0; i < count; ++i) {
        const uint8_t* entry = list + i * module_entry_size;
        uint32_t start = load<uint32_t>(entry);
        uint32_t end = load<uint32_t>(entry + 4);
        if (end < start)
            return Error::Malformed;
        std::string_view text = TRY(read_string(memory, load<uint32_t>(entry + 8)));
        const char* name = TRY(strings.keep(module_name(text)));
        boot.modules[boot.module_count++] = Module { { ipc::PhysAddr(start), uint64_t(end) - start }, name };
    }
    return {};
}

Result<void> parse_memory_map(const PhysicalWindow& memory, const uint8_t* info, BootInfo& boot)
{
    uint32_t length = load<uint32_t>(info + offset_memory_map_length);
    uint32_t address = load<uint32_t>(info + offset_memory_map_address);
    const uint8_t* map = memory.at(address, length);
    if (!map)
        return Error::Truncated;
    boot.has_memory_map = true;
    for (uint64_t offset = 0; offset < length;) {
        if (length - offset < memory_map_size_field + minimum_memory_map_entry)
            return Error::Malformed; // a partial trailing entry
        uint32_t size = load<uint32_t>(map + offset);
        if (size < minimum_memory_map_entry || size > length - offset - memory_map_size_field)
            return Error::Malformed;
        const uint8_t* entry = map + offset + memory_map_size_field;
        uint64_t base = load<uint64_t>(entry);
        uint64_t bytes = load<uint64_t>(entry + 8);
        TRY(fields::add_memory_region(boot, base, bytes, load<uint32_t>(entry + 16)));
        offset += memory_map_size_field + size;
    }
    return {};
}

} // namespace

const uint8_t* PhysicalWindow::at(uint64_t address, uint64_t length) const
{
    if (!bytes || address < base)
        return nullptr;
    uint64_t offset = address - base;
    if (offset > size || length > size - offset)
        return nullptr;
    return bytes + offset;
}

Result<const char*> BootStrings::keep(std::string_view text)
{
    if (text.size() >= capacity - m_used)
        return Error::OutOfRange;
    char* copy = m_bytes + m_used;
    __builtin_memcpy(copy, text.data(), text.size());
    copy[text.size()] = '\0';
    m_used += text.size() + 1;
    return copy;
}

Result<BootInfo> parse_multiboot1(const PhysicalWindow& memory, uint64_t info_address, BootStrings& strings)
{
    const uint8_t* info = memory.at(info_address, info_size);
    if (!info)
        return Error::Truncated;
    BootInfo boot;
    boot.total_size = info_size;
    uint32_t flags = load<uint32_t>(info + offset_flags);
    if (flags & flag_command_line) {
        std::string_view line = TRY(read_string(memory, load<uint32_t>(info + offset_command_line)));
        boot.command_line = TRY(strings.keep(split_path(line).rest));
    }
    if (flags & flag_bootloader_name) {
        std::string_view name = TRY(read_string(memory, load<uint32_t>(info + offset_bootloader_name)));
        boot.bootloader_name = TRY(strings.keep(name));
    }
    if (flags & flag_modules)
        TRY(parse_modules(memory, info, boot, strings));
    if (flags & flag_memory_map)
        TRY(parse_memory_map(memory, info, boot));
    return boot;
}

} // namespace kernel::bootinfo
