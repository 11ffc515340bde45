// pager: the userspace pager. Every page fault of every program arrives here
// as an IPC message on our endpoint, sent by the kernel with the fault badge
// of the program (ipc::proto::Badge::fault_of(pid)); so do the programs'
// memory requests (badge = their pid) and the process manager's control
// requests (badge = control_badge). We decide, populate, and answer Map,
// MapNew or Kill.
//
// Start arguments: 0 = size bits of the Untyped in cspace::memory_slot
// (our frame memory); 1 = ipc::proto::pager::StartArguments (the decision
// log, the boot policy, the pre-zeroed pool), encoded by init.
#include "cspace.h"
#include "frames.h"
#include "server.h"
#include "trace.h"
#include <pager/policy.h>
#include <ipc/fault.h>
#include <ipc/proto/badges.h>
#include <ipc/proto/pager.h>
#include <ipc/proto/slots.h>
#include <kernel_api.h>
#include <stdio.h>
#include <stdlib.h>

namespace {

using ipc::CPtr;
using ipc::Error;
using ipc::MessageInfo;

constexpr CPtr memory_slot = pager::cspace::memory_slot;
constexpr CPtr first_free_slot = pager::cspace::first_free_slot;
constexpr unsigned cnode_radix = 15;
constexpr CPtr endpoint = ipc::proto::process_slot_pager;

CPtr g_receive_slot = 0;

// The buffer's receive slot stays as we set it (the kernel only reads it),
// so it is written again only after a received cap took the slot.
void prepare_receive_slot()
{
    if (g_receive_slot)
        return;
    auto slot = pager::slots().allocate(pager::SlotUse::Kept);
    g_receive_slot = slot.is_error() ? 0 : slot.value();
    kapi::ipc_buffer()->receive_slot = g_receive_slot;
}

// Answers the pending caller with a fault reply and waits for the next message.
template<unsigned N>
kapi::SyscallResult reply_recv(const ipc::Encoded<N>& reply)
{
    return kapi::send_encoded(ipc::Syscall::ReplyRecv, endpoint, reply);
}

// Answers the pending fault with Kill and waits for the next message.
void kill_and_receive(kapi::SyscallResult& message, uint64_t kill_word)
{
    pager::trace::answer_kill(kill_word);
    prepare_receive_slot();
    message = reply_recv(ipc::KillReply { .reason = kill_word }.encode());
}

// Answers the pending fault with Map or MapNew and waits for the next
// message; false if the kernel refused the mapping (then it returned at
// once with the error and received nothing: the badge and label of
// `message` mean nothing, and the faulting thread still waits).
bool map_and_receive(kapi::SyscallResult& message, const pager::FaultAnswer& a)
{
    pager::trace::answer_map(a.address, a.rights, a.retype);
    prepare_receive_slot();
    ipc::VirtAddr address(a.address);
    ipc::Rights rights { a.rights };
    message = a.retype
        ? reply_recv(ipc::MapNewReply { .frame_slot = a.frame,
                                        .address = address,
                                        .rights = rights,
                                        .untyped = pager::frames().memory_untyped() }
                         .encode())
        : reply_recv(ipc::MapReply { .frame = a.frame, .address = address, .rights = rights }.encode());
    return message.error == Error::None;
}

// A fault the kernel sent for client `pid` (the message came with its fault
// badge): decide, populate, answer Map, MapNew or Kill. `message` becomes
// the next message (in place: it is received straight into the caller's copy).
void answer_fault(kapi::SyscallResult& message, uint64_t pid)
{
    uint64_t words[ipc::FaultMessage::max_length];
    kapi::received_words(message, words);
    if (message.info.label() == uint32_t(ipc::FaultLabel::PageFault)) {
        auto page_fault = ipc::PageFault::decode(message.info, words);
        if (page_fault.is_error())
            return kill_and_receive(message,
                                    pager::malformed_fault(pid, message.info, page_fault.error()).kill_word);
        pager::FaultInfo fault = pager::FaultInfo::from_message(page_fault.value());
        pager::trace::fault_received(pid, fault, page_fault.value().timestamp);
        pager::FaultAnswer a = pager::handle_page_fault(pid, fault);
        if (a.kill)
            return kill_and_receive(message, a.kill_word);
        if (map_and_receive(message, a))
            return;
        // The kernel refused the mapping: the thread still waits. Kill it
        // instead. (The receive itself cannot fail: our endpoint cap stays
        // valid and readable.)
        return kill_and_receive(message, pager::map_refused(pid, fault, a, message.error).kill_word);
    }
    auto exception = ipc::Exception::decode(message.info, words);
    if (exception.is_error())
        return kill_and_receive(message,
                                pager::malformed_fault(pid, message.info, exception.error()).kill_word);
    pager::trace::fault_received(pid, pager::FaultInfo::from_message(exception.value()),
                                 exception.value().timestamp);
    kill_and_receive(
        message,
        pager::handle_exception(pid, exception.value().vector, exception.value().ip.get()).kill_word);
}

// A message whose label and badge do not go together: a label of the fault
// protocol without the fault badge (a program Calling its pager cap with a
// forged PageFault, or with a Map as if it were a request), or the fault
// badge on anything but a fault. It gets an error, never a Map or MapNew: a
// forged fault must not make us book a frame for a page nobody faulted on.
void refuse(kapi::SyscallResult& message, ipc::proto::Badge badge)
{
    uint32_t label = message.info.label();
    libc::print("pager: {} {}: refused label {:x}: {}\n", badge.is_fault() ? "fault badge of pid" : "pid",
                badge.pid(), label,
                badge.is_fault() ? "only faults come with the fault badge"
                                 : "fault messages come only from the kernel");
    if (message.info.extra_caps() && g_receive_slot) {
        (void)kapi::cnode_delete(ipc::proto::process_slot_cnode, g_receive_slot);
    }
    prepare_receive_slot();
    message = kapi::reply_recv(endpoint, MessageInfo(uint32_t(Error::InsufficientRights), 0));
    if (message.error == Error::None)
        return;
    // The kernel would not deliver an error as the answer: the caller is a
    // thread blocked on a real fault, whose fault endpoint its program set
    // to its own pager cap (it holds its TCB). We cannot serve a fault we
    // cannot trust the badge of: end the thread.
    libc::print("pager: pid {}: a fault came through a request cap; killing the thread\n", badge.pid());
    namespace proto = ipc::proto::pager;
    kill_and_receive(message, proto::encode_kill(proto::KillReason::UnknownClient, 0));
}

// The answer to one message, sent with ReplyRecv; `message` becomes the
// next message. Faults reach us only from the kernel: the fault endpoint
// caps init puts in its programs' TCBs carry Badge::fault_of(pid), which no
// program holds, so a fault label must come with that badge and that badge
// only with a fault label.
void answer_and_receive(kapi::SyscallResult& message)
{
    auto badge = ipc::proto::Badge::from_raw(message.badge);
    uint32_t label = message.info.label();
    if (badge.is_fault() && ipc::is_fault_label(label)) {
        answer_fault(message, badge.pid());
        return;
    }
    if (badge.is_fault() || ipc::is_fault_protocol_label(label)) {
        refuse(message, badge);
        return;
    }
    bool cap_taken = false;
    pager::RequestAnswer a = pager::handle_request(message.badge, message,
                                                   message.info.extra_caps() ? g_receive_slot : 0, cap_taken);
    if (cap_taken)
        g_receive_slot = 0;
    prepare_receive_slot();
    message = kapi::send_message(ipc::Syscall::ReplyRecv, endpoint, MessageInfo(uint32_t(a.error), a.length),
                                 a.words);
}

} // namespace

