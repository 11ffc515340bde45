// CNode: copy, mint, move, delete, revoke, describe; the derivation tree;
// invalid slots, wrong types and missing rights.
#include "ktest.h"

using namespace ktest;

namespace {

void receiver_fn(Thread& t)
{
    SyscallResult r = kapi::recv(t.arg[0]);
    t.out[1] = r.info.label();
    t.out[2] = r.badge;
    store(t.out[0], uint64_t(r.error) + 1); // +1: 0 means "not returned yet"
}

void waiter_fn(Thread& t)
{
    SyscallResult r = kapi::wait(t.arg[0]);
    t.out[1] = r.badge;
    store(t.out[0], uint64_t(r.error) + 1);
}

} // namespace

KTEST(cnode_copy)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_COPY(c_all, ep, ALL);
    auto d = kapi::cnode_describe(root(), c_all);
    KT_OK(d);
    KT_CHECK(d.value().type == ObjectType::Endpoint, "copy holds {}", type_name(d.value().type));
    KT_EQ(d.value().rights, ALL);
    KT_COPY(c_r, ep, R);
    auto d2 = kapi::cnode_describe(root(), c_r);
    KT_OK(d2);
    KT_EQ(d2.value().rights, R);
    // A copy never gains rights: copying the read-only cap with "all" stays read-only.
    KT_COPY(c_r2, c_r, ALL);
    auto d3 = kapi::cnode_describe(root(), c_r2);
    KT_OK(d3);
    KT_EQ(d3.value().rights, R);
    // Into an occupied slot: refused, the slot keeps what it had.
    KT_NEW(ntfn, ObjectType::Notification);
    KT_EXPECT_ERR(kapi::cnode_copy(root(), ntfn, 0, ep, ALL), Error::Busy);
    KT_EXPECT_TYPE(ntfn, ObjectType::Notification);
    // From an empty or out-of-range slot.
    CPtr empty = alloc_slot();
    CPtr dest = alloc_slot();
    KT_EXPECT_ERR(kapi::cnode_copy(root(), dest, 0, empty, ALL), Error::InvalidCapability);
    KT_EXPECT_ERR(kapi::cnode_copy(root(), dest, 0, 1ull << env().boot->cnode_radix, ALL),
                  Error::InvalidCapability);
    KT_EXPECT_ERR(kapi::cnode_copy(root(), dest, 0, ~0ull, ALL), Error::InvalidCapability);
    KT_EXPECT_EMPTY(dest);
    // To an out-of-range slot.
    KT_EXPECT_ERR(kapi::cnode_copy(root(), 1ull << env().boot->cnode_radix, 0, ep, ALL), Error::OutOfRange);
    KT_EXPECT_ERR(kapi::cnode_copy(root(), 0, 0, ep, ALL), Error::OutOfRange);
    // Through another CNode and back.
    KT_NEW(cn, ObjectType::CNode, 4);
    KT_OK(kapi::cnode_copy(cn, 2, 0, ep, RW));
    auto dd = kapi::cnode_describe(cn, 2);
    KT_OK(dd);
    KT_CHECK(dd.value().type == ObjectType::Endpoint, "copy in the new CNode holds {}",
             type_name(dd.value().type));
    KT_OK(kapi::cnode_copy(root(), dest, cn, 2, ALL));
    auto d4 = kapi::cnode_describe(root(), dest);
    KT_OK(d4);
    KT_EQ(d4.value().rights, RW);
    KT_EXPECT_ERR(kapi::cnode_copy(cn, 16, 0, ep, ALL), Error::OutOfRange);
    // The source CNode must be a CNode.
    KT_EXPECT_ERR(kapi::cnode_copy(root(), alloc_slot(), ep, 2, ALL), Error::WrongType);
}

