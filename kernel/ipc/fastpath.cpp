// The IPC fast path; see fastpath.h. Every check below mirrors one the
// general path makes (syscalls.cpp, endpoint_ops.cpp, scheduler.cpp); the
// comments name it.
#include "ipc/fastpath.h"
#include "ipc/endpoint_ops.h"
#include "ipc/wait_queue.h"
#include "object/cnode.h"
#include "object/lifecycle.h"
#include "object/vspace_ops.h"
#include "sched/scheduler.h"
#include <ipc/fault.h>

namespace kernel {

bool detail::g_fastpath_enabled = true;

using ipc::Error;
using ipc::MessageInfo;
using ipc::ObjectType;
using ipc::Rights;

namespace {

FastpathCounts g_counts {};

// lookup_cap, then do_call's / do_receive's type and rights checks. Anything
// else (an empty slot, a Notification, an object invocation) is the general
// path's business.
[[gnu::always_inline]] inline const Capability* endpoint_cap(Tcb& t, uint64_t cptr, uint8_t right)
{
    auto slot = cnode_slot(t.slot(tcb_slot_cspace).cap, cptr);
    if (slot.is_error())
        return nullptr;
    const Capability& cap = slot.value()->cap;
    if (cap.type != ObjectType::Endpoint || !cap.rights.has(right))
        return nullptr;
    return &cap;
}

// deliver_message copies only registers, and touches no IPC buffer, when the
// message has no extra caps and at most four words.
bool fits_registers(MessageInfo info)
{
    return info.extra_caps() == 0 && info.length() <= ipc::register_message_words;
}

[[gnu::always_inline]] inline void copy_message(Tcb& from, Tcb& to, uint64_t badge)
{
    arch::MessageRegisters from_registers(from.frame), to_registers(to.frame);
    MessageInfo info = from_registers.info();
    to_registers.copy_words_from(from_registers);
    to_registers.set_info(MessageInfo(info.label(), info.length()));
    to_registers.set_badge(badge);
    to_registers.set_error(Error::None);
}

// The receiver waiting at the head of `ep`, if it can take a Call (or a
// fault) directly: its reply slot must be empty, because finish_send first
// deletes what is there, which answers an earlier caller (Deleted).
Tcb* ready_receiver(Endpoint& ep)
{
    if (ep.state != EndpointState::Receiving)
        return nullptr;
    Tcb* receiver = ep.head;
    return receiver->slot(tcb_slot_reply).is_empty() ? receiver : nullptr;
}

// What endpoint_send does to the queue: the head leaves it.
void take_receiver(Endpoint& ep, Tcb& receiver)
{
    ep.head = receiver.queue_next;
    if (ep.head) {
        ep.head->queue_prev = nullptr;
    } else {
        ep.tail = nullptr;
        ep.state = EndpointState::Idle;
    }
    receiver.queue_next = nullptr; // queue_prev is null already: it was the head
}

// finish_send for a Call, then the switch resume_next would make.
arch::TrapFrame* block_for_reply(Tcb& caller, Tcb& receiver, VSpace& space)
{
    Slot& reply_slot = receiver.slot(tcb_slot_reply);
    install_reply_cap(reply_slot, caller);
    caller.state = ThreadState::BlockedOnReply;
    caller.reply_cap = &reply_slot;
    return sched::handoff(caller, receiver, space);
}

} // namespace

void set_fastpath_enabled(bool enabled) { detail::g_fastpath_enabled = enabled; }
const FastpathCounts& fastpath_counts() { return g_counts; }

arch::TrapFrame* fastpath_call(Tcb& caller)
{
    arch::MessageRegisters registers(caller.frame);
    if (!fits_registers(registers.info()))
        return nullptr;
    const Capability* cap = endpoint_cap(caller, registers.cptr(), Rights::write);
    if (!cap)
        return nullptr;
    Endpoint& ep = *cap->as<Endpoint>();
    Tcb* receiver = ready_receiver(ep);
    if (!receiver)
        return nullptr; // nobody waits: the caller queues (general path)
    VSpace* space = sched::handoff_space(caller, *receiver);
    if (!space)
        return nullptr;

    take_receiver(ep, *receiver);
    caller.outgoing = OutgoingKind::Message;
    copy_message(caller, *receiver, cap->data0);
    ++g_counts.calls;
    return block_for_reply(caller, *receiver, *space);
}

arch::TrapFrame* fastpath_fault(Tcb& faulter, Endpoint& handler, uint64_t badge)
{
    Tcb* receiver = ready_receiver(handler);
    if (!receiver)
        return nullptr;
    VSpace* space = sched::handoff_space(faulter, *receiver);
    if (!space)
        return nullptr;

    take_receiver(handler, *receiver);
    faulter.outgoing = OutgoingKind::Fault;
    deliver_fault(faulter, *receiver, badge);
    ++g_counts.faults;
    return block_for_reply(faulter, *receiver, *space);
}

arch::TrapFrame* fastpath_reply_recv(Tcb& server)
{
    // reply_to's checks: a live Reply cap whose caller still waits for it.
    Slot& reply_slot = server.slot(tcb_slot_reply);
    if (reply_slot.cap.type != ObjectType::Reply)
        return nullptr;
    Tcb& caller = *reply_slot.cap.as<Tcb>();
    if (caller.reply_cap != &reply_slot || caller.state != ThreadState::BlockedOnReply)
        return nullptr;
    arch::MessageRegisters registers(server.frame);
    MessageInfo info = registers.info();
    bool fault_map = caller.outgoing == OutgoingKind::Fault && is_map_reply(info);
    if (!fault_map && (caller.outgoing != OutgoingKind::Message || !fits_registers(info)))
        return nullptr;
    const Capability* cap = endpoint_cap(server, registers.cptr(), Rights::read);
    if (!cap)
        return nullptr;
    Endpoint& ep = *cap->as<Endpoint>();
    if (ep.state == EndpointState::Sending)
        return nullptr; // a sender waits: the receive completes at once (general path)
    VSpace* space = sched::handoff_space(server, caller);
    if (!space)
        return nullptr;

    // The reply. A failed Map is answered to the server and it does not
    // receive, as in do_reply; nothing else has changed yet.
    if (fault_map) {
        // A well-formed Map whose page tables exist maps in place; anything
        // else (MapNew, a missing table, a malformed reply) goes through
        // map_fault_reply, which decodes again and reports the error.
        bool in_place = false;
        if (info.label() == uint32_t(ipc::FaultReply::Map)) {
            uint64_t words[ipc::MapReply::length];
            registers.read_words(words);
            auto map = ipc::MapReply::decode(info, words);
            in_place = map.has_value()
                && map_for_fault_in_place(server, caller, map.value().frame, map.value().address,
                                          map.value().rights);
        }
        if (!in_place) {
            auto mapped = map_fault_reply(server, caller, info);
            if (mapped.is_error()) {
                registers.set_error(mapped.error());
                return sched::resume_next();
            }
        }
        ++g_counts.fault_maps;
    } else {
        copy_message(server, caller, 0);
        ++g_counts.replies;
    }
    caller.outgoing = OutgoingKind::Message;
    caller.reply_cap = nullptr;
    delete_answered_reply(reply_slot);
    registers.set_error(Error::None);

    // The receive: nobody is sending, so the server waits on the endpoint.
    server.state = ThreadState::BlockedOnReceive;
    server.blocked_on = &ep;
    wait_queue_append(ep.head, ep.tail, server);
    ep.state = EndpointState::Receiving;
    return sched::handoff(server, caller, *space);
}

} // namespace kernel
