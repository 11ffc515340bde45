// I/O ports and IRQs.
#include "ktest.h"

using namespace ktest;

namespace {
constexpr uint64_t com1_scratch = 0x3ff; // 16550 scratch register: reads back what was written
constexpr uint64_t test_irq = 5;         // an ISA line nothing uses in QEMU's default machine
} // namespace

KTEST(ioport_issue_in_out)
{
    CPtr range = alloc_slot();
    KT_OK(kapi::ioport_issue(ipc::root_slot_io_ports, com1_scratch, com1_scratch, range));
    KT_EXPECT_TYPE(range, ObjectType::IoPort);
    KT_OK(kapi::ioport_out8(range, com1_scratch, 0xa5));
    auto v = kapi::ioport_in8(range, com1_scratch);
    KT_OK(v);
    KT_EQ(v.value(), 0xa5);
    KT_OK(kapi::ioport_out8(range, com1_scratch, 0x5a));
    auto v2 = kapi::ioport_in8(range, com1_scratch);
    KT_OK(v2);
    KT_EQ(v2.value(), 0x5a);
    // Outside the range.
    KT_EXPECT_ERR2(kapi::ioport_in8(range, com1_scratch - 1), Error::OutOfRange, Error::InsufficientRights);
    KT_EXPECT_ERR2(kapi::ioport_out8(range, com1_scratch + 1, 0), Error::OutOfRange,
                   Error::InsufficientRights);
    KT_EXPECT_ERR2(kapi::ioport_in8(range, 0x10000), Error::OutOfRange, Error::InsufficientRights);
    KT_EXPECT_ERR2(kapi::ioport_in8(range, (1ull << 32) | com1_scratch), Error::OutOfRange,
                   Error::InsufficientRights);
    // A copy works the same.
    KT_COPY(copy, range, ALL);
    auto v3 = kapi::ioport_in8(copy, com1_scratch);
    KT_OK(v3);
    KT_EQ(v3.value(), 0x5a);
    // Deleting the range cap takes the access away.
    KT_OK(kapi::cnode_delete(env().cnode, copy));
    KT_EXPECT_ERR(kapi::ioport_in8(copy, com1_scratch), Error::InvalidCapability);
}

KTEST(ioport_issue_errors)
{
    CPtr range = alloc_slot();
    KT_OK(kapi::ioport_issue(ipc::root_slot_io_ports, 0x3f8, 0x3ff, range));
    CPtr dest = alloc_slot();
    // A range cap never issues ports outside itself (a sub-range may or may not be allowed).
    KT_EXPECT_FAILS(kapi::ioport_issue(range, 0x3f0, 0x3f8, dest));
    KT_EXPECT_FAILS(kapi::ioport_issue(range, 0x3ff, 0x400, dest));
    KT_EXPECT_EMPTY(dest);
    KT_EXPECT_ERR2(kapi::ioport_issue(ipc::root_slot_io_ports, 0x400, 0x3ff, dest), Error::InvalidArgument,
                   Error::OutOfRange);
    KT_EXPECT_ERR2(kapi::ioport_issue(ipc::root_slot_io_ports, 0xfff0, 0x10000, dest), Error::InvalidArgument,
                   Error::OutOfRange);
    KT_EXPECT_EMPTY(dest);
    KT_EXPECT_ERR(kapi::ioport_issue(ipc::root_slot_io_ports, 0x3f8, 0x3f8, range), Error::Busy); // occupied
    KT_EXPECT_TYPE(range, ObjectType::IoPort);
    KT_EXPECT_ERR(kapi::ioport_issue(ipc::root_slot_io_ports, 0x3f8, 0x3f8, 1ull << env().boot->cnode_radix),
                  Error::OutOfRange);
    KT_NEW(f, ObjectType::Frame);
    KT_EXPECT_ERR2(kapi::ioport_in8(f, 0x3ff), Error::WrongType, Error::InvalidArgument);
}

KTEST(ioport_root_cap_covers_all)
{
    KT_OK(kapi::ioport_out8(ipc::root_slot_io_ports, com1_scratch, 0x3c));
    auto v = kapi::ioport_in8(ipc::root_slot_io_ports, com1_scratch);
    KT_OK(v);
    KT_EQ(v.value(), 0x3c);
    KT_EXPECT_ERR2(kapi::ioport_in8(ipc::root_slot_io_ports, 0x10000), Error::OutOfRange,
                   Error::InvalidArgument);
}