KTEST(cnode_mint_badge_and_rights)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_MINT(m, ep, RW, 0x42);
    auto d = kapi::cnode_describe(root(), m);
    KT_OK(d);
    KT_CHECK(d.value().type == ObjectType::Endpoint, "mint holds {}", type_name(d.value().type));
    KT_EQ(d.value().badge, 0x42);
    KT_EQ(d.value().rights, RW);
    // A badged cap cannot be re-badged.
    CPtr again = alloc_slot();
    KT_EXPECT_FAILS(kapi::cnode_mint(root(), again, 0, m, RW, 0x43));
    KT_EXPECT_EMPTY(again);
    KT_EXPECT_ERR(kapi::cnode_mint(root(), m, 0, ep, RW, 0x44), Error::Busy);
    KT_EXPECT_EMPTY(again);
    // ... but it can be copied, keeping its badge.
    KT_COPY(c, m, R);
    auto d2 = kapi::cnode_describe(root(), c);
    KT_OK(d2);
    KT_EQ(d2.value().badge, 0x42);
    KT_EQ(d2.value().rights, R);
    // Notifications take badges too; the full 64-bit value survives.
    KT_NEW(n, ObjectType::Notification);
    KT_MINT(nb, n, ALL, 0x8000000000000001ull);
    auto d3 = kapi::cnode_describe(root(), nb);
    KT_OK(d3);
    KT_EQ(d3.value().badge, 0x8000000000000001ull);
    // Badges are for endpoints and notifications only.
    KT_NEW(f, ObjectType::Frame);
    KT_EXPECT_FAILS(kapi::cnode_mint(root(), again, 0, f, RW, 5));
    KT_EXPECT_EMPTY(again);
    KT_NEW(t, ObjectType::Tcb);
    KT_EXPECT_FAILS(kapi::cnode_mint(root(), again, 0, t, ALL, 5));
    KT_EXPECT_EMPTY(again);
}

KTEST(cnode_move)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_MINT(m, ep, RW, 0x99);
    CPtr dest = alloc_slot();
    KT_OK(kapi::cnode_move(root(), dest, 0, m));
    KT_EXPECT_EMPTY(m);
    auto d = kapi::cnode_describe(root(), dest);
    KT_OK(d);
    KT_EQ(d.value().badge, 0x99);
    KT_EQ(d.value().rights, RW);
    // The moved cap keeps its place in the derivation tree: revoking the parent reaches it.
    KT_OK(kapi::cnode_revoke(root(), ep));
    KT_EXPECT_EMPTY(dest);
    // Untyped caps can be moved, and still retype from the new slot.
    KT_NEW(u, ObjectType::Untyped, 12);
    CPtr u2 = alloc_slot();
    KT_OK(kapi::cnode_move(root(), u2, 0, u));
    KT_EXPECT_EMPTY(u);
    KT_NEW(f, ObjectType::Frame, 0, u2);
    (void)f;
    // Into an occupied slot: refused, both unchanged.
    KT_NEW(n, ObjectType::Notification);
    KT_EXPECT_ERR(kapi::cnode_move(root(), n, 0, ep), Error::Busy);
    KT_EXPECT_TYPE(n, ObjectType::Notification);
    KT_EXPECT_TYPE(ep, ObjectType::Endpoint);
    // From an empty slot.
    KT_EXPECT_ERR(kapi::cnode_move(root(), alloc_slot(), 0, alloc_slot()), Error::InvalidCapability);
    KT_EXPECT_ERR(kapi::cnode_move(root(), 1ull << env().boot->cnode_radix, 0, n), Error::OutOfRange);
    KT_EXPECT_TYPE(n, ObjectType::Notification);
    // Onto itself: refused or a no-op, the cap stays.
    (void)kapi::cnode_move(root(), ep, 0, ep);
    KT_EXPECT_TYPE(ep, ObjectType::Endpoint);
    // Into another CNode.
    KT_NEW(cn, ObjectType::CNode, 2);
    KT_OK(kapi::cnode_move(cn, 3, 0, ep));
    KT_EXPECT_EMPTY(ep);
    auto dd = kapi::cnode_describe(cn, 3);
    KT_OK(dd);
    KT_CHECK(dd.value().type == ObjectType::Endpoint, "moved cap holds {}", type_name(dd.value().type));
}

KTEST(cnode_delete)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_COPY(c, ep, ALL);
    KT_OK(kapi::cnode_delete(root(), c));
    KT_EXPECT_EMPTY(c);
    KT_EXPECT_TYPE(ep, ObjectType::Endpoint);
    KT_EXPECT_ERR(kapi::nb_send(c, MessageInfo()), Error::InvalidCapability);
    // Still usable through the original.
    KT_EXPECT_ERR(kapi::nb_send(ep, MessageInfo()), Error::WouldBlock);
    KT_EXPECT_ERR2(kapi::cnode_delete(root(), 1ull << env().boot->cnode_radix), Error::InvalidCapability,
                   Error::OutOfRange);
}

