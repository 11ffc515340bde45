#include "object/irq.h"
#include "arch/arch.h"
#include "ipc/endpoint_ops.h"

namespace kernel {

using ipc::Error;
using ipc::ObjectType;
using ipc::Result;

namespace {

struct IrqLine {
    bool issued;
    uint32_t handler_caps; // the line is free again when the last one goes
    Notification* notification;
    uint64_t badge;
};

IrqLine g_lines[arch::irq_count];

constexpr unsigned timer_irq = 0, cascade_irq = 2;

Result<void> check_line(unsigned irq)
{
    if (irq >= arch::irq_count || irq == timer_irq || irq == cascade_irq)
        return Error::OutOfRange;
    return {};
}

bool kernel_owned_port(uint64_t port)
{
    return port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 || (port >= 0x40 && port <= 0x43)
        || port == 0xf4;
}

Result<void> check_port(const Capability& ports, uint64_t port)
{
    if (port < ports.data0 || port > ports.data1)
        return Error::OutOfRange;
    if (kernel_owned_port(port))
        return Error::InsufficientRights;
    return {};
}

} // namespace

Result<Capability> irq_issue(unsigned irq)
{
    TRY(check_line(irq));
    if (g_lines[irq].issued)
        return Error::Busy;
    g_lines[irq] = IrqLine { .issued = true, .handler_caps = 0, .notification = nullptr, .badge = 0 };
    return Capability { .type = ObjectType::IrqHandler, .rights = ipc::Rights {}, .object = irq };
}

Result<void> irq_set_notification(unsigned irq, const Capability& notification)
{
    g_lines[irq].notification = notification.as<Notification>();
    g_lines[irq].badge = notification.data0;
    arch::irq_unmask(irq);
    return {};
}

Result<void> irq_ack(unsigned irq)
{
    if (!g_lines[irq].notification)
        return Error::InvalidArgument;
    arch::irq_unmask(irq);
    return {};
}

void irq_handler_cap_added(unsigned irq) { ++g_lines[irq].handler_caps; }

void irq_handler_deleted(unsigned irq)
{
    if (--g_lines[irq].handler_caps)
        return;
    arch::irq_mask(irq);
    g_lines[irq] = IrqLine {};
}

void irq_unbind_notification(Notification& n)
{
    for (unsigned irq = 0; irq < arch::irq_count; ++irq) {
        if (g_lines[irq].notification == &n) {
            arch::irq_mask(irq);
            g_lines[irq].notification = nullptr;
        }
    }
}

void irq_raised(unsigned irq)
{
    if (irq < arch::irq_count && g_lines[irq].notification)
        notification_signal(*g_lines[irq].notification, g_lines[irq].badge);
}

Result<uint8_t> ioport_in8(const Capability& ports, uint64_t port)
{
    TRY(check_port(ports, port));
    return arch::port_in8(uint16_t(port));
}

Result<void> ioport_out8(const Capability& ports, uint64_t port, uint8_t value)
{
    TRY(check_port(ports, port));
    arch::port_out8(uint16_t(port), value);
    return {};
}

Result<Capability> ioport_issue(const Capability& ports, uint64_t first, uint64_t last)
{
    if (first > last || first < ports.data0 || last > ports.data1)
        return Error::OutOfRange;
    Capability cap = ports;
    cap.data0 = first;
    cap.data1 = last;
    return cap;
}

} // namespace kernel
