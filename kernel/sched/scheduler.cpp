#include "sched/scheduler.h"
#include "sched/priority_bitmap.h"
#include "log.h"
#include "panic.h"

namespace kernel::sched {

Tcb* detail::g_current = nullptr;
uint64_t detail::g_queue_changes = 0;

namespace {

struct Queue {
    Tcb* head;
    Tcb* tail;
};

Queue g_queues[priorities];
PriorityBitmap<priorities> g_nonempty; // bit p: queue p holds a thread
uint64_t g_live_threads = 0;

bool is_queued(const Tcb& t) { return t.queue_prev || g_queues[t.priority].head == &t; }

[[gnu::always_inline]] inline void append(Tcb& t)
{
    Queue& q = g_queues[t.priority];
    t.queue_next = nullptr;
    t.queue_prev = q.tail;
    if (q.tail)
        q.tail->queue_next = &t;
    else
        q.head = &t;
    q.tail = &t;
    g_nonempty.set(t.priority);
}

Tcb* highest_ready()
{
    int priority = g_nonempty.highest();
    return priority < 0 ? nullptr : g_queues[priority].head;
}

// The thread's VSpace, or nullptr if its VSpace cap was deleted or revoked.
VSpace* vspace_of(Tcb& t)
{
    const Capability& cap = t.slot(tcb_slot_vspace).cap;
    return cap.type == ipc::ObjectType::VSpace ? cap.as<VSpace>() : nullptr;
}

// Whether resume_next would pick `woken` once it is made ready and
// `running` (the current thread) leaves the run queue. resume_next picked
// `running` on the way out of the kernel last time and nothing has run
// since, so it heads the highest non-empty queue; we check the "heads" part
// (cheap) and rely on the "highest" part.
bool picks_after_handoff(const Tcb& running, const Tcb& woken)
{
    if (g_queues[running.priority].head != &running)
        return false;
    if (running.queue_next)
        return woken.priority > running.priority; // its queue stays non-empty
    if (woken.priority >= running.priority)
        return true;
    // Below `running`: nothing may be ready in [woken.priority, running.priority).
    return !g_nonempty.any_in(woken.priority, running.priority);
}

void empty_queue(uint8_t priority)
{
    Queue& q = g_queues[priority];
    q.head = q.tail = nullptr;
    g_nonempty.clear(priority);
}

// What resume_next does once it has picked `next`.
arch::TrapFrame* switch_to(Tcb& next, VSpace& space)
{
    if (next.timeslice == 0)
        next.timeslice = timeslice_ticks;
    detail::g_current = &next;
    arch::activate_thread(arch::physmap_to_phys(space.pml4), &next.frame);
    return &next.frame;
}

} // namespace

void dequeue(Tcb& t)
{
    if (!is_queued(t))
        return;
    Queue& q = g_queues[t.priority];
    if (t.queue_prev)
        t.queue_prev->queue_next = t.queue_next;
    else
        q.head = t.queue_next;
    if (t.queue_next)
        t.queue_next->queue_prev = t.queue_prev;
    else
        q.tail = t.queue_prev;
    t.queue_next = t.queue_prev = nullptr;
    if (!q.head)
        empty_queue(t.priority);
    ++detail::g_queue_changes;
}

void make_ready(Tcb& t)
{
    t.state = ThreadState::Ready;
    if (!is_queued(t)) {
        append(t);
        ++detail::g_queue_changes;
    }
}

void make_inactive(Tcb& t)
{
    dequeue(t);
    t.state = ThreadState::Inactive;
}

bool resumes_unchanged(Tcb& t, uint64_t changes)
{
    if (detail::g_queue_changes != changes || detail::g_current != &t || t.state != ThreadState::Ready)
        return false;
    VSpace* space = vspace_of(t);
    return space && arch::physmap_to_phys(space->pml4) == arch::current_address_space();
}

VSpace* handoff_space(Tcb& running, Tcb& woken)
{
    VSpace* space = vspace_of(woken);
    return space && picks_after_handoff(running, woken) ? space : nullptr;
}

arch::TrapFrame* handoff(Tcb& running, Tcb& woken, VSpace& space)
{
    // handoff_space saw `running` at the head of its queue; `woken` is
    // blocked, so it is in no run queue.
    Queue& q = g_queues[running.priority];
    q.head = running.queue_next;
    if (q.head)
        q.head->queue_prev = nullptr;
    else
        empty_queue(running.priority);
    running.queue_next = nullptr;
    woken.state = ThreadState::Ready;
    append(woken);
    return switch_to(woken, space);
}

void timer_tick()
{
    Tcb* t = detail::g_current;
    if (!t || t->state != ThreadState::Ready)
        return;
    if (t->timeslice > 1) {
        --t->timeslice;
        return;
    }
    t->timeslice = timeslice_ticks;
    dequeue(*t);
    append(*t);
}

arch::TrapFrame* resume_next()
{
    for (;;) {
        Tcb* next = highest_ready();
        if (!next) {
            detail::g_current = nullptr;
            // Nothing to run: wait for an interrupt to make something ready.
            arch::idle_until_interrupt();
            continue;
        }
        VSpace* space = vspace_of(*next);
        if (!space) {
            log::warn("sched", "thread {:x} lost its VSpace; suspended", next);
            make_inactive(*next);
            continue;
        }
        return switch_to(*next, *space);
    }
}

uint64_t live_threads() { return g_live_threads; }
void thread_created() { ++g_live_threads; }
void thread_destroyed(Tcb& t)
{
    make_inactive(t);
    if (detail::g_current == &t)
        detail::g_current = nullptr;
    --g_live_threads;
}

} // namespace kernel::sched