KTEST(cnode_describe_empty_slot)
{
    // Empty: InvalidCapability, or a Null cap. Outside the CNode: OutOfRange (or InvalidCapability).
    CPtr s = alloc_slot();
    auto d = kapi::cnode_describe(root(), s);
    KT_CHECK(d.is_error() ? d.error() == Error::InvalidCapability : d.value().type == ObjectType::Null,
             "describe of an empty slot: {} type {}", ename(ktest::error_of(d)),
             d.is_error() ? "-" : type_name(d.value().type));
    KT_EXPECT_ERR2(kapi::cnode_describe(root(), 1ull << env().boot->cnode_radix), Error::OutOfRange,
                   Error::InvalidCapability);
    KT_EXPECT_ERR2(kapi::cnode_describe(root(), ~0ull), Error::OutOfRange, Error::InvalidCapability);
    // The boot caps are what RootSlot says.
    KT_EXPECT_TYPE(ipc::root_slot_tcb, ObjectType::Tcb);
    KT_EXPECT_TYPE(ipc::root_slot_cnode, ObjectType::CNode);
    KT_EXPECT_TYPE(ipc::root_slot_vspace, ObjectType::VSpace);
    KT_EXPECT_TYPE(ipc::root_slot_irq_control, ObjectType::IrqControl);
    KT_EXPECT_TYPE(ipc::root_slot_io_ports, ObjectType::IoPort);
    KT_EXPECT_TYPE(ipc::root_slot_boot_info, ObjectType::Frame);
    KT_EXPECT_TYPE(ipc::root_slot_ipc_buffer, ObjectType::Frame);
    KT_EXPECT_TYPE(env().boot->first_untyped, ObjectType::Untyped);
    KT_EXPECT_ERR(kapi::cnode_describe(root(), ipc::root_slot_null),
                  Error::OutOfRange); // slot 0 is never used
}

KTEST(cnode_revoke_removes_descendants_only)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_COPY(c1, ep, ALL);
    KT_MINT(m1, ep, RW, 7);
    KT_COPY(c2, c1, R);
    KT_COPY(m2, m1, W);
    KT_NEW(other, ObjectType::Endpoint);
    KT_COPY(other_copy, other, ALL);
    KT_OK(kapi::cnode_revoke(root(), ep));
    KT_EXPECT_EMPTY(c1);
    KT_EXPECT_EMPTY(m1);
    KT_EXPECT_EMPTY(c2);
    KT_EXPECT_EMPTY(m2);
    KT_EXPECT_TYPE(ep, ObjectType::Endpoint);
    KT_EXPECT_TYPE(other_copy, ObjectType::Endpoint);
    // The original still works.
    KT_EXPECT_ERR(kapi::nb_send(ep, MessageInfo()), Error::WouldBlock);
    // Revoking a leaf is a no-op; revoking an empty slot is an error.
    KT_OK(kapi::cnode_revoke(root(), other_copy));
    KT_EXPECT_TYPE(other_copy, ObjectType::Endpoint);
    KT_EXPECT_ERR(kapi::cnode_revoke(root(), alloc_slot()), Error::InvalidCapability);
}

KTEST(cnode_revoke_middle_of_tree)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_COPY(c1, ep, ALL);
    KT_COPY(c2, c1, ALL);
    KT_COPY(sibling, ep, ALL);
    KT_OK(kapi::cnode_revoke(root(), c1));
    KT_EXPECT_EMPTY(c2);
    KT_EXPECT_TYPE(c1, ObjectType::Endpoint);
    KT_EXPECT_TYPE(sibling, ObjectType::Endpoint);
    KT_EXPECT_TYPE(ep, ObjectType::Endpoint);
}

KTEST(cnode_delete_reparents_children)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_COPY(c1, ep, ALL);
    KT_COPY(c2, c1, ALL);
    KT_OK(kapi::cnode_delete(root(), c1));
    KT_EXPECT_TYPE(c2, ObjectType::Endpoint);
    // c2 now hangs off ep: revoking ep removes it.
    KT_OK(kapi::cnode_revoke(root(), ep));
    KT_EXPECT_EMPTY(c2);
}

