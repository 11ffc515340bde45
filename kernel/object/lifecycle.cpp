#include "object/lifecycle.h"
#include "ipc/endpoint_ops.h"
#include "object/cnode.h"
#include "object/derivation.h"
#include "object/irq.h"
#include "object/tcb_ops.h"
#include "object/vspace_ops.h"
#include "panic.h"
#include "root_task.h"

namespace kernel {

using ipc::ObjectType;

namespace {

ObjectHeader* g_pending = nullptr;
bool g_draining = false;
uint64_t g_live_objects = 0;

void destroy(ObjectHeader& header)
{
    switch (header.type) {
    case ObjectType::Tcb: destroy_tcb(*reinterpret_cast<Tcb*>(&header)); break;
    case ObjectType::Endpoint: destroy_endpoint(*reinterpret_cast<Endpoint*>(&header)); break;
    case ObjectType::Notification: destroy_notification(*reinterpret_cast<Notification*>(&header)); break;
    case ObjectType::CNode: destroy_cnode(*reinterpret_cast<Slot*>(&header), header.info); break;
    case ObjectType::VSpace:
        destroy_vspace(
            *reinterpret_cast<VSpace*>(reinterpret_cast<uint8_t*>(&header) - offsetof(VSpace, header)));
        break;
    default: VERIFY_NOT_REACHED();
    }
    --g_live_objects;
}

void drain_pending()
{
    if (g_draining)
        return;
    g_draining = true;
    while (g_pending) {
        ObjectHeader* next = g_pending;
        g_pending = next->next_pending;
        next->next_pending = nullptr;
        destroy(*next);
    }
    g_draining = false;
}

// What a capability itself holds, apart from the object: cut it.
void release_cap_resources(Slot& slot, const Capability& cap)
{
    switch (cap.type) {
    case ObjectType::Frame: frame_cap_unmap(slot.cap); break;
    case ObjectType::Reply: reply_cap_deleted(slot, *cap.as<Tcb>()); break;
    case ObjectType::Untyped:
        if (cap.data1)
            vspace_pool_lost(*reinterpret_cast<VSpace*>(cap.data1));
        break;
    case ObjectType::IrqHandler: irq_handler_deleted(unsigned(cap.object)); break;
    default: break;
    }
}

} // namespace

ObjectHeader* header_of(const Capability& cap)
{
    switch (cap.type) {
    case ObjectType::Tcb: return &cap.as<Tcb>()->header;
    case ObjectType::Endpoint: return &cap.as<Endpoint>()->header;
    case ObjectType::Notification: return &cap.as<Notification>()->header;
    case ObjectType::CNode: return cap.as<ObjectHeader>();
    case ObjectType::VSpace: return &cap.as<VSpace>()->header;
    default: return nullptr;
    }
}

void install_cap(Slot& destination, const Capability& cap, Slot* parent)
{
    VERIFY(destination.is_empty());
    destination.cap = cap;
    if (parent)
        cdt::link_child(*parent, destination);
    if (cap.type == ObjectType::IrqHandler)
        irq_handler_cap_added(unsigned(cap.object));
    if (ObjectHeader* header = header_of(cap)) {
        if (header->cap_count++ == 0)
            ++g_live_objects;
    }
}

void delete_cap(Slot& slot)
{
    if (slot.is_empty())
        return;
    Capability cap = slot.cap;
    cdt::unlink(slot);
    release_cap_resources(slot, cap);
    slot.cap = Capability {};
    if (ObjectHeader* header = header_of(cap)) {
        VERIFY(header->cap_count > 0);
        if (--header->cap_count == 0 && !header->dying) {
            header->dying = 1;
            header->next_pending = g_pending;
            g_pending = header;
        }
    }
    drain_pending();
}

void install_reply_cap(Slot& reply_slot, Tcb& caller)
{
    VERIFY(reply_slot.is_empty());
    reply_slot.cap
        = Capability { .type = ObjectType::Reply, .rights = ipc::Rights {}, .object = uint64_t(&caller) };
}

void revoke_cap(Slot& slot)
{
    // Deleting a leaf never reshapes the rest of the tree above it, and any
    // destruction it causes is finished before we look again.
    while (Slot* leaf = cdt::deepest_descendant(slot))
        delete_cap(*leaf);
}

void move_cap(Slot& from, Slot& to)
{
    VERIFY(to.is_empty());
    to.cap = from.cap;
    cdt::move(from, to);
    from.cap = Capability {};
    // A moved Reply cap must still be found by its caller.
    if (to.cap.type == ObjectType::Reply)
        to.cap.as<Tcb>()->reply_cap = &to;
    if (to.cap.type == ObjectType::Untyped)
        note_untyped_moved(from, to);
}

uint64_t live_objects() { return g_live_objects; }

} // namespace kernel
