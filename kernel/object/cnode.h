#pragma once
// CNodes and CSpace lookup. A CNode of radix r is 2^r Slots; slot 0 is never
// a valid index, so its memory holds the CNode's ObjectHeader. A thread's
// CSpace is the CNode in its TCB's CSpace slot; a CPtr indexes it directly.

#include "object/capability.h"
#include "object/tcb.h"
#include <ipc/message.h>
#include <ipc/result.h>

namespace kernel {

// A slot of the CNode `cnode_cap` names; OutOfRange for 0 or past the end.
// Inline: the IPC fast path looks up two caps per call through it.
inline ipc::Result<Slot*> cnode_slot(const Capability& cnode_cap, uint64_t index)
{
    if (cnode_cap.type != ipc::ObjectType::CNode)
        return ipc::Error::WrongType;
    if (index == 0 || index >= (uint64_t(1) << cnode_cap.extra))
        return ipc::Error::OutOfRange;
    return cnode_cap.as<Slot>() + index;
}

// Slot `cptr` of the thread's CSpace, possibly empty.
ipc::Result<Slot*> lookup_slot(Tcb&, ipc::CPtr);
// A non-empty slot; InvalidCapability otherwise.
ipc::Result<Slot*> lookup_cap(Tcb&, ipc::CPtr);
// A non-empty slot holding `type`; WrongType otherwise.
ipc::Result<Slot*> lookup_typed(Tcb&, ipc::CPtr, ipc::ObjectType);
// The CNode cap `cnode_cptr` names (0 = the CSpace root's). Its type is
// checked by cnode_slot() on use, as the root's is.
ipc::Result<const Capability*> destination_cnode(Tcb&, ipc::CPtr cnode_cptr);
// An empty slot in the CNode named by `cnode_cptr` (0 = the CSpace root):
// OutOfRange past the end, Busy if occupied.
ipc::Result<Slot*> lookup_empty_slot(Tcb&, ipc::CPtr cnode_cptr, uint64_t index);
// The same in a CNode already looked up.
ipc::Result<Slot*> empty_slot_in(const Capability& cnode, uint64_t index);

void destroy_cnode(Slot& header_slot, uint16_t radix);

} // namespace kernel
