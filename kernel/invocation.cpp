#include "invocation.h"
#include "ipc/endpoint_ops.h"
#include "object/cnode.h"
#include "object/derivation.h"
#include "object/irq.h"
#include "object/lifecycle.h"
#include "object/tcb_ops.h"
#include "object/untyped.h"
#include "object/vspace_ops.h"
#include "sched/scheduler.h"

namespace kernel {

using ipc::Error;
using ipc::Invocation;
using ipc::ObjectType;
using ipc::Result;
using ipc::Rights;

MessageWords::MessageWords(Tcb& caller)
    : m_length(arch::MessageRegisters(caller.frame).info().clamped_length())
{
    ipc::IpcBuffer* buffer = ipc_buffer_of(caller);
    if (m_length > max_argument_words)
        m_length = max_argument_words;
    if (m_length > ipc::register_message_words && !buffer)
        m_length = ipc::register_message_words;
    arch::MessageRegisters(caller.frame).read_words(m_words);
    for (unsigned i = ipc::register_message_words; i < m_length; ++i)
        m_words[i] = buffer->words[i];
}

Result<void> MessageWords::require(unsigned count) const
{
    if (m_length < count)
        return Error::InvalidArgument;
    return {};
}

namespace {

// ---- CNode -------------------------------------------------------------

// The capability a Copy or Mint makes from `source`.
Result<Capability> derive(const Capability& source, uint8_t rights_mask, bool mint, uint64_t badge)
{
    if (source.type == ObjectType::Untyped || source.type == ObjectType::Reply)
        return Error::Unsupported;
    Capability cap = source;
    cap.rights = source.rights.masked(rights_mask);
    if (cap.type == ObjectType::Frame)
        cap.data0 = cap.data1 = cap.extra = 0; // a copy starts unmapped
    if (mint && badge) {
        if (cap.type != ObjectType::Endpoint && cap.type != ObjectType::Notification)
            return Error::InvalidArgument;
        if (source.data0)
            return Error::InvalidArgument; // a badged cap cannot be re-badged
        cap.data0 = badge;
    }
    return cap;
}

Result<Slot*> source_slot(Tcb& caller, uint64_t cnode_cptr, uint64_t index)
{
    const Capability* cnode = &caller.slot(tcb_slot_cspace).cap;
    if (cnode_cptr != ipc::null_cptr)
        cnode = &TRY(lookup_typed(caller, cnode_cptr, ObjectType::CNode))->cap;
    auto slot = cnode_slot(*cnode, index);
    if (slot.is_error() || slot.value()->is_empty())
        return Error::InvalidCapability;
    return slot.value();
}

Result<Slot*> target_slot(const Capability& cnode, uint64_t index, bool want_empty)
{
    Slot* slot = TRY(cnode_slot(cnode, index));
    if (want_empty && !slot->is_empty())
        return Error::Busy;
    if (!want_empty && slot->is_empty())
        return Error::InvalidCapability;
    return slot;
}

Result<void> invoke_cnode(Tcb& caller, Slot& cnode, Invocation op, const MessageWords& w,
                          InvocationResult& out)
{
    switch (op) {
    case Invocation::CNodeCopy:
    case Invocation::CNodeMint: {
        bool mint = op == Invocation::CNodeMint;
        TRY(w.require(mint ? 5 : 4));
        Slot* destination = TRY(target_slot(cnode.cap, w[0], true));
        Slot* source = TRY(source_slot(caller, w[1], w[2]));
        Capability cap = TRY(derive(source->cap, uint8_t(w[3]), mint, mint ? w[4] : 0));
        install_cap(*destination, cap, source);
        return {};
    }
    case Invocation::CNodeMove: {
        TRY(w.require(3));
        Slot* destination = TRY(target_slot(cnode.cap, w[0], true));
        Slot* source = TRY(source_slot(caller, w[1], w[2]));
        if (source->cap.type == ObjectType::Untyped && source->cap.data1)
            return Error::Busy;
        move_cap(*source, *destination);
        return {};
    }
    case Invocation::CNodeDelete:
        TRY(w.require(1));
        delete_cap(*TRY(target_slot(cnode.cap, w[0], false)));
        return {};
    case Invocation::CNodeRevoke:
        TRY(w.require(1));
        revoke_cap(*TRY(target_slot(cnode.cap, w[0], false)));
        return {};
    case Invocation::CNodeSaveCaller: {
        TRY(w.require(1));
        Slot* destination = TRY(target_slot(cnode.cap, w[0], true));
        Slot& pending = caller.slot(tcb_slot_reply);
        if (pending.is_empty())
            return Error::InvalidCapability;
        move_cap(pending, *destination);
        return {};
    }
    case Invocation::CNodeDescribe: {
        TRY(w.require(1));
        Slot* slot = TRY(cnode_slot(cnode.cap, w[0]));
        out.push(uint64_t(slot->cap.type));
        out.push(slot->cap.rights.bits);
        out.push(slot->cap.type == ObjectType::Endpoint || slot->cap.type == ObjectType::Notification
                     ? slot->cap.data0
                     : 0);
        return {};
    }
    default: return Error::InvalidArgument;
    }
}

// ---- TCB ----------------------------------------------------------------

// Copies the cap at `cptr` (which must have `type`) into a TCB slot, or
// empties the slot for cptr 0.
Result<void> set_tcb_slot(Tcb& caller, Tcb& target, TcbSlot which, uint64_t cptr, ObjectType type)
{
    Slot* source = nullptr;
    if (cptr != ipc::null_cptr)
        source = TRY(lookup_typed(caller, cptr, type));
    delete_cap(target.slot(which));
    if (source) {
        Capability cap = TRY(derive(source->cap, Rights::all, false, 0));
        install_cap(target.slot(which), cap, source);
    }
    return {};
}

Result<void> check_priority(Tcb& caller, uint64_t priority)
{
    if (priority >= sched::priorities || priority > caller.priority)
        return Error::OutOfRange;
    return {};
}

void set_priority(Tcb& t, uint8_t priority)
{
    bool queued = t.state == ThreadState::Ready;
    if (queued)
        sched::dequeue(t);
    t.priority = priority;
    if (queued)
        sched::make_ready(t);
}

Result<void> invoke_tcb(Tcb& caller, Tcb& target, Invocation op, const MessageWords& w, InvocationResult& out)
{
    switch (op) {
    case Invocation::TcbConfigure: {
        TRY(w.require(6));
        // Decode every argument before touching the TCB.
        if (w[0])
            TRY(lookup_typed(caller, w[0], ObjectType::CNode));
        if (w[1])
            TRY(lookup_typed(caller, w[1], ObjectType::VSpace));
        if (w[2])
            TRY(lookup_typed(caller, w[2], ObjectType::Frame));
        if (w[4])
            TRY(lookup_typed(caller, w[4], ObjectType::Endpoint));
        TRY(check_priority(caller, w[5]));
        // With an IPC buffer frame, its address must be a user page; without
        // one it must be 0 (a stray address is a caller's bug worth reporting).
        bool address_ok
            = w[2] ? (w[3] % ipc::page_size == 0 && ipc::is_user_range(w[3], ipc::page_size)) : w[3] == 0;
        if (!address_ok)
            return Error::OutOfRange;
        TRY(set_tcb_slot(caller, target, tcb_slot_cspace, w[0], ObjectType::CNode));
        TRY(set_tcb_slot(caller, target, tcb_slot_vspace, w[1], ObjectType::VSpace));
        TRY(set_tcb_slot(caller, target, tcb_slot_ipc_buffer, w[2], ObjectType::Frame));
        TRY(set_tcb_slot(caller, target, tcb_slot_fault_endpoint, w[4], ObjectType::Endpoint));
        target.ipc_buffer_address = w[2] ? w[3] : 0;
        set_priority(target, uint8_t(w[5]));
        return {};
    }
    case Invocation::TcbSetPriority:
        TRY(w.require(1));
        TRY(check_priority(caller, w[0]));
        set_priority(target, uint8_t(w[0]));
        return {};
    case Invocation::TcbReadRegisters:
        out.push(target.frame.rip);
        out.push(target.frame.rsp);
        out.push(target.frame.rflags);
        for (unsigned i = 0; i < arch::general_register_count; ++i)
            out.push(arch::general_register(target.frame, i));
        return {};
    case Invocation::TcbWriteRegisters: {
        TRY(w.require(3));
        // iretq to a non-canonical or kernel address would fault in ring 0:
        // rip must lie strictly inside the user half.
        if (!ipc::is_user_range(w[0], 1) || !ipc::is_user_range(w[1], 0))
            return Error::OutOfRange;
        arch::make_user_frame(target.frame, w[0], w[1], w[2]);
        for (unsigned i = 0; i < arch::general_register_count && 3 + i < w.length(); ++i)
            arch::general_register(target.frame, i) = w[3 + i];
        // Until it enters the kernel again the thread must return via iretq.
        target.frame.vector = 0;
        return {};
    }
    case Invocation::TcbResume:
        if (target.state == ThreadState::Inactive)
            sched::make_ready(target);
        return {};
    case Invocation::TcbSuspend: suspend_thread(target); return {};
    case Invocation::TcbSetSupervisor:
        TRY(w.require(1));
        return set_tcb_slot(caller, target, tcb_slot_supervisor, w[0], ObjectType::Endpoint);
    default: return Error::InvalidArgument;
    }
}

// ---- VSpace, Frame, Untyped, IRQ, IO ports ------------------------------------

Result<void> invoke_vspace(Tcb& caller, VSpace& space, Invocation op, const MessageWords& w)
{
    switch (op) {
    case Invocation::VSpaceMap: {
        TRY(w.require(3));
        Slot* frame = TRY(lookup_typed(caller, w[0], ObjectType::Frame));
        return vspace_map(space, frame->cap, ipc::VirtAddr(w[1]), Rights { uint8_t(w[2]) });
    }
    case Invocation::VSpaceUnmap: {
        TRY(w.require(1));
        Slot* frame = TRY(lookup_typed(caller, w[0], ObjectType::Frame));
        return vspace_unmap(space, frame->cap);
    }
    case Invocation::VSpaceProtect: {
        TRY(w.require(2));
        Slot* frame = TRY(lookup_typed(caller, w[0], ObjectType::Frame));
        return vspace_protect(space, frame->cap, Rights { uint8_t(w[1]) });
    }
    case Invocation::VSpaceBindPool: {
        TRY(w.require(1));
        Slot* untyped = TRY(lookup_typed(caller, w[0], ObjectType::Untyped));
        if (cdt::has_children(*untyped))
            return Error::Busy;
        return bind_pool(space, *untyped);
    }
    default: return Error::InvalidArgument;
    }
}

Result<void> invoke_untyped(Tcb& caller, Slot& untyped, Invocation op, const MessageWords& w,
                            InvocationResult& out)
{
    if (op == Invocation::UntypedDescribe) {
        out.push(untyped.cap.object);
        out.push(untyped.cap.extra);
        uint64_t used = cdt::has_children(untyped) || untyped.cap.data1 ? untyped.cap.data0 : 0;
        out.push(untyped_size(untyped.cap) - used);
        return {};
    }
    if (op != Invocation::UntypedRetype)
        return Error::InvalidArgument;
    TRY(w.require(5));
    if (w[0] >= uint64_t(ObjectType::Count) || w[1] > 64)
        return Error::InvalidArgument;
    RetypeArgs args { .type = ObjectType(w[0]),
                      .size_bits = unsigned(w[1]),
                      .cnode_cptr = w[2],
                      .first_slot = w[3],
                      .count = w[4] };
    return untyped_retype(caller, untyped, args);
}

Result<void> invoke_irq_control(Tcb& caller, Invocation op, const MessageWords& w)
{
    if (op != Invocation::IrqControlGet)
        return Error::InvalidArgument;
    TRY(w.require(2));
    Slot* destination = TRY(lookup_empty_slot(caller, ipc::null_cptr, w[1]));
    Capability cap = TRY(irq_issue(unsigned(w[0] > 0xffff ? 0xffff : w[0])));
    install_cap(*destination, cap, nullptr);
    return {};
}

Result<void> invoke_irq_handler(Tcb& caller, const Capability& handler, Invocation op, const MessageWords& w)
{
    unsigned irq = unsigned(handler.object);
    if (op == Invocation::IrqAck)
        return irq_ack(irq);
    if (op != Invocation::IrqSetNotification)
        return Error::InvalidArgument;
    TRY(w.require(1));
    Slot* notification = TRY(lookup_typed(caller, w[0], ObjectType::Notification));
    return irq_set_notification(irq, notification->cap);
}

Result<void> invoke_ioport(Tcb& caller, Slot& ports, Invocation op, const MessageWords& w,
                           InvocationResult& out)
{
    switch (op) {
    case Invocation::IoPortIn8:
        TRY(w.require(1));
        out.push(TRY(ioport_in8(ports.cap, w[0])));
        return {};
    case Invocation::IoPortOut8: TRY(w.require(2)); return ioport_out8(ports.cap, w[0], uint8_t(w[1]));
    case Invocation::IoPortIssue: {
        TRY(w.require(3));
        Slot* destination = TRY(lookup_empty_slot(caller, ipc::null_cptr, w[2]));
        Capability cap = TRY(ioport_issue(ports.cap, w[0], w[1]));
        install_cap(*destination, cap, &ports);
        return {};
    }
    default: return Error::InvalidArgument;
    }
}

} // namespace

Result<void> invoke_object(Tcb& caller, Slot& target, uint32_t label, InvocationResult& out)
{
    MessageWords words(caller);
    auto op = Invocation(label);
    const Capability& cap = target.cap;
    switch (cap.type) {
    case ObjectType::Untyped: return invoke_untyped(caller, target, op, words, out);
    case ObjectType::CNode: return invoke_cnode(caller, target, op, words, out);
    case ObjectType::Tcb: return invoke_tcb(caller, *cap.as<Tcb>(), op, words, out);
    case ObjectType::VSpace: return invoke_vspace(caller, *cap.as<VSpace>(), op, words);
    case ObjectType::Frame: {
        if (op != Invocation::FrameDescribe)
            return Error::InvalidArgument;
        VSpace* space = mapped_vspace(cap);
        out.push(cap.object);
        out.push(space ? 1 : 0);
        out.push(space ? cap.data0 : 0);
        return {};
    }
    case ObjectType::IrqControl: return invoke_irq_control(caller, op, words);
    case ObjectType::IrqHandler: return invoke_irq_handler(caller, cap, op, words);
    case ObjectType::IoPort: return invoke_ioport(caller, target, op, words, out);
    default: return Error::WrongType;
    }
}

} // namespace kernel
