#include "object/tcb_ops.h"
#include "ipc/endpoint_ops.h"
#include "log.h"
#include "root_task.h"
#include "object/lifecycle.h"
#include "sched/scheduler.h"

namespace kernel {

using ipc::ObjectType;

void init_tcb(Tcb& t)
{
    t.header.type = ObjectType::Tcb;
    t.priority = 0;
    t.state = ThreadState::Inactive;
    arch::make_user_frame(t.frame, 0, 0, 0);
    sched::thread_created();
}

void fail_syscall(Tcb& t, ipc::Error e)
{
    arch::MessageRegisters(t.frame).set_error(e);
    sched::make_ready(t);
}

void cancel_ipc(Tcb& t)
{
    switch (t.state) {
    case ThreadState::BlockedOnSend:
    case ThreadState::BlockedOnReceive:
        remove_from_endpoint(t);
        t.outgoing = OutgoingKind::Message;
        break;
    case ThreadState::BlockedOnNotification: remove_from_notification(t); break;
    case ThreadState::BlockedOnReply:
        // The server's Reply cap for us is now worthless: delete it quietly.
        if (Slot* reply = t.reply_cap) {
            t.reply_cap = nullptr;
            delete_cap(*reply);
        }
        break;
    default: break;
    }
}

void suspend_thread(Tcb& t)
{
    cancel_ipc(t);
    sched::make_inactive(t);
    // A stopped server answers nobody: the caller it held is told Deleted.
    delete_cap(t.slot(tcb_slot_reply));
}

void kill_thread(Tcb& t, ipc::ExitCause cause, uint64_t reason, uint64_t address, uint64_t ip)
{
    cancel_ipc(t);
    sched::make_inactive(t);
    const Capability& supervisor = t.slot(tcb_slot_supervisor).cap;
    if (&t == root_thread() && supervisor.type != ObjectType::Endpoint) {
        // Nobody is left to notice: say so and end the run, do not idle silently.
        if (cause == ipc::ExitCause::NoFaultHandler)
            log::error("kernel", "root task killed: {} at ip {:x}, fault address {:x}",
                       arch::exception_name(reason), ip, address);
        else
            log::error("kernel", "root task killed: {} (reason {:x}) at ip {:x}", ipc::exit_cause_name(cause),
                       reason, ip);
        arch::qemu_exit(arch::QemuExit::Failure);
    }
    if (supervisor.type != ObjectType::Endpoint) {
        log::warn("kernel", "thread {:x} died with no supervisor: {} (reason {:x}, address {:x}, ip {:x})",
                  &t, ipc::exit_cause_name(cause), reason, address, ip);
        return;
    }
    t.exit_notice
        = ipc::ThreadExit { .cause = cause, .reason = reason, .address = address, .ip = ipc::VirtAddr(ip) };
    endpoint_send(t, *supervisor.as<Endpoint>(), supervisor.data0,
                  SendMode { .blocking = true, .is_call = false, .can_grant = false }, OutgoingKind::Exit);
}

void reply_cap_deleted(Slot& reply_slot, Tcb& caller)
{
    if (caller.reply_cap != &reply_slot)
        return; // already answered or cancelled
    caller.reply_cap = nullptr;
    if (caller.header.dying || caller.state != ThreadState::BlockedOnReply)
        return;
    if (caller.outgoing == OutgoingKind::Fault)
        kill_thread(caller, ipc::ExitCause::HandlerGone, 0, caller.fault.address(), caller.fault.ip());
    else
        fail_syscall(caller, ipc::Error::Deleted);
}

void destroy_tcb(Tcb& t)
{
    cancel_ipc(t);
    sched::thread_destroyed(t);
    for (Slot& s : t.slots)
        delete_cap(s);
}

} // namespace kernel