KTEST(cnode_revoke_untyped_destroys_objects)
{
    KT_NEW(u, ObjectType::Untyped, 16);
    auto s0 = stats();
    KT_NEW(ep, ObjectType::Endpoint, 0, u);
    KT_NEW(n, ObjectType::Notification, 0, u);
    KT_NEW(f, ObjectType::Frame, 0, u);
    KT_COPY(fc, f, R);
    auto s1 = stats();
    KT_EQ(s1.objects_live, s0.objects_live + 2); // endpoint and notification (frames have no header)
    KT_OK(kapi::vspace_map(env().vspace, fc, alloc_vaddr(), R));
    KT_EQ(stats().frames_mapped, s0.frames_mapped + 1);
    KT_OK(kapi::cnode_revoke(root(), u));
    KT_EXPECT_EMPTY(ep);
    KT_EXPECT_EMPTY(n);
    KT_EXPECT_EMPTY(f);
    KT_EXPECT_EMPTY(fc);
    auto s2 = stats();
    KT_EQ(s2.frames_mapped, s0.frames_mapped);
    KT_EQ(s2.objects_live, s0.objects_live);
    KT_EQ(s2.untyped_free_bytes, s0.untyped_free_bytes);
}

KTEST(cnode_delete_last_cap_destroys_object)
{
    auto s0 = stats();
    KT_NEW(ep, ObjectType::Endpoint);
    auto s1 = stats();
    KT_EQ(s1.objects_live, s0.objects_live + 1);
    KT_COPY(c, ep, ALL);
    KT_EQ(stats().objects_live, s1.objects_live);
    KT_OK(kapi::cnode_delete(root(), ep));
    KT_EQ(stats().objects_live, s1.objects_live); // the copy keeps it alive
    KT_EXPECT_ERR(kapi::nb_send(c, MessageInfo()), Error::WouldBlock);
    KT_OK(kapi::cnode_delete(root(), c));
    KT_EQ(stats().objects_live, s0.objects_live);
}

KTEST(cnode_delete_last_endpoint_cap_wakes_receiver)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_SPAWN(t, receiver_fn, ThreadOptions {}, ep);
    KT_TRUE(wait_started(*t));
    settle();
    KT_EQ(load(t->out[0]), 0); // still blocked in Recv
    KT_OK(kapi::cnode_delete(root(), ep));
    KT_CHECK(wait_until([&] { return load(t->out[0]) != 0; }),
             "the receiver never returned after its endpoint was destroyed");
    KT_CHECK(load(t->out[0]) == uint64_t(Error::Deleted) + 1, "the receiver's Recv returned {}, expected {}",
             ename(Error(uint32_t(load(t->out[0]) - 1))), ename(Error::Deleted));
}

KTEST(cnode_delete_copy_keeps_receiver_waiting)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_COPY(c, ep, ALL);
    KT_SPAWN(t, receiver_fn, ThreadOptions {}, ep);
    KT_TRUE(wait_started(*t));
    settle();
    // The receiver names slot `ep`; deleting `c` (not the last cap) changes nothing.
    KT_OK(kapi::cnode_delete(root(), c));
    settle();
    KT_EQ(load(t->out[0]), 0);
    KT_OK(kapi::send(ep, MessageInfo(0x5151, 0)));
    KT_TRUE(wait_until([&] { return load(t->out[0]) != 0; }));
    KT_EQ(load(t->out[0]), 1);
    KT_EQ(t->out[1], 0x5151);
}

KTEST(cnode_delete_last_notification_cap_wakes_waiter)
{
    KT_NEW(n, ObjectType::Notification);
    KT_SPAWN(t, waiter_fn, ThreadOptions {}, n);
    KT_TRUE(wait_started(*t));
    settle();
    KT_EQ(load(t->out[0]), 0);
    KT_OK(kapi::cnode_delete(root(), n));
    KT_CHECK(wait_until([&] { return load(t->out[0]) != 0; }),
             "the waiter never returned after its notification was destroyed");
    KT_CHECK(load(t->out[0]) == uint64_t(Error::Deleted) + 1, "the waiter's Recv returned {}, expected {}",
             ename(Error(uint32_t(load(t->out[0]) - 1))), ename(Error::Deleted));
}

