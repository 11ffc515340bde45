#pragma once
// What the kernel hands the root task: its initial capabilities, in fixed
// slots of its root CNode, and this page (read-only, address in rdi at
// entry) describing the rest: Untyped memory, boot module frames and the
// command line.

#include <cstdint>
#include <ipc/message.h>

namespace ipc {

// Fixed slots of the root task's CSpace.
enum RootSlot : CPtr {
    root_slot_null = 0,
    root_slot_tcb = 1,
    root_slot_cnode = 2,
    root_slot_vspace = 3,
    root_slot_irq_control = 4,
    root_slot_io_ports = 5,      // the whole port range 0-0xffff
    root_slot_boot_info = 6,     // Frame of this page
    root_slot_ipc_buffer = 7,    // Frame of the root thread's IPC buffer
    root_slot_first_dynamic = 8, // Untyped caps start here, then module frames
};

inline constexpr unsigned root_cnode_radix = 12; // 4096 slots

// Where the kernel maps RootBootInfo in the root task (rdi at entry), and
// the root thread's IPC buffer right after it.
inline constexpr uint64_t root_boot_info_address = 0x0000'7fff'e000'0000;
inline constexpr uint64_t root_ipc_buffer_address = root_boot_info_address + 4096;

struct UntypedDescriptor {
    uint64_t physical_address;
    uint8_t size_bits;
    uint8_t padding[7];
};

struct ModuleDescriptor {
    char name[32];
    uint64_t size;    // bytes
    CPtr first_frame; // frames of the module, in order, one per page
    uint64_t frame_count;
    uint64_t mapped_at; // where the kernel mapped it read-only in the root task (0 = not mapped)
};

struct RootBootInfo {
    static constexpr uint64_t magic_value = 0x6661756c746c696eull; // "faultlin"
    static constexpr unsigned max_untyped = 128;
    static constexpr unsigned max_modules = 16;

    uint64_t magic;
    CPtr first_free_slot;
    uint64_t cnode_radix;
    uint64_t ipc_buffer_address;
    CPtr first_untyped;
    uint64_t untyped_count;
    UntypedDescriptor untyped[max_untyped];
    uint64_t module_count;
    ModuleDescriptor modules[max_modules];
    char command_line[512];
};
static_assert(sizeof(RootBootInfo) <= 4096);

// Object sizes (log2 bytes) for Retype.
inline constexpr unsigned tcb_size_bits = 10;
inline constexpr unsigned endpoint_size_bits = 6;
inline constexpr unsigned notification_size_bits = 6;
inline constexpr unsigned vspace_size_bits = 13; // the PML4 page and the VSpace's own page
inline constexpr unsigned frame_size_bits = 12;
inline constexpr unsigned slot_size_bits = 6; // a CNode of radix r takes r + 6 bits
inline constexpr unsigned min_untyped_bits = 12;
inline constexpr unsigned max_untyped_bits = 40;
inline constexpr unsigned max_cnode_radix = 16;

} // namespace ipc
