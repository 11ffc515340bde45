#include "object/derivation.h"

namespace kernel::cdt {

void link_child(Slot& parent, Slot& child)
{
    child.parent = &parent;
    child.prev_sibling = nullptr;
    child.next_sibling = parent.first_child;
    if (parent.first_child)
        parent.first_child->prev_sibling = &child;
    parent.first_child = &child;
}

// Removes `slot` from its parent's child list (or does nothing for a root).
static void detach_from_siblings(Slot& slot)
{
    if (slot.prev_sibling)
        slot.prev_sibling->next_sibling = slot.next_sibling;
    else if (slot.parent)
        slot.parent->first_child = slot.next_sibling;
    if (slot.next_sibling)
        slot.next_sibling->prev_sibling = slot.prev_sibling;
    slot.prev_sibling = slot.next_sibling = nullptr;
}

void unlink(Slot& slot)
{
    Slot* parent = slot.parent;
    detach_from_siblings(slot);
    // Hand the children to our parent (or make them roots).
    Slot* child = slot.first_child;
    while (child) {
        Slot* next = child->next_sibling;
        child->parent = nullptr;
        child->prev_sibling = child->next_sibling = nullptr;
        if (parent)
            link_child(*parent, *child);
        child = next;
    }
    slot.first_child = nullptr;
    slot.parent = nullptr;
}

void move(Slot& from, Slot& to)
{
    to.parent = from.parent;
    to.prev_sibling = from.prev_sibling;
    to.next_sibling = from.next_sibling;
    to.first_child = from.first_child;
    if (to.prev_sibling)
        to.prev_sibling->next_sibling = &to;
    else if (to.parent)
        to.parent->first_child = &to;
    if (to.next_sibling)
        to.next_sibling->prev_sibling = &to;
    for (Slot* child = to.first_child; child; child = child->next_sibling)
        child->parent = &to;
    from.parent = from.first_child = from.next_sibling = from.prev_sibling = nullptr;
}

Slot* deepest_descendant(Slot& slot)
{
    Slot* node = slot.first_child;
    if (!node)
        return nullptr;
    while (node->first_child)
        node = node->first_child;
    return node;
}

bool has_children(const Slot& slot) { return slot.first_child != nullptr; }

bool is_descendant_of(const Slot& slot, const Slot& ancestor)
{
    for (const Slot* p = slot.parent; p; p = p->parent) {
        if (p == &ancestor)
            return true;
    }
    return false;
}

} // namespace kernel::cdt
