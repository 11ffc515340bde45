#pragma once
// Thread life and death: suspend, kill (with the death notice to the
// supervisor), destroy, and what happens to a caller when the Reply cap
// that would have answered it disappears.

#include "object/tcb.h"
#include <ipc/error.h>
#include <ipc/fault.h>

namespace kernel {

void init_tcb(Tcb&);
// Stops the thread wherever it is blocked and makes it Inactive.
void suspend_thread(Tcb&);
// Unblocks from any IPC wait without changing the scheduling state.
void cancel_ipc(Tcb&);
// Ends the thread; its supervisor (if any) receives a ThreadExit message.
void kill_thread(Tcb&, ipc::ExitCause, uint64_t reason, uint64_t address, uint64_t ip);
void destroy_tcb(Tcb&);
void reply_cap_deleted(Slot& reply_slot, Tcb& caller);

// Completes the thread's current syscall with an error and makes it ready.
void fail_syscall(Tcb&, ipc::Error);

} // namespace kernel
