#pragma once
// The IPC fast path (after seL4's src/fastpath/fastpath.c): the common
// cases of Call, ReplyRecv and page-fault delivery, done in one straight
// line that hands the CPU directly to the other thread.
//
// Each entry point is a ladder of checks. If any check fails it returns
// nullptr having changed nothing, and the caller runs the general path,
// which then does exactly what it always did. If all checks pass, the
// outcome (every register, queue, cap and thread state) is the one the
// general path would have produced, and the result is the frame to resume.
// docs/kernel-abi.md lists the conditions and why each one is needed.
//
// `fastpath=off` on the kernel command line turns all of it off, so the
// general path stays tested on its own (the ktest-slowpath case).

#include "object/endpoint.h"
#include "object/tcb.h"

namespace kernel {

void set_fastpath_enabled(bool);
namespace detail {
extern bool g_fastpath_enabled;
}
inline bool fastpath_enabled() { return detail::g_fastpath_enabled; }

// How often each fast path completed, for the exit log line that the
// integration tests read (ktest must take every one, ktest-slowpath none).
struct FastpathCounts {
    uint64_t calls;
    uint64_t replies; // ReplyRecv answering a Call
    uint64_t faults;
    uint64_t fault_maps; // ReplyRecv answering a fault with Map
};
const FastpathCounts& fastpath_counts();

// Syscall::Call on an Endpoint cap.
arch::TrapFrame* fastpath_call(Tcb& caller);
// Syscall::ReplyRecv: answer the pending caller (a message, or a fault's
// Map reply), then wait on the Endpoint its cptr names.
arch::TrapFrame* fastpath_reply_recv(Tcb& server);
// A fault that `faulter` (with tcb.fault filled in) Calls `handler` with.
arch::TrapFrame* fastpath_fault(Tcb& faulter, Endpoint& handler, uint64_t badge);

} // namespace kernel
