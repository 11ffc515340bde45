#pragma once
// A thread control block: the saved user registers (where the CPU itself
// pushes them on kernel entry), scheduling state, what the thread is blocked
// on, and its configuration as capability slots (CSpace, VSpace, IPC buffer,
// fault endpoint, supervisor) plus the reply slot that holds the caller it
// must answer. References through slots are validated at use, so revoking
// any of those capabilities simply leaves the slot empty.

#include "arch/arch.h"
#include "object/capability.h"
#include "object/header.h"
#include <ipc/fault.h>
#include <ipc/message.h>

namespace kernel {

enum class ThreadState : uint8_t {
    Inactive = 0,     // never resumed, suspended, or dead
    Ready,            // runnable (including the running thread)
    BlockedOnSend,    // queued on an Endpoint to send (Send, Call, fault, exit message)
    BlockedOnReceive, // queued on an Endpoint to receive
    BlockedOnReply,   // waiting for the answer to a Call or a fault
    BlockedOnNotification,
};

// What a thread blocked on send is sending.
enum class OutgoingKind : uint8_t {
    Message = 0, // its registers and IPC buffer
    Fault,       // tcb.fault, as a Call on its fault endpoint
    Exit,        // tcb.exit, its death notice to the supervisor
};

enum TcbSlot : unsigned {
    tcb_slot_cspace,
    tcb_slot_vspace,
    tcb_slot_ipc_buffer,
    tcb_slot_fault_endpoint,
    tcb_slot_supervisor,
    tcb_slot_reply, // the pending caller's Reply cap while this thread serves it
    tcb_slot_count
};

struct Tcb {
    ObjectHeader header;
    alignas(16) arch::TrapFrame frame;

    ThreadState state;
    OutgoingKind outgoing;
    uint8_t priority;
    bool outgoing_is_call; // blocked sender used Call: it waits for a reply after delivery
    bool outgoing_can_grant;
    uint8_t timeslice;
    uint16_t reserved;
    uint64_t outgoing_badge; // badge of the cap the blocked sender used
    void* blocked_on;        // Endpoint* or Notification*
    Tcb* queue_next;         // run queue or IPC wait queue
    Tcb* queue_prev;
    Slot* reply_cap; // while BlockedOnReply: the slot holding our Reply cap
    uint64_t ipc_buffer_address;
    ipc::FaultMessage fault;     // the pending fault, while outgoing == Fault
    ipc::ThreadExit exit_notice; // the death notice, while outgoing == Exit

    Slot slots[tcb_slot_count];

    Slot& slot(TcbSlot s) { return slots[s]; }
};
static_assert(sizeof(Tcb) <= (1u << 10));
static_assert(alignof(Tcb) <= 64);

} // namespace kernel
