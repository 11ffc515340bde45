#pragma once
// Creating, deleting and revoking capabilities, and destroying the objects
// whose last capability goes. Deletion is the one place where an object's
// references to other objects are cut, so it is written to never recurse:
// objects to destroy go on a work list that the outermost delete drains.

#include "object/capability.h"
#include "object/header.h"

namespace kernel {

struct Tcb;

// The header of the object a capability names, or nullptr for types
// without one (Untyped, Frame, IrqControl, IrqHandler, IoPort, Reply).
ObjectHeader* header_of(const Capability&);

// Puts `cap` into the empty slot `destination` as a child of `parent` (or as
// a root when parent is null) and counts the new reference.
void install_cap(Slot& destination, const Capability& cap, Slot* parent);

// Empties a slot. Cuts what the capability itself holds (a Frame's mapping,
// a Reply's waiting caller) and destroys the object if this was its last cap.
void delete_cap(Slot&);

// install_cap for the one-shot Reply cap a Call leaves in the receiver's
// TCB reply slot (empty): a root of the derivation tree, with no object
// header to count. The IPC fast path's Call.
void install_reply_cap(Slot& reply_slot, Tcb& caller);

// delete_cap for a Reply cap whose caller no longer points at it (it was
// just answered): no caller to tell, no object behind it, and (Reply caps
// are never copied) normally no place in the derivation tree, so the slot
// is simply emptied. The IPC fast path's reply.
inline void delete_answered_reply(Slot& slot)
{
    if (slot.parent || slot.first_child || slot.prev_sibling || slot.next_sibling)
        return delete_cap(slot);
    slot.cap = Capability {};
}

// Deletes every capability derived from the slot; the slot itself stays.
void revoke_cap(Slot&);

// Moves a capability and its place in the derivation tree.
void move_cap(Slot& from, Slot& to);

uint64_t live_objects();

} // namespace kernel
