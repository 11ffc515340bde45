#pragma once
// The capability derivation tree: pure pointer bookkeeping over Slots, with
// no knowledge of objects, so it is unit-tested on the host.
//
// - link_child(parent, child): child becomes the newest child of parent.
// - unlink(slot): slot leaves the tree; its children are re-parented to its
//   parent (so revoking an ancestor still finds them).
// - move(from, to): `to` takes over `from`'s place; `from` leaves the tree.
// - deepest_descendant(slot): a descendant with no children (a leaf), or
//   nullptr. Revoke deletes leaves until none remain, so it never recurses
//   and survives deletions that reshape the tree under it.

#include "object/capability.h"

namespace kernel::cdt {

void link_child(Slot& parent, Slot& child);
void unlink(Slot& slot);
void move(Slot& from, Slot& to);
Slot* deepest_descendant(Slot& slot);
bool has_children(const Slot& slot);
bool is_descendant_of(const Slot& slot, const Slot& ancestor);

} // namespace kernel::cdt
