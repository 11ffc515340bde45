// User exceptions become IPC: the faulting thread Calls its fault endpoint
// with a fault message, or dies (reported to its supervisor) if it has none.
#include "hooks.h"
#include "ipc/endpoint_ops.h"
#include "ipc/fastpath.h"
#include "object/irq.h"
#include "object/tcb_ops.h"
#include "panic.h"
#include "sched/scheduler.h"
#include <ipc/fault.h>

namespace kernel {

arch::TrapFrame* on_user_exception(arch::TrapFrame& frame, uint64_t fault_address)
{
    Tcb* self = sched::current();
    VERIFY(self && &self->frame == &frame);
    self->fault = arch::user_fault(frame, fault_address, arch::cycle_counter());
    const Capability& handler = self->slot(tcb_slot_fault_endpoint).cap;
    if (handler.type == ipc::ObjectType::Endpoint) {
        if (fastpath_enabled()) {
            if (arch::TrapFrame* next = fastpath_fault(*self, *handler.as<Endpoint>(), handler.data0))
                return next;
        }
        endpoint_send(*self, *handler.as<Endpoint>(), handler.data0,
                      SendMode { .blocking = true, .is_call = true, .can_grant = false },
                      OutgoingKind::Fault);
    } else {
        kill_thread(*self, ipc::ExitCause::NoFaultHandler, frame.vector, self->fault.address(),
                    self->fault.ip());
    }
    return sched::resume_next();
}

arch::TrapFrame* on_irq(arch::TrapFrame& frame, unsigned irq)
{
    uint64_t changes = sched::queue_changes();
    if (irq == 0)
        sched::timer_tick();
    else
        irq_raised(irq);
    if (!frame.from_user())
        return &frame; // the idle loop: it re-checks the run queue itself
    if (Tcb* self = sched::current(); self && sched::resumes_unchanged(*self, changes))
        return &frame; // e.g. a tick within the time slice
    return sched::resume_next();
}

} // namespace kernel
