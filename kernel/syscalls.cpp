// Syscall dispatch: IPC on Endpoints, Notifications and Reply caps, object
// invocations through Call, and the debug calls. Every path ends in the
// scheduler, which returns the frame of whichever thread runs next, unless
// the call changed nothing the scheduler looks at (then the caller goes on),
// or the IPC fast path (ipc/fastpath.h) handed over to the other thread.
#include "hooks.h"
#include "invocation.h"
#include "ipc/endpoint_ops.h"
#include "ipc/fastpath.h"
#include "log.h"
#include "mm/memory.h"
#include "object/cnode.h"
#include "object/lifecycle.h"
#include "root_task.h"
#include "sched/scheduler.h"
#include "panic.h"
#include <ipc/syscall.h>

namespace kernel {

using ipc::Error;
using ipc::ObjectType;
using ipc::Rights;
using ipc::Syscall;

namespace {

void set_result(Tcb& t, Error e) { arch::MessageRegisters(t.frame).set_error(e); }

Error debug_print(uint64_t address, uint64_t length)
{
    if (length > ipc::debug_print_max)
        return Error::OutOfRange;
    char chunk[256];
    for (uint64_t done = 0; done < length;) {
        uint64_t n = length - done < sizeof(chunk) ? length - done : sizeof(chunk);
        if (auto copied = arch::copy_from_user(chunk, ipc::VirtAddr(address + done), n); copied.is_error())
            return copied.error();
        arch::console_write(chunk, n);
        done += n;
    }
    return Error::None;
}

Error debug_stats(uint64_t address)
{
    ipc::KernelStats stats {
        .frames_free = mm::frames().free_count(),
        .frames_mapped = mm::mapped_frame_count(),
        .untyped_free_bytes = root_untyped_free_bytes(),
        .objects_live = live_objects(),
        .threads_live = sched::live_threads(),
        .ticks = arch::timer_ticks(),
    };
    auto copied = arch::copy_to_user(ipc::VirtAddr(address), &stats, sizeof(stats));
    return copied.is_error() ? copied.error() : Error::None;
}

[[noreturn]] void debug_exit(int64_t status)
{
    log::info("kernel", "root task exited with status {} after {} timer ticks", status, arch::timer_ticks());
    const FastpathCounts& fast = fastpath_counts();
    log::info("kernel", "IPC fast path taken: {} Call, {} ReplyRecv, {} fault, {} fault Map", fast.calls,
              fast.replies, fast.faults, fast.fault_maps);
    arch::qemu_exit(status == 0 ? arch::QemuExit::Success : arch::QemuExit::Failure);
}

// An object invocation's answer goes back in the caller's registers and IPC buffer.
void return_invocation(Tcb& caller, ipc::Result<void> outcome, const InvocationResult& result)
{
    unsigned length = outcome.is_error() ? 0 : result.length;
    ipc::IpcBuffer* buffer = ipc_buffer_of(caller);
    if (!buffer && length > ipc::register_message_words)
        length = ipc::register_message_words;
    arch::MessageRegisters registers(caller.frame);
    registers.write_words(result.words);
    for (unsigned i = ipc::register_message_words; i < length; ++i)
        buffer->words[i] = result.words[i];
    registers.set_info(ipc::MessageInfo(0, length));
    registers.set_error(outcome.is_error() ? outcome.error() : Error::None);
}

void do_call(Tcb& self, Slot& slot)
{
    const Capability& cap = slot.cap;
    if (cap.type == ObjectType::Endpoint) {
        if (!cap.rights.has(Rights::write))
            return set_result(self, Error::InsufficientRights);
        endpoint_send(
            self, *cap.as<Endpoint>(), cap.data0,
            SendMode { .blocking = true, .is_call = true, .can_grant = cap.rights.has(Rights::grant) },
            OutgoingKind::Message);
        return;
    }
    if (cap.type == ObjectType::Notification || cap.type == ObjectType::Reply)
        return set_result(self, Error::WrongType);
    InvocationResult result;
    auto outcome = invoke_object(self, slot, arch::MessageRegisters(self.frame).info().label(), result);
    // The invocation may have destroyed the caller itself.
    if (sched::current() == &self && !self.header.dying)
        return_invocation(self, outcome, result);
}

void do_send(Tcb& self, Slot& slot, bool blocking)
{
    const Capability& cap = slot.cap;
    switch (cap.type) {
    case ObjectType::Endpoint:
        if (!cap.rights.has(Rights::write))
            return set_result(self, Error::InsufficientRights);
        endpoint_send(
            self, *cap.as<Endpoint>(), cap.data0,
            SendMode { .blocking = blocking, .is_call = false, .can_grant = cap.rights.has(Rights::grant) },
            OutgoingKind::Message);
        return;
    case ObjectType::Notification:
        if (!cap.rights.has(Rights::write))
            return set_result(self, Error::InsufficientRights);
        notification_signal(*cap.as<Notification>(), cap.data0);
        return set_result(self, Error::None);
    case ObjectType::Reply: {
        auto replied = reply_to(self, slot);
        return set_result(self, replied.is_error() ? replied.error() : Error::None);
    }
    default: return set_result(self, Error::WrongType);
    }
}

void do_receive(Tcb& self, Slot& slot, bool blocking)
{
    const Capability& cap = slot.cap;
    if (cap.type != ObjectType::Endpoint && cap.type != ObjectType::Notification)
        return set_result(self, Error::WrongType);
    if (!cap.rights.has(Rights::read))
        return set_result(self, Error::InsufficientRights);
    if (cap.type == ObjectType::Endpoint)
        endpoint_receive(self, *cap.as<Endpoint>(), blocking);
    else
        notification_wait(self, *cap.as<Notification>(), blocking);
}

// Reply with the thread's pending caller. Returns false if it failed (the
// error is already in the thread's result).
bool do_reply(Tcb& self, bool required)
{
    Slot& pending = self.slot(tcb_slot_reply);
    if (pending.is_empty()) {
        if (required)
            set_result(self, Error::InvalidCapability);
        return !required;
    }
    auto replied = reply_to(self, pending);
    set_result(self, replied.is_error() ? replied.error() : Error::None);
    return !replied.is_error();
}

void dispatch(Tcb& self, Syscall number)
{
    arch::MessageRegisters registers(self.frame);
    uint64_t cptr = registers.cptr();
    auto needs_cap = [&]() -> Slot* {
        auto slot = lookup_cap(self, cptr);
        if (slot.is_error()) {
            set_result(self, slot.error());
            return nullptr;
        }
        return slot.value();
    };
    switch (number) {
    case Syscall::DebugPrint:
        return set_result(self, debug_print(registers.debug_argument(0), registers.debug_argument(1)));
    case Syscall::DebugExit:
        if (&self != root_thread())
            return set_result(self, Error::InsufficientRights);
        debug_exit(int64_t(registers.debug_argument(0)));
    case Syscall::DebugStats: return set_result(self, debug_stats(registers.debug_argument(0)));
    case Syscall::Null: return set_result(self, Error::None);
    case Syscall::Yield:
        set_result(self, Error::None);
        sched::dequeue(self);
        sched::make_ready(self);
        return;
    case Syscall::Call:
        if (Slot* slot = needs_cap())
            do_call(self, *slot);
        return;
    case Syscall::Send:
    case Syscall::NBSend:
        if (Slot* slot = needs_cap())
            do_send(self, *slot, number == Syscall::Send);
        return;
    case Syscall::Recv:
    case Syscall::NBRecv:
        if (Slot* slot = needs_cap())
            do_receive(self, *slot, number == Syscall::Recv);
        return;
    case Syscall::Reply: do_reply(self, true); return;
    case Syscall::ReplyRecv:
        if (do_reply(self, false)) {
            if (Slot* slot = needs_cap())
                do_receive(self, *slot, true);
        }
        return;
    default: return set_result(self, Error::Unsupported);
    }
}

// Everything but Null and the fast path: the general dispatch, then the
// scheduler unless nothing it looks at changed. Out of line, so that the
// fast path does not pay for its stack frame.
[[gnu::noinline]] arch::TrapFrame* general_syscall(Tcb& self, Syscall number)
{
    uint64_t changes = sched::queue_changes();
    dispatch(self, number);
    if (sched::resumes_unchanged(self, changes))
        return &self.frame;
    return sched::resume_next();
}

} // namespace

arch::TrapFrame* on_syscall(arch::TrapFrame& frame)
{
    Tcb* self = sched::current();
    VERIFY(self && &self->frame == &frame);
    auto number = Syscall(arch::MessageRegisters(frame).syscall_number());
    switch (number) {
    case Syscall::Null:
        // Changes nothing, so resume_next would pick the caller again (see
        // sched::resumes_unchanged): the cost of entering and leaving.
        set_result(*self, Error::None);
        return &frame;
    case Syscall::Call:
        if (fastpath_enabled()) {
            if (arch::TrapFrame* next = fastpath_call(*self))
                return next;
        }
        break;
    case Syscall::ReplyRecv:
        if (fastpath_enabled()) {
            if (arch::TrapFrame* next = fastpath_reply_recv(*self))
                return next;
        }
        break;
    default: break;
    }
    return general_syscall(*self, number);
}

} // namespace kernel
