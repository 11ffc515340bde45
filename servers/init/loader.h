#pragma once
// Building address spaces and threads. Every process gets one Untyped
// block; everything it is made of (CNode, VSpace and its page-table pool,
// TCB, IPC buffer, and for servers their eagerly loaded pages) is retyped
// from that block, so revoking the block ends the process without a trace.

#include <cstdint>
#include <ipc/elf64.h>
#include <ipc/result.h>
#include <kernel_api.h>

namespace init {

struct ProcessObjects {
    ipc::CPtr block { 0 }; // the process's Untyped (ours)
    ipc::CPtr tcb { 0 };
    ipc::CPtr cnode { 0 };
    ipc::CPtr vspace { 0 };
    ipc::CPtr ipc_frame { 0 };
    // Where init parks caps the process owns but never names (its eagerly
    // loaded pages, a server's initrd mapping): from the top of its CNode
    // down, far from the low slots a server allocates for itself.
    ipc::CPtr next_backing_slot { 0 };
    ipc::CPtr take_backing_slot() { return next_backing_slot--; }
};

inline constexpr unsigned process_block_bits = 20; // 1 MiB: CNode, VSpace, pool, TCB, IPC buffer
inline constexpr unsigned server_block_bits = 22;  // 4 MiB: also the eagerly loaded image and stack

// CNode (radix `cnode_radix`), VSpace with a page-table pool, TCB and IPC
// buffer (mapped at the standard address), with the standard slots of
// <ipc/proto/slots.h> filled in the process's CNode.
ipc::Result<ProcessObjects> create_process(ipc::CPtr block, unsigned cnode_radix);

// Copies every loadable segment of a server's image and maps a stack, all
// eagerly (servers cannot page themselves). Returns the entry point.
ipc::Result<uint64_t> load_eagerly(ProcessObjects&, const uint8_t* elf, size_t size, unsigned stack_pages);

// Copies a cap of ours into the process's CNode (optionally minted with a badge).
ipc::Result<void> give_cap(const ProcessObjects&, ipc::CPtr process_slot, ipc::CPtr ours, uint8_t rights,
                           uint64_t badge = 0);

struct ThreadStart {
    uint64_t entry;
    uint64_t stack_pointer;
    uint64_t arg0;
    uint64_t arg1;
    ipc::CPtr fault_endpoint; // ours (0 = none)
    ipc::CPtr supervisor;     // ours (0 = none)
    uint8_t priority;
};
ipc::Result<void> start_thread(const ProcessObjects&, const ThreadStart&);

// Destroys everything made from the process's block; the block stays ours.
void destroy_process(ProcessObjects&);

} // namespace init
