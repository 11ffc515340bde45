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

void make_ready(Tcb&);    // Ready and queued (no-op if already queued)
void make_inactive(Tcb&); // out of the run queue, state Inactive
void dequeue(Tcb&);       // out of the run queue, state unchanged (caller sets it)

namespace detail {
extern Tcb* g_current;
}
inline Tcb* current() { return detail::g_current; } // inline: every kernel entry asks
void timer_tick();                                  // accounts the tick to the running thread

// Picks the thread to run next and loads its address space and kernel entry
// stack. Idles (interrupts on, halted) until some thread is ready.
arch::TrapFrame* resume_next();

// Run-queue changes so far (by make_ready, dequeue and what uses them; the
// fast path's handoff leaves the kernel at once and does not count). A kernel entry that leaves the run
// queue, the current thread and its address space as it found them resumes that thread without resume_next,
// which would pick it again: it heads the highest non-empty queue, since resume_next (or the fast path)
// picked it last time.
namespace detail {
extern uint64_t g_queue_changes;
}
inline uint64_t queue_changes() { return detail::g_queue_changes; }
// Whether `t`, current when queue_changes() was `changes`, is still what
// resume_next would pick, with its address space loaded.
bool resumes_unchanged(Tcb& t, uint64_t changes);

// ---- for the IPC fast path (ipc/fastpath.cpp) ----
// The VSpace resume_next would load if `woken` were made ready and
// `running` (the current thread) left the run queue: nullptr unless it
// would pick `woken` (no other ready thread has its priority or a higher
// one) and `woken` has a VSpace (resume_next suspends a thread without).
VSpace* handoff_space(Tcb& running, Tcb& woken);
// `running` leaves the run queue (its new state is the caller's business),
// `woken` becomes ready and runs, as resume_next would make it.
arch::TrapFrame* handoff(Tcb& running, Tcb& woken, VSpace& space);

uint64_t live_threads();
void thread_created();
void thread_destroyed(Tcb&);

} // namespace kernel::sched
