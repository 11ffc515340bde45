#pragma once
// Requests to the pager, through the typed messages of <ipc/proto/pager.h>:
// every program's Query, Why, Stats, Policy and Trace go through here (the
// shell, the benchmark, the test programs), as libc's mmap and brk do.
// Requests of another process, of every process or that change the policy
// need the operator right in the caller's badge: NotPermitted otherwise.
#include <cstdint>
#include <ipc/proto/pager.h>
#include <ipc/proto/slots.h>
#include <ipc/result.h>
#include <kernel_api.h>
#include <string_view>

namespace libc::pager {

namespace proto = ipc::proto::pager;

// Sends `request` on `slot` and puts the reply as it came in `reply` (its
// label is the pager's error); returns the error of the Call itself.
ipc::Error exchange(const proto::Message& request, proto::Message& reply,
                    ipc::CPtr slot = ipc::proto::process_slot_pager);

// Encodes `request`, calls the pager and decodes its reply as `Reply`.
template<typename Reply, typename Request>
ipc::Result<Reply> call(const Request& request, ipc::CPtr slot = ipc::proto::process_slot_pager)
{
    proto::Message message;
    request.encode(message);
    if (ipc::Error e = exchange(message, message, slot); e != ipc::Error::None)
        return e;
    return Reply::decode(proto::MessageView::of(message));
}

// Region `index` of process `pid` (0: the caller); NotFound past the last.
ipc::Result<proto::RegionRow> query(uint32_t pid, uint64_t index);
// What a first read, write and execute at `address` of `pid` (0: the caller) would do.
ipc::Result<proto::WhyReply> why(uint32_t pid, uint64_t address);
ipc::Result<proto::StatsReply> stats();
// The policy in force; with a name, sets it first.
ipc::Result<proto::PolicyReply> policy(std::string_view set = {});
// The index-th known policy name; NotFound past the last.
ipc::Result<proto::PolicyReply> policy_listing(uint64_t index);
// Traces one process's faults (pid 0: every process's).
ipc::Result<void> trace(uint32_t pid, bool on);

} // namespace libc::pager
