#include "ipc/endpoint_ops.h"
#include "ipc/wait_queue.h"
#include "log.h"
#include "object/cnode.h"
#include "object/irq.h"
#include "object/lifecycle.h"
#include "object/tcb_ops.h"
#include "object/vspace_ops.h"
#include "sched/scheduler.h"
#include <cstring>
#include <ipc/fault.h>

namespace kernel {

using ipc::Error;
using ipc::MessageInfo;
using ipc::ObjectType;

namespace {

// ---- message transfer -----------------------------------------------------

// Copies the one capability a message may carry, if everything allows it.
unsigned transfer_cap(Tcb& sender, Tcb& receiver, ipc::IpcBuffer& from, ipc::IpcBuffer& to)
{
    auto source = lookup_cap(sender, from.caps[0]);
    auto destination = lookup_slot(receiver, to.receive_slot);
    if (source.is_error() || destination.is_error() || !destination.value()->is_empty())
        return 0;
    Capability cap = source.value()->cap;
    if (cap.type == ObjectType::Untyped || cap.type == ObjectType::Reply)
        return 0; // not copyable
    if (cap.type == ObjectType::Frame)
        cap.data0 = cap.data1 = cap.extra = 0; // a copy starts unmapped
    install_cap(*destination.value(), cap, source.value());
    to.received_badges[0] = cap.data0;
    return 1;
}

void deliver_message(Tcb& sender, Tcb& receiver, uint64_t badge, bool can_grant)
{
    arch::MessageRegisters from_registers(sender.frame), to_registers(receiver.frame);
    MessageInfo info = from_registers.info();
    unsigned length = info.clamped_length();
    to_registers.copy_words_from(from_registers);

    ipc::IpcBuffer* from = ipc_buffer_of(sender);
    ipc::IpcBuffer* to = ipc_buffer_of(receiver);
    if (length > ipc::register_message_words) {
        if (from && to)
            memcpy(&to->words[ipc::register_message_words], &from->words[ipc::register_message_words],
                   (length - ipc::register_message_words) * sizeof(uint64_t));
        else
            length = ipc::register_message_words;
    }
    unsigned caps
        = (info.extra_caps() && can_grant && from && to) ? transfer_cap(sender, receiver, *from, *to) : 0;
    to_registers.set_info(MessageInfo(info.label(), length, caps));
    to_registers.set_badge(badge);
    to_registers.set_error(Error::None);
}

void deliver(Tcb& sender, Tcb& receiver, uint64_t badge, bool can_grant)
{
    switch (sender.outgoing) {
    case OutgoingKind::Message: deliver_message(sender, receiver, badge, can_grant); return;
    case OutgoingKind::Fault: deliver_fault(sender, receiver, badge); return;
    case OutgoingKind::Exit: {
        auto notice = sender.exit_notice.encode();
        arch::MessageRegisters(receiver.frame).set_message(badge, notice.info, notice.words);
        return;
    }
    }
}

// After delivery: the sender either waits for the reply or is done.
void finish_send(Tcb& sender, Tcb& receiver, bool is_call)
{
    if (is_call) {
        Slot& reply_slot = receiver.slot(tcb_slot_reply);
        delete_cap(reply_slot); // an unanswered earlier caller is told Deleted
        Capability reply { .type = ObjectType::Reply, .rights = ipc::Rights {}, .object = uint64_t(&sender) };
        install_cap(reply_slot, reply, nullptr);
        sender.state = ThreadState::BlockedOnReply;
        sender.reply_cap = &reply_slot;
        sched::dequeue(sender);
        return; // `outgoing` stays: a fault's reply is read as Map or Kill
    }
    if (sender.outgoing == OutgoingKind::Exit) {
        sched::make_inactive(sender);
    } else {
        arch::MessageRegisters(sender.frame).set_error(Error::None);
        sched::make_ready(sender);
    }
    sender.outgoing = OutgoingKind::Message;
}

} // namespace

void deliver_fault(Tcb& faulter, Tcb& receiver, uint64_t badge)
{
    // The timestamp is the fifth word: it needs the receiver's IPC buffer.
    ipc::IpcBuffer* buffer = ipc_buffer_of(receiver);
    auto message = faulter.fault.encode(buffer != nullptr);
    static_assert(ipc::FaultMessage::max_length == ipc::register_message_words + 1);
    if (buffer)
        buffer->words[ipc::register_message_words] = message.words[ipc::register_message_words];
    arch::MessageRegisters(receiver.frame).set_message(badge, message.info, message.words);
}

ipc::IpcBuffer* ipc_buffer_of(Tcb& t)
{
    const Capability& frame = t.slot(tcb_slot_ipc_buffer).cap;
    if (frame.type != ObjectType::Frame)
        return nullptr;
    return arch::phys_to_virt<ipc::IpcBuffer>(ipc::PhysAddr(frame.object));
}

void endpoint_send(Tcb& sender, Endpoint& ep, uint64_t badge, SendMode mode, OutgoingKind kind)
{
    sender.outgoing = kind;
    if (ep.state == EndpointState::Receiving) {
        Tcb& receiver = *ep.head;
        wait_queue_remove(ep.head, ep.tail, receiver);
        if (!ep.head)
            ep.state = EndpointState::Idle;
        deliver(sender, receiver, badge, mode.can_grant);
        sched::make_ready(receiver);
        finish_send(sender, receiver, mode.is_call);
        return;
    }
    if (!mode.blocking) {
        sender.outgoing = OutgoingKind::Message;
        fail_syscall(sender, Error::WouldBlock);
        return;
    }
    sched::dequeue(sender);
    sender.state = ThreadState::BlockedOnSend;
    sender.blocked_on = &ep;
    sender.outgoing_badge = badge;
    sender.outgoing_is_call = mode.is_call;
    sender.outgoing_can_grant = mode.can_grant;
    wait_queue_append(ep.head, ep.tail, sender);
    ep.state = EndpointState::Sending;
}

void endpoint_receive(Tcb& receiver, Endpoint& ep, bool blocking)
{
    if (ep.state == EndpointState::Sending) {
        Tcb& sender = *ep.head;
        wait_queue_remove(ep.head, ep.tail, sender);
        if (!ep.head)
            ep.state = EndpointState::Idle;
        deliver(sender, receiver, sender.outgoing_badge, sender.outgoing_can_grant);
        sched::make_ready(receiver);
        finish_send(sender, receiver, sender.outgoing_is_call);
        return;
    }
    if (!blocking) {
        fail_syscall(receiver, Error::WouldBlock);
        return;
    }
    sched::dequeue(receiver);
    receiver.state = ThreadState::BlockedOnReceive;
    receiver.blocked_on = &ep;
    wait_queue_append(ep.head, ep.tail, receiver);
    ep.state = EndpointState::Receiving;
}

// Leaves the thread Inactive: whoever removes it decides what it does next.
void remove_from_endpoint(Tcb& t)
{
    auto& ep = *static_cast<Endpoint*>(t.blocked_on);
    wait_queue_remove(ep.head, ep.tail, t);
    if (!ep.head)
        ep.state = EndpointState::Idle;
    t.blocked_on = nullptr;
    t.state = ThreadState::Inactive;
}

void destroy_endpoint(Endpoint& ep)
{
    while (Tcb* t = ep.head) {
        OutgoingKind kind = t->outgoing;
        bool sending = t->state == ThreadState::BlockedOnSend;
        remove_from_endpoint(*t);
        t->outgoing = OutgoingKind::Message;
        if (sending && kind == OutgoingKind::Fault) {
            kill_thread(*t, ipc::ExitCause::HandlerGone, 0, t->fault.address(), t->fault.ip());
        } else if (sending && kind == OutgoingKind::Exit) {
            log::warn("kernel", "thread {:x}: supervisor endpoint deleted, death notice dropped", t);
            sched::make_inactive(*t);
        } else {
            fail_syscall(*t, Error::Deleted);
        }
    }
}

ipc::Result<void> map_fault_reply(Tcb& replier, Tcb& faulter, MessageInfo info)
{
    uint64_t words[ipc::register_message_words];
    arch::MessageRegisters(replier.frame).read_words(words);
    // (No TRY here: GCC keeps the copies its statement expression makes, and
    // this runs on every fault a fast-path Map cannot serve.)
    if (info.label() == uint32_t(ipc::FaultReply::Map)) {
        auto map = ipc::MapReply::decode(info, words);
        if (map.is_error())
            return map.error();
        return map_for_fault(replier, faulter, map.value().frame, map.value().address, map.value().rights);
    }
    auto map = ipc::MapNewReply::decode(info, words);
    if (map.is_error())
        return map.error();
    return map_new_for_fault(replier, faulter, map.value().frame_slot, map.value().untyped,
                             map.value().address, map.value().rights);
}

ipc::Result<void> reply_to(Tcb& replier, Slot& reply_slot)
{
    Tcb& caller = *reply_slot.cap.as<Tcb>();
    if (caller.reply_cap != &reply_slot || caller.state != ThreadState::BlockedOnReply)
        return Error::InvalidCapability;
    if (caller.outgoing == OutgoingKind::Fault) {
        MessageInfo info = arch::MessageRegisters(replier.frame).info();
        if (is_map_reply(info)) {
            TRY(map_fault_reply(replier, caller, info));
            caller.reply_cap = nullptr;
            caller.outgoing = OutgoingKind::Message;
            delete_cap(reply_slot);
            sched::make_ready(caller); // re-executes the faulting instruction
            return {};
        }
        // Anything but Map, MapNew or a well-formed Kill is refused, and the
        // faulter keeps waiting.
        uint64_t words[ipc::register_message_words];
        arch::MessageRegisters(replier.frame).read_words(words);
        ipc::KillReply kill = TRY(ipc::KillReply::decode(info, words));
        caller.reply_cap = nullptr;
        delete_cap(reply_slot);
        kill_thread(caller, ipc::ExitCause::Killed, kill.reason, caller.fault.address(), caller.fault.ip());
        return {};
    }
    caller.outgoing = OutgoingKind::Message;
    deliver_message(replier, caller, 0, false);
    caller.reply_cap = nullptr;
    delete_cap(reply_slot);
    sched::make_ready(caller);
    return {};
}

void notification_signal(Notification& n, uint64_t badge)
{
    uint64_t bits = badge ? badge : 1;
    if (Tcb* waiter = n.head) {
        wait_queue_remove(n.head, n.tail, *waiter);
        waiter->blocked_on = nullptr;
        arch::MessageRegisters registers(waiter->frame);
        registers.set_badge(n.word | bits);
        n.word = 0;
        registers.set_info(MessageInfo());
        registers.set_error(Error::None);
        sched::make_ready(*waiter);
        return;
    }
    n.word |= bits;
}

void notification_wait(Tcb& t, Notification& n, bool blocking)
{
    if (n.word) {
        arch::MessageRegisters registers(t.frame);
        registers.set_badge(n.word);
        registers.set_info(MessageInfo());
        n.word = 0;
        registers.set_error(Error::None);
        return;
    }
    if (!blocking) {
        fail_syscall(t, Error::WouldBlock);
        return;
    }
    sched::dequeue(t);
    t.state = ThreadState::BlockedOnNotification;
    t.blocked_on = &n;
    wait_queue_append(n.head, n.tail, t);
}

void remove_from_notification(Tcb& t)
{
    auto& n = *static_cast<Notification*>(t.blocked_on);
    wait_queue_remove(n.head, n.tail, t);
    t.blocked_on = nullptr;
    t.state = ThreadState::Inactive;
}

void destroy_notification(Notification& n)
{
    irq_unbind_notification(n);
    while (Tcb* t = n.head) {
        remove_from_notification(*t);
        fail_syscall(*t, Error::Deleted);
    }
}

} // namespace kernel
