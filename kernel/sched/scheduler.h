#pragma once
// Fixed-priority round-robin scheduling: one FIFO per priority (0-255, higher
// runs first) and a bitmap of non-empty queues. The running thread stays at
// the head of its queue; its time slice expiring moves it to the tail. Run
// queue state is global now and would become per-CPU with SMP.

#include "object/tcb.h"

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

uint64_t live_threads();
void thread_created();
void thread_destroyed(Tcb&);

} // namespace kernel::sched
