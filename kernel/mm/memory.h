#pragma once
// Boot-time physical memory set-up: the frame table from the multiboot2
// memory map, and the page-table source the kernel uses before userspace
// provides memory of its own.

#include "arch/arch.h"
#include "bootinfo/multiboot2.h"
#include "mm/frame_table.h"

namespace kernel::mm {

// Builds the frame table; everything the boot depends on (low 1 MiB, kernel
// image, boot info, modules, the table itself) stays Reserved. Panics if the
// memory map is unusable.
void init(const bootinfo::BootInfo&, ipc::PhysRange boot_info);

FrameTable& frames();
// Sum of all frames' mapping counts (for leak checks).
uint64_t mapped_frame_count();
// One past the highest byte of usable RAM.
uint64_t ram_end();

// Page-table pages and boot-time frames, zeroed, straight from the frame table.
class BootFrameSource final : public arch::PageTableSource {
public:
    ipc::Result<ipc::PhysAddr> allocate_zeroed_page() override;
};

} // namespace kernel::mm
