#pragma once
// Synchronous IPC on Endpoints, replies, and Notifications.
//
// A send meets a waiting receiver (or queues); a receive meets a waiting
// sender (or queues). The message moves from the sender's registers and IPC
// buffer, or from its pending fault or death notice, into the receiver's
// registers and IPC buffer. A Call leaves the sender waiting for a reply and
// gives the receiver a one-shot Reply cap in its TCB reply slot.

#include "object/endpoint.h"
#include "object/tcb.h"
#include <ipc/fault.h>
#include <ipc/result.h>

namespace kernel {

struct SendMode {
    bool blocking;
    bool is_call;
    bool can_grant;
};

// The IPC buffer registered with TcbConfigure, through the physmap.
ipc::IpcBuffer* ipc_buffer_of(Tcb&);

// Writes the faulter's pending fault message into the receiver's registers
// (and the timestamp into its IPC buffer, if it has one).
void deliver_fault(Tcb& faulter, Tcb& receiver, uint64_t badge);

void endpoint_send(Tcb& sender, Endpoint&, uint64_t badge, SendMode, OutgoingKind);
void endpoint_receive(Tcb& receiver, Endpoint&, bool blocking);
void remove_from_endpoint(Tcb&);
void destroy_endpoint(Endpoint&);

// A fault reply that maps (Map or MapNew), and the mapping it asks for,
// decoded from the replier's registers; on error nothing has changed.
inline bool is_map_reply(ipc::MessageInfo info)
{
    return info.label() == uint32_t(ipc::FaultReply::Map)
        || info.label() == uint32_t(ipc::FaultReply::MapNew);
}
ipc::Result<void> map_fault_reply(Tcb& replier, Tcb& faulter, ipc::MessageInfo);

// Answers the caller held by the Reply cap in `reply_slot` with the
// replier's message. For a caller blocked on a fault, the message is a
// FaultReply (Map, MapNew or Kill). On error nothing changes and the cap stays.
ipc::Result<void> reply_to(Tcb& replier, Slot& reply_slot);

void notification_signal(Notification&, uint64_t badge);
void notification_wait(Tcb&, Notification&, bool blocking);
void remove_from_notification(Tcb&);
void destroy_notification(Notification&);

} // namespace kernel
