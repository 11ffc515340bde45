// The MapNew fault reply: a frame retyped from the handler's Untyped into
// its slot, zeroed and mapped, in the one kernel entry of the reply. Every
// refusal leaves the faulting thread waiting, the slot empty and the
// Untyped as it was.
#include "fault_pager.h"
#include "ktest.h"

using namespace ktest;

namespace {

// A one-page Untyped whose memory is dirty: a frame made there was filled
// with a pattern and deleted, so the next object starts over it.
CPtr dirty_page_untyped_at(const char* file, int line)
{
    CPtr u = make_object_at(file, line, ObjectType::Untyped, 12);
    if (failed())
        return 0;
    CPtr dirty = make_object_at(file, line, ObjectType::Frame, 0, u);
    if (failed())
        return 0;
    uint64_t va = alloc_vaddr();
    if (kapi::vspace_map(env().vspace, dirty, va, RW) != Error::None) {
        fail_at(file, line, "mapping the frame to dirty failed");
        return 0;
    }
    for (unsigned i = 0; i < 512; ++i)
        reinterpret_cast<volatile uint64_t*>(va)[i] = 0x5a5a5a5a00000000ull | i;
    if (kapi::vspace_unmap(env().vspace, dirty) != Error::None
        || kapi::cnode_delete(env().cnode, dirty) != Error::None)
        fail_at(file, line, "unmapping or deleting the dirty frame failed");
    return u;
}
#define KT_DIRTY_UNTYPED(var)                                                                                \
    CPtr var = dirty_page_untyped_at(__FILE__, __LINE__);                                                    \
    if (ktest::failed())                                                                                     \
    return

uint64_t free_bytes(CPtr untyped)
{
    auto d = kapi::untyped_describe(untyped);
    return d.is_error() ? ~0ull : d.value().free_bytes;
}

} // namespace

KTEST(fault_map_new_resumes_with_a_zeroed_frame)
{
    KT_PAGER(p, 0x71, 0x72);
    KT_DIRTY_UNTYPED(u);
    KT_EQ(free_bytes(u), 4096);
    uint64_t va = alloc_vaddr();
    CPtr slot = alloc_slot();
    KT_SPAWN(t, touch_fn, with(p), va + 0x40, touch_write, 0xfeed);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x71);
    KT_EQ(r.words[0], va + 0x40);
    KT_OK(kapi::fault_reply_map_new(slot, va, RW, u));
    KT_CHECK(wait_finished(*t), "the thread did not resume after MapNew");
    KT_EQ(t->out[0], 0xfeed);
    // The suite shares the VSpace: the rest of the page is zero, not the pattern.
    auto* words = reinterpret_cast<volatile uint64_t*>(va);
    for (unsigned i = 0; i < 512; ++i) {
        uint64_t expected = i == 0x40 / 8 ? 0xfeed : 0;
        KT_CHECK(words[i] == expected, "word {} of the new frame is {:x}, not {:x}", i, uint64_t(words[i]),
                 expected);
    }
    // The slot holds the new Frame, mapped there, carved from the Untyped.
    KT_EXPECT_TYPE(slot, ObjectType::Frame);
    auto d = kapi::frame_describe(slot);
    KT_OK(d);
    KT_EQ(d.value().mapped, 1);
    KT_EQ(d.value().vaddr, va);
    auto ud = kapi::untyped_describe(u);
    KT_OK(ud);
    KT_EQ(ud.value().free_bytes, 0);
    KT_EQ(d.value().physical_address, ud.value().physical_address);
    // It is an ordinary Frame: unmapping it takes the page away.
    KT_OK(kapi::vspace_unmap(env().vspace, slot));
    KT_EXPECT_ERR(kapi::nb_recv(p.supervisor), Error::WouldBlock); // nobody died
}

KTEST(fault_map_new_refusals_change_nothing)
{
    KT_PAGER(p, 0x73, 0x74);
    KT_NEW(u, ObjectType::Untyped, 12);
    KT_NEW(ep_other, ObjectType::Endpoint);
    KT_NEW(full, ObjectType::Untyped, 12);
    KT_NEW(filler, ObjectType::Frame, 0, full); // `full` has no page left
    KT_NEW(v2, ObjectType::VSpace);
    KT_NEW_MAPPED(busy, RW);
    CPtr occupied = alloc_slot();
    KT_OK(kapi::cnode_copy(env().cnode, occupied, 0, ep_other, ALL));
    uint64_t va = alloc_vaddr();
    CPtr slot = alloc_slot();
    KT_SPAWN(t, touch_fn, with(p), va, touch_write, 5);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x73);

    KT_EXPECT_ERR(kapi::fault_reply_map_new(slot, va, RW, alloc_slot()), Error::InvalidCapability);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::fault_reply_map_new(slot, va, RW, ep_other), Error::WrongType);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::fault_reply_map_new(slot, va, RW, full), Error::NoMemory);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::fault_reply_map_new(slot, va, RW, v2), Error::WrongType);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::fault_reply_map_new(occupied, va, RW, u), Error::Busy);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_FAILS(kapi::fault_reply_map_new(1ull << 40, va, RW, u)); // no such slot
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::fault_reply_map_new(slot, 0xffffffff80000000ull, RW, u), Error::OutOfRange);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::fault_reply_map_new(slot, va + 0x10, RW, u), Error::OutOfRange);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::fault_reply_map_new(slot, busy.vaddr, RW, u), Error::AlreadyMapped);
    KT_STILL_BLOCKED(t, 1);
    // Three words are a Map's length, not a MapNew's.
    KT_EXPECT_ERR(kapi::reply(MessageInfo(uint32_t(ipc::FaultReply::MapNew), 3), slot, va, RW),
                  Error::InvalidArgument);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_EMPTY(slot);
    KT_EQ(free_bytes(u), 4096);
    KT_EXPECT_TYPE(occupied, ObjectType::Endpoint);
    // The reply cap is still good, and a good MapNew resumes the thread.
    KT_OK(kapi::fault_reply_map_new(slot, va, RW, u));
    KT_TRUE(wait_finished(*t));
    KT_EQ(t->out[0], 5);
    KT_EQ(free_bytes(u), 0);
    (void)filler;
}

