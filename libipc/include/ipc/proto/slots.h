#pragma once
// The CSpace every program started by the process manager begins with.
// Slot numbers are ABI between init and user programs (user/libc).

#include <ipc/message.h>

namespace ipc::proto {

enum ProcessSlot : CPtr {
    process_slot_tcb = 1,
    process_slot_cnode = 2,
    process_slot_vspace = 3,
    process_slot_pager = 4,   // the pager's endpoint, badged with our pid (mmap, brk, ...)
    process_slot_process = 5, // the process manager's endpoint, badged with our pid (exit, spawn, wait)
    process_slot_fs = 6,      // the file server's endpoint
    process_slot_ipc_buffer = 7,
    process_slot_console = 8, // the console server's endpoint (line I/O for the shell)
    process_slot_first_free = 9,
};

inline constexpr unsigned process_cnode_radix = 8;

// Fixed addresses in every process.
inline constexpr uint64_t process_ipc_buffer_address = 0x0000'7fff'd000'0000;
inline constexpr uint64_t process_stack_top = 0x0000'7fff'ff00'0000;

} // namespace ipc::proto
