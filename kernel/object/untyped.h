#pragma once
// Untyped memory: a power-of-two block of physical memory and a free index
// (bytes used, in the cap). Retype carves objects at the free index; once an
// Untyped cap has no children left, its whole block is reusable.

#include "object/tcb.h"
#include <ipc/addr.h>
#include <ipc/result.h>

namespace kernel {

struct RetypeArgs {
    ipc::ObjectType type;
    unsigned size_bits;  // Untyped: its size; CNode: its radix; ignored otherwise
    uint64_t cnode_cptr; // destination CNode (0 = caller's root)
    uint64_t first_slot;
    uint64_t count;
};

ipc::Result<void> untyped_retype(Tcb& caller, Slot& untyped, const RetypeArgs&);

// Retype's one-Frame case, in two steps for the MapNew fault reply: between
// them the caller checks its own preconditions (the mapping), so that a
// failed MapNew changes nothing. prepare_frame makes Retype's checks for
// this one case, with Retype's own helpers (room in the Untyped, an empty
// slot of the caller's root CNode), without its general decoding;
// make_frame cannot fail: it zeroes the frame and installs its cap.
struct PreparedFrame {
    Slot* untyped;
    Slot* destination;
    ipc::PhysAddr base;
};
ipc::Result<PreparedFrame> prepare_frame(Tcb& caller, Slot& untyped, uint64_t slot);
Capability& make_frame(const PreparedFrame&);

// `bytes` (a power of two, at least a page) of zeroed memory from an Untyped
// cap that is not a retype parent (a VSpace's pool).
ipc::Result<ipc::PhysAddr> untyped_carve(Capability& untyped, uint64_t bytes);

uint64_t untyped_size(const Capability&);

} // namespace kernel