KTEST(fault_map_new_through_a_saved_reply)
{
    // Send on a saved Reply cap takes the general path, not the fast path.
    KT_PAGER(p, 0x77, 0x78);
    KT_DIRTY_UNTYPED(u);
    uint64_t va = alloc_vaddr();
    CPtr slot = alloc_slot();
    KT_SPAWN(t, touch_fn, with(p), va, touch_read, 0);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x77);
    CPtr saved = alloc_slot();
    KT_OK(kapi::cnode_save_caller(root(), saved));
    KT_EXPECT_ERR(kapi::fault_send_map_new(saved, slot, va, R, alloc_slot()), Error::InvalidCapability);
    KT_EXPECT_TYPE(saved, ObjectType::Reply);
    KT_EXPECT_EMPTY(slot);
    KT_OK(kapi::fault_send_map_new(saved, slot, va, R, u));
    KT_TRUE(wait_finished(*t));
    KT_EQ(t->out[0], 0); // read from the new frame: zero, not the pattern
    KT_EXPECT_EMPTY(saved);
    auto d = kapi::frame_describe(slot);
    KT_OK(d);
    KT_EQ(d.value().mapped, 1);
    KT_OK(kapi::vspace_unmap(env().vspace, slot));
}

KTEST(fault_map_new_makes_page_tables)
{
    // A thread in a VSpace of its own writes 0x300000, where no page table
    // exists yet: the mapping takes tables from that VSpace's pool.
    KT_PAGER(p, 0x79, 0x7a);
    KT_STORE_PROGRAM(o, p);
    KT_DIRTY_UNTYPED(u);
    KT_SPAWN(t, nullptr, o);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x79);
    KT_EQ(r.words[0], 0x300000);
    CPtr slot = alloc_slot();
    KT_OK(kapi::fault_reply_map_new(slot, 0x300000, RW, u));
    KT_RECV_FAULT(r2, p.ep, ipc::FaultLabel::Exception, 0x79);
    KT_EQ(r2.words[0], 6); // the ud2 after the store: the store went through
    auto d = kapi::frame_describe(slot);
    KT_OK(d);
    KT_EQ(d.value().mapped, 1);
    KT_EQ(d.value().vaddr, 0x300000);
    // Look at the page through a copy mapped here: the store, then zeros.
    KT_COPY(view, slot, R);
    uint64_t va = alloc_vaddr();
    KT_OK(kapi::vspace_map(env().vspace, view, va, R));
    auto* words = reinterpret_cast<volatile uint64_t*>(va);
    KT_EQ(words[0], 0x1234);
    for (unsigned i = 1; i < 512; ++i)
        KT_CHECK(words[i] == 0, "word {} of the new frame is {:x}", i, uint64_t(words[i]));
    KT_OK(kapi::fault_reply_kill(0x7a));
    KT_EXPECT_EXIT(p.supervisor, ipc::ExitCause::Killed, 0x7a, 0x7a);
    (void)t;
}

KTEST(fault_map_refused_in_reply_recv_does_not_receive)
{
    // The pager's path: ReplyRecv (the fast path when it can). A refused
    // Map or MapNew comes back at once with the error and receives nothing;
    // if it received, this would block, as nobody sends on p.ep.
    KT_PAGER(p, 0x7b, 0x7c);
    KT_NEW(full, ObjectType::Untyped, 12);
    KT_NEW(filler, ObjectType::Frame, 0, full);
    uint64_t va = alloc_vaddr();
    CPtr slot = alloc_slot();
    KT_SPAWN(t, touch_fn, with(p), va, touch_write, 8);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x7b);
    SyscallResult refused
        = kapi::reply_recv(p.ep, MessageInfo(uint32_t(ipc::FaultReply::MapNew), 4), slot, va, RW, full);
    KT_EQ(uint64_t(refused.error), uint64_t(Error::NoMemory));
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_EMPTY(slot);
    refused = kapi::reply_recv(p.ep, MessageInfo(uint32_t(ipc::FaultReply::Map), 3), alloc_slot(), va, RW);
    KT_EQ(uint64_t(refused.error), uint64_t(Error::InvalidCapability));
    KT_STILL_BLOCKED(t, 1);
    // The reply cap is still there: Kill answers the fault.
    KT_OK(kapi::fault_reply_kill(0x7c));
    KT_EXPECT_EXIT(p.supervisor, ipc::ExitCause::Killed, 0x7c, 0x7c);
    (void)filler;
}
