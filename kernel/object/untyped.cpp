#include "object/untyped.h"
#include "ipc/endpoint_ops.h"
#include "object/cnode.h"
#include "object/derivation.h"
#include "object/lifecycle.h"
#include "object/tcb_ops.h"
#include "object/vspace_ops.h"
#include "panic.h"
#include <ipc/root_boot_info.h>

namespace kernel {

using ipc::Error;
using ipc::ObjectType;
using ipc::PhysAddr;
using ipc::Result;

namespace {

constexpr uint64_t max_retype_count = 4096;

Result<unsigned> object_size_bits(ObjectType type, unsigned size_bits, unsigned untyped_bits)
{
    switch (type) {
    case ObjectType::Untyped:
        if (size_bits < ipc::min_untyped_bits || size_bits > untyped_bits)
            return Error::InvalidArgument;
        return size_bits;
    case ObjectType::CNode:
        if (size_bits < 1 || size_bits > ipc::max_cnode_radix)
            return Error::InvalidArgument;
        return size_bits + ipc::slot_size_bits;
    case ObjectType::Tcb: return ipc::tcb_size_bits;
    case ObjectType::Endpoint: return ipc::endpoint_size_bits;
    case ObjectType::Notification: return ipc::notification_size_bits;
    case ObjectType::VSpace: return ipc::vspace_size_bits;
    case ObjectType::Frame: return ipc::frame_size_bits;
    default: return Error::InvalidArgument;
    }
}

uint64_t align_up(uint64_t v, uint64_t alignment) { return (v + alignment - 1) & ~(alignment - 1); }

// Where the next object of `object_bytes` would start: after the last one
// made, or at 0 once the Untyped has no children left.
uint64_t next_object_offset(const Slot& untyped, uint64_t object_bytes)
{
    uint64_t used = cdt::has_children(untyped) ? untyped.cap.data0 : 0;
    return align_up(used, object_bytes);
}

// Where `count` objects of `object_bytes` go in the Untyped, or NoMemory.
Result<uint64_t> room_for(const Slot& untyped, unsigned bits, uint64_t count)
{
    uint64_t object_bytes = uint64_t(1) << bits;
    uint64_t start = next_object_offset(untyped, object_bytes);
    if (bits > untyped.cap.extra || start + count * object_bytes > untyped_size(untyped.cap))
        return Error::NoMemory;
    return start;
}

// Initialises one zeroed object and returns the capability that names it.
Result<Capability> create_object(ObjectType type, PhysAddr base, unsigned size_bits)
{
    void* memory = arch::phys_to_virt(base);
    Capability cap { .type = type, .rights = ipc::Rights {}, .object = reinterpret_cast<uint64_t>(memory) };
    switch (type) {
    case ObjectType::Untyped:
        cap.object = base.get();
        cap.extra = size_bits;
        break;
    case ObjectType::Frame: cap.object = base.get(); break;
    case ObjectType::CNode: {
        auto* header = static_cast<ObjectHeader*>(memory);
        header->type = ObjectType::CNode;
        header->info = uint16_t(size_bits);
        cap.extra = size_bits;
        break;
    }
    case ObjectType::Tcb: init_tcb(*static_cast<Tcb*>(memory)); break;
    case ObjectType::Endpoint: static_cast<Endpoint*>(memory)->header.type = ObjectType::Endpoint; break;
    case ObjectType::Notification:
        static_cast<Notification*>(memory)->header.type = ObjectType::Notification;
        break;
    case ObjectType::VSpace: TRY(init_vspace(*static_cast<VSpace*>(memory))); break;
    default: return Error::InvalidArgument;
    }
    return cap;
}

// The object at `base` (zeroed already) made and its cap installed, a child
// of the Untyped. Its arguments were checked: this cannot fail.
void install_object(Slot& untyped, ObjectType type, PhysAddr base, unsigned size_bits, Slot& destination)
{
    auto cap = create_object(type, base, size_bits);
    VERIFY(!cap.is_error());
    install_cap(destination, cap.value(), &untyped);
}

} // namespace

uint64_t untyped_size(const Capability& cap) { return uint64_t(1) << cap.extra; }

Result<PhysAddr> untyped_carve(Capability& untyped, uint64_t bytes)
{
    uint64_t start = align_up(untyped.data0, bytes);
    if (start + bytes > untyped_size(untyped))
        return Error::NoMemory;
    untyped.data0 = start + bytes;
    PhysAddr page(untyped.object + start);
    arch::zero_memory(arch::phys_to_virt(page), bytes);
    return page;
}

Result<void> untyped_retype(Tcb& caller, Slot& untyped, const RetypeArgs& args)
{
    // Decode: check everything before changing anything.
    unsigned bits = TRY(object_size_bits(args.type, args.size_bits, untyped.cap.extra));
    if (args.count == 0 || args.count > max_retype_count)
        return Error::InvalidArgument;
    if (untyped.cap.data1)
        return Error::Busy; // a bound VSpace pool is not for retyping
    // The destination CNode is looked up once; every slot is checked before
    // any object is made, in order, so the first bad slot names the error.
    const Capability* cnode = TRY(destination_cnode(caller, args.cnode_cptr));
    for (uint64_t i = 0; i < args.count; ++i)
        TRY(empty_slot_in(*cnode, args.first_slot + i));
    uint64_t start = TRY(room_for(untyped, bits, args.count));
    if (args.type == ObjectType::VSpace && vspace_count() + args.count >= max_vspaces)
        return Error::NoMemory;

    // Invoke: cannot fail from here on.
    uint64_t object_bytes = uint64_t(1) << bits;
    untyped.cap.data0 = start + args.count * object_bytes;
    arch::zero_memory(arch::phys_to_virt(PhysAddr(untyped.cap.object + start)), args.count * object_bytes);
    for (uint64_t i = 0; i < args.count; ++i) {
        PhysAddr base(untyped.cap.object + start + i * object_bytes);
        Slot& destination = cnode->as<Slot>()[args.first_slot + i]; // checked above
        install_object(untyped, args.type, base, args.size_bits, destination);
    }
    return {};
}

Result<PreparedFrame> prepare_frame(Tcb& caller, Slot& untyped, uint64_t slot)
{
    if (untyped.cap.data1)
        return Error::Busy; // a bound VSpace pool is not for retyping
    const Capability* cnode = TRY(destination_cnode(caller, ipc::null_cptr));
    Slot* destination = TRY(empty_slot_in(*cnode, slot));
    uint64_t start = TRY(room_for(untyped, ipc::frame_size_bits, 1));
    return PreparedFrame { &untyped, destination, PhysAddr(untyped.cap.object + start) };
}

Capability& make_frame(const PreparedFrame& frame)
{
    Slot& untyped = *frame.untyped;
    untyped.cap.data0 = frame.base.get() - untyped.cap.object + ipc::page_size;
    arch::zero_memory(arch::phys_to_virt(frame.base), ipc::page_size);
    install_object(untyped, ObjectType::Frame, frame.base, 0, *frame.destination);
    return frame.destination->cap;
}

} // namespace kernel
