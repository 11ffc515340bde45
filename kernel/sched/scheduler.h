#pragma once
// Fixed-priority round-robin scheduling: one FIFO per priority (0-255, higher
// runs first) and a bitmap of non-empty queues. The running thread stays at
// the head of its queue; its time slice expiring moves it to the tail. Run
// queue state is global now and would become per-CPU with SMP.

#include "object/tcb.h"
#include "object/vspace.h"

namespace kernel::sched {

inline constexpr uint8_t timeslice_ticks = 1; // 10 ms at 100 Hz
inline constexpr unsigned priorities = 256;

void make_ready(Tcb&);      // Ready and queued (no-op if already queued)
void make_inactive(Tcb&);   // out of the run queue, state Inactive
void dequeue(Tcb&);         // out of the run queue, state unchanged (caller sets it)

Tcb* current();
void timer_tick();          // accounts the tick to the running thread

// Picks the thread to run next and loads its address space and kernel entry
// stack. Idles (interrupts on, halted) until some thread is ready.
arch::TrapFrame* resume_next();

// ---- for the IPC fast path (ipc/fastpath.cpp) ----
// The thread's VSpace, or nullptr if its VSpace cap was deleted or revoked
// (resume_next suspends such a thread instead of running it).
VSpace* vspace_of(Tcb&);
// Whether resume_next would pick `woken` once it is made ready and
// `running` (the current thread) leaves the run queue: no other ready
// thread has its priority or a higher one.
bool picks_after_handoff(const Tcb& running, const Tcb& woken);
// What resume_next does once it has picked `next` (with `space` its VSpace).
arch::TrapFrame* switch_to(Tcb& next, VSpace& space);

uint64_t live_threads();
void thread_created();
void thread_destroyed(Tcb&);

} // namespace kernel::sched
