#pragma once
// Mapping Frames into VSpaces. A Frame cap maps at most one page; its
// record (asid, generation, vaddr) is only honoured while the ASID table
// still holds that generation, so tearing down a VSpace or losing its pool
// invalidates every record at once, and the frame table's mapping counts
// stay exact.

#include "object/tcb.h"
#include "object/vspace.h"
#include <ipc/addr.h>
#include <ipc/result.h>

namespace kernel {

ipc::Result<void> init_vspace(VSpace&); // NoMemory when the ASID table is full
void destroy_vspace(VSpace&);
void vspace_pool_lost(VSpace&);
ipc::Result<void> bind_pool(VSpace&, Slot& untyped);

ipc::Result<void> vspace_map(VSpace&, Capability& frame, ipc::VirtAddr, ipc::Rights);
// The same, with page tables from `tables` instead of the bound pool (boot).
ipc::Result<void> vspace_map_with(VSpace&, Capability& frame, ipc::VirtAddr, ipc::Rights,
                                  arch::PageTableSource& tables);
ipc::Result<void> vspace_unmap(VSpace&, Capability& frame);
ipc::Result<void> vspace_protect(VSpace&, Capability& frame, ipc::Rights);
void frame_cap_unmap(Capability& frame);
// The VSpace a Frame cap is mapped in, or nullptr.
VSpace* mapped_vspace(const Capability& frame);

// The Map reply to a fault: the replier's frame cap into the faulter's VSpace.
ipc::Result<void> map_for_fault(Tcb& replier, Tcb& faulter, uint64_t frame_cptr, ipc::VirtAddr, ipc::Rights);

// The MapNew reply to a fault: a new zeroed Frame, retyped from the
// replier's Untyped into the empty slot `frame_slot` of its root CNode, and
// mapped as Map maps it. On error nothing has changed (page tables the
// mapping made stay, as after a failed Map).
ipc::Result<void> map_new_for_fault(Tcb& replier, Tcb& faulter, uint64_t frame_slot, uint64_t untyped_cptr,
                                    ipc::VirtAddr, ipc::Rights);

// map_for_fault's common case, for the IPC fast path: an unmapped Frame
// cap with the rights, a free page and page tables that already exist. In
// every other case it returns false having changed nothing, and
// map_for_fault decides (allocates tables, or finds the error).
bool map_for_fault_in_place(Tcb& replier, Tcb& faulter, uint64_t frame_cptr, ipc::VirtAddr, ipc::Rights);

uint64_t vspace_count();

} // namespace kernel