KTEST(cnode_untyped_copy_refused)
{
    KT_NEW(u, ObjectType::Untyped, 12);
    CPtr dest = alloc_slot();
    KT_EXPECT_ERR(kapi::cnode_copy(root(), dest, 0, u, ALL), Error::Unsupported);
    KT_EXPECT_EMPTY(dest);
    KT_EXPECT_ERR(kapi::cnode_mint(root(), dest, 0, u, R, 0), Error::Unsupported);
    KT_EXPECT_EMPTY(dest);
    // The boot untyped too.
    KT_EXPECT_ERR(kapi::cnode_copy(root(), dest, 0, env().big_untyped, ALL), Error::Unsupported);
    KT_EXPECT_EMPTY(dest);
    // It still retypes (the refused copies did not disturb its free index).
    KT_NEW(f, ObjectType::Frame, 0, u);
    (void)f;
}

KTEST(cnode_invalid_slot_invalid_capability)
{
    CPtr empty = alloc_slot();
    uint64_t out_of_range = 1ull << env().boot->cnode_radix;
    const CPtr bad[]
        = { empty, out_of_range, out_of_range + 1, 1ull << 40, 1ull << 63, ~0ull, ipc::null_cptr };
    for (CPtr c : bad) {
        SyscallResult r = kapi::nb_send(c, MessageInfo(1, 0));
        KT_CHECK(r.error == Error::InvalidCapability, "NBSend on cptr {:x}: expected {}, got {}", c,
                 ename(Error::InvalidCapability), ename(r.error));
        r = kapi::send(c, MessageInfo(1, 0));
        KT_CHECK(r.error == Error::InvalidCapability, "Send on cptr {:x}: got {}", c, ename(r.error));
        r = kapi::nb_recv(c);
        KT_CHECK(r.error == Error::InvalidCapability, "NBRecv on cptr {:x}: got {}", c, ename(r.error));
        r = kapi::recv(c);
        KT_CHECK(r.error == Error::InvalidCapability, "Recv on cptr {:x}: got {}", c, ename(r.error));
        r = kapi::call(c, MessageInfo(uint32_t(ipc::Invocation::CNodeDescribe), 1), 1);
        KT_CHECK(r.error == Error::InvalidCapability, "Call on cptr {:x}: got {}", c, ename(r.error));
        KT_CHECK(kapi::tcb_resume(c) == Error::InvalidCapability, "TcbResume on cptr {:x}: got {}", c,
                 ename(kapi::tcb_resume(c)));
    }
}

KTEST(cnode_wrong_type)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_NEW(f, ObjectType::Frame);
    KT_NEW(t, ObjectType::Tcb);
    KT_NEW(cn, ObjectType::CNode, 2);
    // Capability arguments of the wrong type.
    KT_EXPECT_ERR(kapi::vspace_map(env().vspace, ep, alloc_vaddr(), RW), Error::WrongType);
    KT_EXPECT_ERR(kapi::tcb_configure(t, ep, env().vspace, 0, 0, 0, env().priority), Error::WrongType);
    KT_EXPECT_ERR(kapi::tcb_configure(t, env().cnode, cn, 0, 0, 0, env().priority), Error::WrongType);
    KT_EXPECT_ERR(kapi::tcb_configure(t, env().cnode, env().vspace, ep, alloc_vaddr(), 0, env().priority),
                  Error::WrongType);
    KT_EXPECT_ERR(kapi::tcb_configure(t, env().cnode, env().vspace, 0, 0, f, env().priority),
                  Error::WrongType);
    KT_EXPECT_ERR(kapi::tcb_set_supervisor(t, f), Error::WrongType);
    KT_EXPECT_ERR(kapi::vspace_bind_pool(env().vspace, f), Error::WrongType);
    KT_EXPECT_ERR(kapi::cnode_copy(root(), alloc_slot(), f, 1, ALL), Error::WrongType);
    // Invocations on an object of another type.
    KT_EXPECT_ERR2(kapi::cnode_copy(f, 1, 0, ep, ALL), Error::WrongType, Error::InvalidArgument);
    KT_EXPECT_ERR2(kapi::tcb_resume(cn), Error::WrongType, Error::InvalidArgument);
    KT_EXPECT_ERR2(kapi::vspace_map(t, f, alloc_vaddr(), RW), Error::WrongType, Error::InvalidArgument);
    KT_EXPECT_ERR2(kapi::frame_describe(t), Error::WrongType, Error::InvalidArgument);
    KT_EXPECT_ERR2(kapi::ioport_in8(f, 0x80), Error::WrongType, Error::InvalidArgument);
    // A label no object knows.
    KT_EXPECT_ERR2(kapi::call(f, MessageInfo(0x7777, 0)), Error::InvalidArgument, Error::WrongType);
    // IPC on things that are not endpoints or notifications.
    KT_EXPECT_ERR2(kapi::nb_recv(f), Error::WrongType, Error::InvalidArgument);
    KT_EXPECT_ERR2(kapi::nb_send(t, MessageInfo()), Error::WrongType, Error::InvalidArgument);
    KT_EXPECT_ERR2(kapi::recv(cn), Error::WrongType, Error::InvalidArgument);
    KT_EXPECT_ERR2(kapi::send(f, MessageInfo()), Error::WrongType, Error::InvalidArgument);
    // Call on a notification.
    KT_NEW(n, ObjectType::Notification);
    KT_EXPECT_FAILS(kapi::call(n, MessageInfo(1, 0)));
}

