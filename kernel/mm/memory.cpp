#include "mm/memory.h"
#include "log.h"
#include "panic.h"

extern "C" char __kernel_phys_start[], __kernel_phys_end[];

namespace kernel::mm {

using ipc::PhysAddr;
using ipc::PhysRange;

namespace {

FrameTable g_frames;
uint64_t g_ram_end = 0;

// The boot page tables map only the first 1 GiB into the physmap, and the
// frame table must be written before the kernel's own tables exist.
constexpr uint64_t boot_physmap_limit = 1ull << 30;
// Real-mode IVT, BIOS data, EBDA and option ROMs: never handed out.
constexpr uint64_t low_memory_reserved = 1ull << 20;
// Frames beyond this are ignored (bounds the frame table to 128 MiB).
constexpr uint64_t max_supported_ram = 64ull << 30;

} // namespace

FrameTable& frames() { return g_frames; }
uint64_t ram_end() { return g_ram_end; }

uint64_t mapped_frame_count()
{
    uint64_t total = 0;
    for (size_t i = 0; i < g_frames.frame_count(); ++i)
        total += g_frames.info(PhysAddr(i << ipc::page_shift))->map_count;
    return total;
}

void init(const bootinfo::BootInfo& boot, PhysRange boot_info)
{
    if (!boot.has_memory_map)
        panic("the boot loader gave no memory map");

    PhysRange available[bootinfo::BootInfo::max_memory_regions];
    size_t available_count = 0;
    for (size_t i = 0; i < boot.memory_region_count; ++i) {
        const auto& region = boot.memory[i];
        if (region.type != bootinfo::MemoryType::Available)
            continue;
        available[available_count++] = region.range;
        if (region.range.end() > g_ram_end)
            g_ram_end = region.range.end();
    }
    if (g_ram_end > max_supported_ram) {
        log::warn("mm", "ignoring RAM above {} GiB", max_supported_ram >> 30);
        g_ram_end = max_supported_ram;
    }

    PhysRange reserved[3 + bootinfo::BootInfo::max_modules + 1];
    size_t reserved_count = 0;
    reserved[reserved_count++] = { PhysAddr(0), low_memory_reserved };
    uint64_t kernel_start = reinterpret_cast<uint64_t>(__kernel_phys_start);
    reserved[reserved_count++]
        = { PhysAddr(kernel_start), reinterpret_cast<uint64_t>(__kernel_phys_end) - kernel_start };
    reserved[reserved_count++] = boot_info;
    for (size_t i = 0; i < boot.module_count; ++i)
        reserved[reserved_count++] = boot.modules[i].range;

    size_t frame_count = g_ram_end / ipc::page_size;
    uint64_t table_bytes = FrameTable::storage_bytes(frame_count);
    auto place = find_free_range({ available, available_count }, { reserved, reserved_count }, table_bytes,
                                 boot_physmap_limit);
    if (place.is_error())
        panic("no room for the frame table ({} bytes) below 1 GiB", table_bytes);
    reserved[reserved_count++] = { place.value(), table_bytes };

    auto* storage = arch::phys_to_virt<FrameInfo>(place.value());
    g_frames.build(storage, frame_count, { available, available_count }, { reserved, reserved_count });
    log::info("mm", "{} frames free of {} ({} MiB usable)", g_frames.free_count(), g_frames.usable_count(),
              (g_frames.usable_count() * ipc::page_size) >> 20);
    log::debug("mm", "frame table: {} bytes at {:x}, RAM ends at {:x}", table_bytes, place.value(),
               g_ram_end);
    if (g_frames.free_count() == 0)
        panic("no free physical memory");
}

ipc::Result<PhysAddr> BootFrameSource::allocate_zeroed_page()
{
    PhysAddr frame = TRY(g_frames.allocate());
    arch::zero_memory(arch::phys_to_virt(frame), ipc::page_size);
    return frame;
}

} // namespace kernel::mm
