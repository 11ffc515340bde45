#pragma once
// Parser for the multiboot2 boot information structure that GRUB hands the
// kernel. Pure logic, no hardware access: it validates every size and offset
// against the bytes actually available, so truncated or malformed boot info
// yields an error instead of a wild read. Strings point into the boot info.

#include <cstddef>
#include <cstdint>
#include <ipc/addr.h>
#include <ipc/result.h>

namespace kernel::bootinfo {

inline constexpr uint32_t multiboot2_bootloader_magic = 0x36d76289;

enum class MemoryType : uint32_t {
    Available = 1,
    Reserved = 2,
    AcpiReclaimable = 3,
    AcpiNvs = 4,
    BadRam = 5,
};

struct MemoryRegion {
    ipc::PhysRange range;
    MemoryType type { MemoryType::Reserved };
};

struct Module {
    ipc::PhysRange range;    // [mod_start, mod_end)
    const char* name { "" }; // the module's command line string
};

struct BootInfo {
    static constexpr size_t max_modules = 16;
    static constexpr size_t max_memory_regions = 128;

    uint64_t total_size { 0 };
    const char* command_line { "" };
    const char* bootloader_name { "" };
    Module modules[max_modules];
    size_t module_count { 0 };
    MemoryRegion memory[max_memory_regions];
    size_t memory_region_count { 0 };
    bool has_memory_map { false };
};

// Parses the boot information at `data`, of which `available` bytes may be
// read. Errors: Truncated (total_size or a tag runs past `available`),
// Malformed (bad sizes, misaligned tags, unterminated strings, a module with
// end < start, a memory map with a bad entry size, no end tag), OutOfRange
// (more modules or memory regions than BootInfo holds).
ipc::Result<BootInfo> parse_multiboot2(const uint8_t* data, size_t available);

} // namespace kernel::bootinfo
