#include "object/cnode.h"
#include "object/lifecycle.h"

namespace kernel {

using ipc::Error;
using ipc::ObjectType;
using ipc::Result;

Result<Slot*> lookup_slot(Tcb& thread, ipc::CPtr cptr)
{
    const Capability& root = thread.slot(tcb_slot_cspace).cap;
    if (root.type != ObjectType::CNode)
        return Error::InvalidCapability;
    auto slot = cnode_slot(root, cptr);
    if (slot.is_error())
        return Error::InvalidCapability;
    return slot.value();
}

Result<Slot*> lookup_cap(Tcb& thread, ipc::CPtr cptr)
{
    Slot* slot = TRY(lookup_slot(thread, cptr));
    if (slot->is_empty())
        return Error::InvalidCapability;
    return slot;
}

Result<Slot*> lookup_typed(Tcb& thread, ipc::CPtr cptr, ObjectType type)
{
    Slot* slot = TRY(lookup_cap(thread, cptr));
    if (slot->cap.type != type)
        return Error::WrongType;
    return slot;
}

Result<const Capability*> destination_cnode(Tcb& thread, ipc::CPtr cnode_cptr)
{
    if (cnode_cptr == ipc::null_cptr)
        return &thread.slot(tcb_slot_cspace).cap;
    return &TRY(lookup_typed(thread, cnode_cptr, ObjectType::CNode))->cap;
}

Result<Slot*> empty_slot_in(const Capability& cnode, uint64_t index)
{
    Slot* slot = TRY(cnode_slot(cnode, index));
    if (!slot->is_empty())
        return Error::Busy;
    return slot;
}

Result<Slot*> lookup_empty_slot(Tcb& thread, ipc::CPtr cnode_cptr, uint64_t index)
{
    const Capability* cnode = TRY(destination_cnode(thread, cnode_cptr));
    return empty_slot_in(*cnode, index);
}

void destroy_cnode(Slot& header_slot, uint16_t radix)
{
    Slot* slots = &header_slot;
    for (uint64_t i = 1; i < (uint64_t(1) << radix); ++i)
        delete_cap(slots[i]);
}

} // namespace kernel
