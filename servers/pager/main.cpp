// pager: the userspace pager. Every page fault of every program arrives here
// as an IPC message on our endpoint (badge = the program's pid); so do the
// programs' memory requests and the process manager's control requests
// (badge = control_badge). We decide, populate, and answer Map, MapNew or Kill.
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

// The answer to one message, sent with ReplyRecv; `message` becomes the
// next message (in place: it is received straight into the caller's copy).
void answer_and_receive(kapi::SyscallResult& message)
{
    uint32_t label = message.info.label();
    uint64_t badge = message.badge;
    if (label == uint32_t(ipc::FaultLabel::PageFault) || label == uint32_t(ipc::FaultLabel::Exception)) {
        pager::FaultInfo fault { ipc::VirtAddr(message.words[0]), message.words[3],
                                 ipc::VirtAddr(message.words[1]), ipc::VirtAddr(message.words[2]) };
        uint64_t stamp = message.info.length() > 4 ? kapi::ipc_buffer()->words[4] : 0;
        pager::trace::fault_received(badge, fault, stamp);
        pager::FaultAnswer a = label == uint32_t(ipc::FaultLabel::PageFault)
            ? pager::handle_page_fault(badge, fault)
            : pager::handle_exception(badge, message.words[0], message.words[1]);
        if (a.kill)
            pager::trace::answer_kill(a.kill_word);
        else
            pager::trace::answer_map(a.address, a.rights, a.retype);
        prepare_receive_slot();
        if (!a.kill) {
            message = a.retype
                ? kapi::reply_recv(endpoint, MessageInfo(uint32_t(ipc::FaultReply::MapNew), 4), a.frame,
                                   a.address, a.rights, pager::frames().memory_untyped())
                : kapi::reply_recv(endpoint, MessageInfo(uint32_t(ipc::FaultReply::Map), 3), a.frame,
                                   a.address, a.rights);
            if (message.error == Error::None)
                return;
            // The kernel refused the mapping: it returned at once with the
            // error and received nothing (rdi and rsi are still ours, so the
            // badge and label mean nothing), and the faulting thread still
            // waits. Kill it instead. (The receive itself cannot fail: our
            // endpoint cap stays valid and readable.)
            a = pager::map_refused(badge, fault, a, message.error);
        }
        message = kapi::reply_recv(endpoint, MessageInfo(uint32_t(ipc::FaultReply::Kill), 1), a.kill_word);
        return;
    }
    bool cap_taken = false;
    pager::RequestAnswer a
        = pager::handle_request(badge, message, message.info.extra_caps() ? g_receive_slot : 0, cap_taken);
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