KTEST(irq_control_get_twice)
{
    CPtr h1 = alloc_slot(), h2 = alloc_slot();
    KT_OK(kapi::irq_control_get(ipc::root_slot_irq_control, test_irq, h1));
    KT_EXPECT_TYPE(h1, ObjectType::IrqHandler);
    KT_EXPECT_FAILS(kapi::irq_control_get(ipc::root_slot_irq_control, test_irq, h2));
    KT_EXPECT_EMPTY(h2);
    // A copy of the handler cap is fine; deleting every handler cap frees the IRQ.
    KT_COPY(c, h1, ALL);
    KT_OK(kapi::cnode_delete(env().cnode, h1));
    KT_EXPECT_FAILS(kapi::irq_control_get(ipc::root_slot_irq_control, test_irq, h2));
    KT_OK(kapi::cnode_delete(env().cnode, c));
    KT_OK(kapi::irq_control_get(ipc::root_slot_irq_control, test_irq, h2));
    // Bad IRQ numbers and slots.
    CPtr h3 = alloc_slot();
    KT_EXPECT_ERR2(kapi::irq_control_get(ipc::root_slot_irq_control, 256, h3), Error::OutOfRange,
                   Error::InvalidArgument);
    KT_EXPECT_ERR2(kapi::irq_control_get(ipc::root_slot_irq_control, ~0ull, h3), Error::OutOfRange,
                   Error::InvalidArgument);
    KT_EXPECT_EMPTY(h3);
    KT_EXPECT_ERR(
        kapi::irq_control_get(ipc::root_slot_irq_control, test_irq + 1, 1ull << env().boot->cnode_radix),
        Error::OutOfRange);
    KT_EXPECT_ERR(kapi::irq_control_get(ipc::root_slot_irq_control, test_irq + 1, h2), Error::Busy);
    KT_NEW(f, ObjectType::Frame);
    KT_EXPECT_ERR2(kapi::irq_control_get(f, test_irq + 1, h3), Error::WrongType, Error::InvalidArgument);
}

KTEST(irq_set_notification_and_ack)
{
    CPtr h = alloc_slot();
    KT_OK(kapi::irq_control_get(ipc::root_slot_irq_control, test_irq, h));
    KT_NEW(n, ObjectType::Notification);
    KT_NEW(ep, ObjectType::Endpoint);
    KT_OK(kapi::irq_set_notification(h, n));
    KT_EXPECT_ERR(kapi::irq_set_notification(h, ep), Error::WrongType);
    KT_EXPECT_ERR(kapi::irq_set_notification(h, alloc_slot()), Error::InvalidCapability);
    KT_OK(kapi::irq_ack(h));
    KT_EXPECT_ERR(kapi::poll(n), Error::WouldBlock); // nothing raised the line
    KT_NEW(f, ObjectType::Frame);
    KT_EXPECT_ERR2(kapi::irq_ack(f), Error::WrongType, Error::InvalidArgument);
    // Deleting the notification while bound is safe; Ack then has nothing to deliver to.
    KT_OK(kapi::cnode_delete(env().cnode, n));
    KT_EXPECT_ERR2(kapi::irq_ack(h), Error::None, Error::InvalidArgument);
    KT_NEW(n2, ObjectType::Notification);
    KT_OK(kapi::irq_set_notification(h, n2));
    KT_OK(kapi::irq_ack(h));
}

KTEST_BUDGET(irq_rtc_delivery, 1000)
{
    // End to end: the RTC's periodic interrupt (IRQ 8) through a Notification.
    CPtr h = alloc_slot();
    KT_OK(kapi::irq_control_get(ipc::root_slot_irq_control, 8, h));
    KT_NEW(n, ObjectType::Notification);
    KT_MINT(nb, n, ALL, 0x100);
    KT_OK(kapi::irq_set_notification(h, nb));
    CPtr cmos = alloc_slot();
    KT_OK(kapi::ioport_issue(ipc::root_slot_io_ports, 0x70, 0x71, cmos));
    auto rtc = [&](uint8_t reg) {
        kapi::ioport_out8(cmos, 0x70, uint8_t(0x80 | reg)); // NMI stays masked
        auto v = kapi::ioport_in8(cmos, 0x71);
        return v.is_error() ? uint8_t(0) : v.value();
    };
    auto rtc_write = [&](uint8_t reg, uint8_t value) {
        kapi::ioport_out8(cmos, 0x70, uint8_t(0x80 | reg));
        kapi::ioport_out8(cmos, 0x71, value);
    };
    uint8_t old_a = rtc(0x0a), old_b = rtc(0x0b);
    rtc_write(0x0a, uint8_t((old_a & 0xf0) | 0x0f)); // 2 Hz
    rtc_write(0x0b, uint8_t(old_b | 0x40));          // periodic interrupt enable
    rtc(0x0c);                                       // clear pending flags
    KT_OK(kapi::irq_ack(h));
    SyscallResult r = recv_timeout(n, 300);
    uint8_t flags = rtc(0x0c);
    rtc_write(0x0b, old_b);
    rtc_write(0x0a, old_a);
    kapi::irq_ack(h);
    KT_CHECK(r.ok(), "no RTC interrupt arrived in 3 s: {} (register C {:x})", ename(r.error), flags);
    KT_EQ(r.badge, 0x100);
}