namespace {
void blocked_recv_fn(Thread& t)
{
    SyscallResult r = kapi::recv(t.arg[0]);
    t.out[1] = r.info.label();
    store(t.out[0], uint64_t(r.error) + 1);
}
void blocked_send_fn(Thread& t)
{
    SyscallResult r = kapi::send(t.arg[0], MessageInfo(0x5e, 0));
    store(t.out[0], uint64_t(r.error) + 1);
}
} // namespace

KTEST(cnode_insufficient_rights)
{
    // Arranged so that a kernel that skips a check answers wrongly at once
    // instead of blocking: a receiver waits before the sends, a sender before the receives.
    KT_NEW(ep, ObjectType::Endpoint);
    KT_MINT(ep_r, ep, R, 1);
    KT_MINT(ep_w, ep, W, 2);
    KT_EXPECT_ERR(kapi::nb_send(ep_w, MessageInfo()), Error::WouldBlock); // write-only sends (nobody there)
    KT_EXPECT_ERR(kapi::nb_recv(ep_r), Error::WouldBlock); // read-only receives (nothing there)
    KT_SPAWN(receiver, blocked_recv_fn, ThreadOptions {}, ep);
    KT_TRUE(wait_started(*receiver));
    settle();
    KT_EXPECT_ERR(kapi::nb_send(ep_r, MessageInfo(1, 1), 5), Error::InsufficientRights);
    KT_EXPECT_ERR(kapi::send(ep_r, MessageInfo(1, 1), 5), Error::InsufficientRights);
    KT_EXPECT_ERR(kapi::call(ep_r, MessageInfo(1, 1), 5), Error::InsufficientRights);
    settle();
    KT_EQ(load(receiver->out[0]), 0); // nothing reached it
    KT_OK(kapi::tcb_suspend(receiver->tcb));
    KT_SPAWN(sender, blocked_send_fn, ThreadOptions {}, ep);
    KT_TRUE(wait_started(*sender));
    settle();
    KT_EXPECT_ERR(kapi::nb_recv(ep_w), Error::InsufficientRights);
    KT_EXPECT_ERR(kapi::recv(ep_w), Error::InsufficientRights);
    KT_EQ(load(sender->out[0]), 0); // still blocked: nothing took its message
    SyscallResult got = kapi::nb_recv(ep_r);
    KT_OK(got);
    KT_EQ(got.info.label(), 0x5e);

    KT_NEW(n, ObjectType::Notification);
    KT_MINT(n_r, n, R, 4);
    KT_MINT(n_w, n, W, 8);
    KT_EXPECT_ERR(kapi::signal(n_r), Error::InsufficientRights);
    KT_EXPECT_ERR(kapi::poll(n), Error::WouldBlock); // the refused signal set nothing
    KT_OK(kapi::signal(n_w));
    KT_EXPECT_ERR(kapi::wait(n_w), Error::InsufficientRights); // (a word is pending: no blocking either way)
    KT_EXPECT_ERR(kapi::poll(n_w), Error::InsufficientRights);
    SyscallResult r = kapi::poll(n_r);
    KT_OK(r);
    KT_EQ(r.badge, 8);
}
