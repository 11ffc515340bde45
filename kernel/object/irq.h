#pragma once
// Interrupt lines as capabilities. IrqControl issues at most one IrqHandler
// cap per line; the handler binds the line to a Notification. When the line
// fires, the kernel masks it and signals the notification; IrqAck unmasks.
// IoPort caps name port ranges; ports the kernel drives itself (PIC, PIT,
// the QEMU exit port) are never reachable through them.

#include "object/endpoint.h"
#include "object/capability.h"
#include <ipc/result.h>

namespace kernel {

ipc::Result<Capability> irq_issue(unsigned irq);
ipc::Result<void> irq_set_notification(unsigned irq, const Capability& notification);
ipc::Result<void> irq_ack(unsigned irq);
void irq_handler_cap_added(unsigned irq);
void irq_handler_deleted(unsigned irq); // frees the line with its last handler cap
void irq_unbind_notification(Notification&);
// A device line fired (called with the line already masked).
void irq_raised(unsigned irq);

ipc::Result<uint8_t> ioport_in8(const Capability& ports, uint64_t port);
ipc::Result<void> ioport_out8(const Capability& ports, uint64_t port, uint8_t value);
ipc::Result<Capability> ioport_issue(const Capability& ports, uint64_t first, uint64_t last);

} // namespace kernel