int main(int, char**)
{
    pager::slots().init(first_free_slot, cnode_radix);
    pager::frames().init(memory_slot, unsigned(libc::start_argument(0)));
    using ipc::proto::pager::BootPolicy;
    using ipc::proto::pager::StartArguments;
    auto start = StartArguments::decode(libc::start_argument(1));
    if (start.is_error())
        libc::print("pager: start arguments {:x}: {}; using the defaults\n", libc::start_argument(1),
                    ipc::error_name(start.error()));
    StartArguments arguments = start.is_error() ? StartArguments {} : start.value();
    pager::set_verbose(arguments.log_decisions);
    const pager::PagePolicy* policy = &pager::lazy_policy();
    if (arguments.policy == BootPolicy::Eager)
        policy = &pager::eager_policy();
    else if (arguments.policy == BootPolicy::Around && pager::around_policy(arguments.around_pages))
        policy = pager::around_policy(arguments.around_pages);
    pager::set_policy(*policy);
    pager::frames().set_pool(arguments.pool_frames);
    libc::print("pager: serving faults with {} MiB of frame memory, policy {}\n",
                (uint64_t(1) << libc::start_argument(0)) >> 20, policy->name());
    if (pager::frames().pool())
        libc::print("pager: pre-zeroed pool: frames are retyped {} at a time\n", pager::frames().pool());
    prepare_receive_slot();
    auto message = kapi::recv(endpoint);
    for (;;) {
        if (!message.ok()) {
            prepare_receive_slot();
            message = kapi::recv(endpoint);
            continue;
        }
        answer_and_receive(message);
    }
}
