#pragma once
// The FIFO of threads waiting on an Endpoint or a Notification, linked
// through the TCBs' queue hooks (a blocked thread is never in the run queue,
// so the hooks are free). Shared by the IPC slow path and the fast path.

#include "object/tcb.h"

namespace kernel {

inline void wait_queue_append(Tcb*& head, Tcb*& tail, Tcb& t)
{
    t.queue_next = nullptr;
    t.queue_prev = tail;
    if (tail)
        tail->queue_next = &t;
    else
        head = &t;
    tail = &t;
}

inline void wait_queue_remove(Tcb*& head, Tcb*& tail, Tcb& t)
{
    if (t.queue_prev)
        t.queue_prev->queue_next = t.queue_next;
    else
        head = t.queue_next;
    if (t.queue_next)
        t.queue_next->queue_prev = t.queue_prev;
    else
        tail = t.queue_prev;
    t.queue_next = t.queue_prev = nullptr;
}

} // namespace kernel
