// Edge cases the fuzzer is unlikely to reach: objects destroyed under the
// threads that use them, self-destruction, CNodes holding themselves, caps
// that must not travel, address-space ids reused.
#include "ktest.h"

using namespace ktest;

namespace {

// 1: incq 0x300000 ; jmp 1b
constexpr uint8_t counting_loop[] = { 0x48, 0xff, 0x04, 0x25, 0x00, 0x00, 0x30, 0x00, 0xeb, 0xf6 };
constexpr uint64_t foreign_code = 0x400000, foreign_data = 0x300000;

// A VSpace with its own pool, the counting loop at 0x400000 and a data page at
// 0x300000 that the suite also sees (data.words()[0] is the counter).
struct Foreign {
    CPtr vspace { 0 };
    CPtr pool_parent { 0 };
    MappedFrame code, data;
    CPtr code_x { 0 }, data_copy { 0 };
};

Foreign make_foreign_at(const char* file, int line)
{
    Foreign fo;
    fo.vspace = make_object_at(file, line, ObjectType::VSpace);
    if (failed())
        return fo;
    fo.pool_parent = make_object_at(file, line, ObjectType::Untyped, 16);
    if (failed())
        return fo;
    CPtr pool = make_object_at(file, line, ObjectType::Untyped, 15, fo.pool_parent);
    if (failed())
        return fo;
    if (Error e = kapi::vspace_bind_pool(fo.vspace, pool); e != Error::None) {
        fail_at(file, line, "bind pool: {}", ename(e));
        return fo;
    }
    fo.code = map_new_frame_at(file, line, RW);
    if (failed())
        return fo;
    for (unsigned i = 0; i < sizeof(counting_loop); ++i)
        fo.code.bytes()[i] = counting_loop[i];
    fo.data = map_new_frame_at(file, line, RW);
    if (failed())
        return fo;
    fo.code_x = derive_at(file, line, fo.code.cap, R | X, ~0ull);
    fo.data_copy = derive_at(file, line, fo.data.cap, RW, ~0ull);
    if (failed())
        return fo;
    if (Error e = kapi::vspace_map(fo.vspace, fo.code_x, foreign_code, R | X); e != Error::None)
        fail_at(file, line, "map code: {}", ename(e));
    else if (Error e2 = kapi::vspace_map(fo.vspace, fo.data_copy, foreign_data, RW); e2 != Error::None)
        fail_at(file, line, "map data: {}", ename(e2));
    return fo;
}
#define KT_FOREIGN(var)                                                                                      \
    Foreign var = make_foreign_at(__FILE__, __LINE__);                                                       \
    if (ktest::failed())                                                                                     \
    return

Thread* spawn_counter_at(const char* file, int line, const Foreign& fo, CPtr fault_endpoint, CPtr supervisor)
{
    ThreadOptions o;
    o.vspace = fo.vspace;
    o.rip = foreign_code;
    o.rsp = 0x7fff0000;
    o.ipc_buffer = false;
    o.fault_endpoint = fault_endpoint;
    o.supervisor = supervisor;
    return spawn_at(file, line, nullptr, o);
}

void delete_self_fn(Thread& t)
{
    store(t.progress, 1);
    kapi::cnode_delete(ipc::root_slot_cnode, t.arg[0]); // our own TCB: never returns
    store(t.progress, 2);
}

void revoke_self_fn(Thread& t)
{
    store(t.progress, 1);
    kapi::cnode_revoke(ipc::root_slot_cnode, t.arg[0]); // the untyped our TCB and IPC buffer came from
    store(t.progress, 2);
}

void debug_exit_fn(Thread& t)
{
    SyscallResult r = kapi::syscall(ipc::Syscall::DebugExit, 0x77, MessageInfo());
    t.out[1] = uint64_t(r.error);
    store(t.out[0], 1);
}

void recv_cap_fn(Thread& t)
{
    t.ipc->receive_slot = t.arg[1];
    store(t.started, 2);
    SyscallResult r = kapi::recv(t.arg[0]);
    t.out[1] = uint64_t(r.error);
    t.out[2] = r.info.extra_caps();
    t.out[3] = r.info.label();
    store(t.out[0], 1);
}

void call_fn(Thread& t)
{
    SyscallResult r = kapi::call(t.arg[0], MessageInfo(1, 0));
    t.out[1] = uint64_t(r.error);
    store(t.out[0], 1);
}

} // namespace

KTEST(edge_thread_deletes_its_own_tcb)
{
    auto s0 = stats();
    ThreadOptions o;
    o.resume = false;
    KT_SPAWN(t, delete_self_fn, o);
    t->arg[0] = t->tcb;
    KT_OK(kapi::tcb_resume(t->tcb));
    KT_CHECK(wait_until([&] { return slot_empty(t->tcb); }), "the thread's TCB slot never emptied");
    settle();
    KT_CHECK(load(t->progress) == 1, "the thread ran on after deleting its own TCB (progress {})",
             load(t->progress));
    KT_EQ(stats().threads_live, s0.threads_live);
    t->tcb = 0;
    // The kernel still schedules.
    KT_NEW(ep, ObjectType::Endpoint);
    KT_EXPECT_ERR(kapi::nb_recv(ep), Error::WouldBlock);
}

KTEST(edge_thread_revokes_its_own_untyped)
{
    // The thread's TCB and IPC buffer frame come from U; the thread revokes U.
    auto s0 = stats();
    KT_NEW(u, ObjectType::Untyped, 16);
    ThreadOptions o;
    o.untyped = u;
    o.resume = false;
    KT_SPAWN(t, revoke_self_fn, o, u);
    KT_OK(kapi::tcb_resume(t->tcb));
    KT_CHECK(wait_until([&] { return slot_empty(t->tcb); }), "the thread's TCB slot never emptied");
    settle();
    KT_CHECK(load(t->progress) == 1, "the thread ran on after its TCB was revoked (progress {})",
             load(t->progress));
    auto s1 = stats();
    KT_EQ(s1.threads_live, s0.threads_live);
    KT_EQ(s1.frames_mapped, s0.frames_mapped); // its IPC buffer mapping went with the frame
    KT_EQ(s1.objects_live, s0.objects_live);
    t->tcb = 0;
}

KTEST(edge_vspace_destroyed_under_running_thread)
{
    KT_FOREIGN(fo);
    KT_NEW(sup, ObjectType::Endpoint);
    auto s0 = stats();
    Thread* t = spawn_counter_at(__FILE__, __LINE__, fo, 0, sup);
    if (failed())
        return;
    KT_CHECK(wait_until([&] { return fo.data.words()[0] > 1000; }), "the foreign thread does not count");
    // Destroy its VSpace while it runs (revoke reaches the TCB's reference).
    KT_OK(kapi::cnode_revoke(root(), fo.vspace));
    KT_OK(kapi::cnode_delete(root(), fo.vspace));
    uint64_t c = fo.data.words()[0];
    settle(20);
    KT_CHECK(fo.data.words()[0] == c, "the thread still runs after its VSpace was destroyed ({} -> {})", c,
             uint64_t(fo.data.words()[0]));
    auto d = kapi::frame_describe(fo.data_copy);
    KT_OK(d);
    KT_EQ(d.value().mapped, 0);
    KT_EQ(stats().frames_mapped, s0.frames_mapped - 2); // code and data copies were mapped there
    // The thread can be pointed at a new VSpace and run again.
    KT_FOREIGN(fo2);
    KT_OK(kapi::tcb_suspend(t->tcb));
    KT_OK(kapi::tcb_configure(t->tcb, env().cnode, fo2.vspace, 0, 0, 0, env().priority));
    kapi::Registers regs {};
    regs.rip = foreign_code;
    regs.rsp = 0x7fff0000;
    regs.rflags = 0x202;
    KT_OK(kapi::tcb_write_registers(t->tcb, regs));
    KT_OK(kapi::tcb_resume(t->tcb));
    KT_CHECK(wait_until([&] { return fo2.data.words()[0] > 1000; }),
             "the thread does not run in its new VSpace");
    KT_OK(kapi::tcb_suspend(t->tcb));
}

KTEST(edge_pool_revoked_under_running_vspace)
{
    // The page tables of a live VSpace are paid by a pool whose parent the suite revokes.
    KT_FOREIGN(fo);
    KT_NEW(ep, ObjectType::Endpoint);
    KT_NEW(sup, ObjectType::Endpoint);
    auto s0 = stats();
    Thread* t = spawn_counter_at(__FILE__, __LINE__, fo, ep, sup);
    if (failed())
        return;
    KT_CHECK(wait_until([&] { return fo.data.words()[0] > 1000; }), "the foreign thread does not count");
    KT_OK(kapi::cnode_revoke(root(), fo.pool_parent));
    uint64_t c = fo.data.words()[0];
    settle(20);
    KT_CHECK(fo.data.words()[0] == c, "the thread still counts after its page tables were freed ({} -> {})",
             c, uint64_t(fo.data.words()[0]));
    auto d = kapi::frame_describe(fo.code_x);
    KT_OK(d);
    KT_EQ(d.value().mapped, 0);
    KT_EQ(stats().frames_mapped, s0.frames_mapped - 2);
    // The thread faults on its next instruction fetch (or data access); a Kill ends it.
    SyscallResult r = recv_timeout(ep, 100);
    KT_OK(r);
    KT_EQ(r.info.label(), uint32_t(ipc::FaultLabel::PageFault));
    KT_CHECK(r.words[1] >= foreign_code && r.words[1] < foreign_code + sizeof(counting_loop),
             "fault ip {:x} is not in the loop", r.words[1]);
    KT_CHECK(r.words[0] == foreign_data || r.words[0] == r.words[1], "fault address {:x}", r.words[0]);
    KT_OK(kapi::fault_reply_kill(9));
    KT_EXPECT_EXIT(sup, ipc::ExitCause::Killed, 9, 0);
    // The freed pool memory is reused: fill it and make sure nothing else changes.
    KT_NEW(filler, ObjectType::Frame, 0, fo.pool_parent);
    KT_NEW(filler2, ObjectType::Frame, 0, fo.pool_parent);
    KT_OK(kapi::vspace_map(vs(), filler, alloc_vaddr(), RW));
    (void)filler2;
    // Mapping into the pool-less VSpace now needs a new pool.
    KT_EXPECT_ERR(kapi::vspace_map(fo.vspace, fo.code_x, foreign_code, R | X), Error::NoMemory);
    (void)t;
}

KTEST(edge_change_vspace_of_running_thread)
{
    // A thread spinning in the suite's text is moved to an empty VSpace: its next
    // instruction fetch faults at its rip.
    KT_NEW(ep, ObjectType::Endpoint);
    KT_MINT(fault_ep, ep, ALL, 0xe1);
    KT_NEW(empty, ObjectType::VSpace);
    ThreadOptions o;
    KT_SPAWN(
        t,
        [](Thread& th) {
            for (;;)
                __atomic_add_fetch(&th.progress, 1, __ATOMIC_SEQ_CST);
        },
        o);
    KT_TRUE(wait_until([&] { return load(t->progress) > 100; }));
    KT_OK(kapi::tcb_configure(t->tcb, env().cnode, empty, 0, 0, fault_ep, env().priority));
    KT_RECV_FAULT(r, ep, ipc::FaultLabel::PageFault, 0xe1);
    KT_EQ(r.words[3], ipc::FaultAccess::user | ipc::FaultAccess::execute);
    KT_EQ(r.words[0], r.words[1]);
    uint64_t p = load(t->progress);
    settle();
    KT_EQ(load(t->progress), p);
    KT_OK(kapi::fault_reply_kill(1));
}

KTEST(edge_supervisor_deleted_with_queued_notice)
{
    KT_NEW(sup, ObjectType::Endpoint);
    ThreadOptions o;
    o.supervisor = sup;
    o.rip = reinterpret_cast<uint64_t>(&ktest_fault_ud2);
    KT_SPAWN(t, nullptr, o);
    settle(20); // it dies and queues its ThreadExit on sup; nobody receives
    KT_OK(kapi::cnode_revoke(root(), sup));
    KT_OK(kapi::cnode_delete(root(), sup));
    settle();
    // The dead thread can be deleted cleanly, and reconfigured first.
    KT_NEW(sup2, ObjectType::Endpoint);
    KT_OK(kapi::tcb_set_supervisor(t->tcb, sup2));
    KT_OK(kapi::cnode_delete(root(), t->tcb));
    t->tcb = 0;
    KT_EXPECT_ERR(kapi::nb_recv(sup2), Error::WouldBlock);
}

KTEST(edge_cnode_holding_itself)
{
    auto s0 = stats();
    KT_NEW(u, ObjectType::Untyped, 14);
    KT_NEW(cn, ObjectType::CNode, 3, u);
    KT_OK(kapi::cnode_copy(cn, 1, 0, cn, ALL)); // a cap to itself inside
    KT_OK(kapi::cnode_copy(cn, 2, cn, 1, ALL)); // and a copy of that, through itself
    KT_NEW(ep, ObjectType::Endpoint, 0, u);
    KT_OK(kapi::cnode_move(cn, 3, 0, ep)); // something else inside
    KT_OK(kapi::cnode_move(cn, 4, 0, cn)); // the last outside cap moves in: unreachable now
    KT_EXPECT_EMPTY(cn);
    auto s1 = stats();
    KT_EQ(s1.objects_live, s0.objects_live + 2);
    // Revoking the untyped reaches everything and destroys the CNode exactly once.
    KT_OK(kapi::cnode_revoke(root(), u));
    auto s2 = stats();
    KT_EQ(s2.objects_live, s0.objects_live);
    KT_NEW(again, ObjectType::CNode, 3, u); // the memory is free again
    KT_OK(kapi::cnode_copy(again, 1, 0, again, ALL));
    KT_OK(kapi::cnode_delete(root(), again)); // not the last cap: it lives on inside itself
    KT_EQ(stats().objects_live, s0.objects_live + 1);
    KT_OK(kapi::cnode_revoke(root(), u));
    KT_EQ(stats().objects_live, s0.objects_live);
}

KTEST(edge_untyped_and_reply_caps_do_not_travel)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_NEW(u, ObjectType::Untyped, 12);
    CPtr landing = alloc_slot();
    KT_SPAWN(t, recv_cap_fn, ThreadOptions {}, ep, landing);
    KT_TRUE(wait_until([&] { return load(t->started) == 2; }));
    kapi::ipc_buffer()->caps[0] = u;
    SyscallResult r = kapi::send(ep, MessageInfo(0x31, 0, 1));
    kapi::ipc_buffer()->caps[0] = 0;
    KT_CHECK(r.ok() || r.error == Error::Unsupported, "send with an Untyped cap: {}", ename(r.error));
    if (r.ok()) {
        KT_TRUE(wait_until([&] { return load(t->out[0]) != 0; }));
        KT_EQ(t->out[2], 0);
    }
    KT_EXPECT_EMPTY(landing);
    // A Reply cap: the suite holds a caller's reply cap and tries to pass it on.
    KT_NEW(ep2, ObjectType::Endpoint);
    KT_SPAWN(c, call_fn, ThreadOptions {}, ep2);
    KT_OK(recv_timeout(ep2));
    CPtr reply = alloc_slot();
    KT_OK(kapi::cnode_save_caller(root(), reply));
    CPtr landing2 = alloc_slot();
    KT_SPAWN(t2, recv_cap_fn, ThreadOptions {}, ep, landing2);
    KT_TRUE(wait_until([&] { return load(t2->started) == 2; }));
    kapi::ipc_buffer()->caps[0] = reply;
    r = kapi::send(ep, MessageInfo(0x32, 0, 1));
    kapi::ipc_buffer()->caps[0] = 0;
    KT_CHECK(r.ok() || r.error == Error::Unsupported, "send with a Reply cap: {}", ename(r.error));
    KT_EXPECT_EMPTY(landing2);
    KT_EXPECT_TYPE(reply, ObjectType::Reply); // still ours, still answers
    KT_OK(kapi::send(reply, MessageInfo(2, 0)));
    KT_TRUE(wait_until([&] { return load(c->out[0]) != 0; }));
    KT_EQ(c->out[1], 0);
}

KTEST(edge_asid_reuse_does_not_revive_mappings)
{
    // A frame mapped in a VSpace that is destroyed must stay unmapped, even
    // when a new VSpace gets the same address-space id.
    KT_NEW(f, ObjectType::Frame);
    CPtr stale[8];
    for (auto& v : stale) {
        v = make_object_at(__FILE__, __LINE__, ObjectType::VSpace);
        if (failed())
            return;
    }
    KT_NEW(pool_parent, ObjectType::Untyped, 16);
    KT_NEW(pool, ObjectType::Untyped, 14, pool_parent);
    KT_OK(kapi::vspace_bind_pool(stale[0], pool));
    KT_OK(kapi::vspace_map(stale[0], f, 0x500000, RW));
    for (auto v : stale)
        KT_OK(kapi::cnode_delete(root(), v));
    auto d = kapi::frame_describe(f);
    KT_OK(d);
    KT_EQ(d.value().mapped, 0);
    // New VSpaces (the kernel may hand out the freed ids again).
    for (unsigned i = 0; i < 8; ++i) {
        KT_NEW(v, ObjectType::VSpace);
        KT_EXPECT_ERR(kapi::vspace_unmap(v, f), Error::NotMapped);
        KT_EXPECT_ERR(kapi::vspace_protect(v, f, R), Error::NotMapped);
    }
    auto d2 = kapi::frame_describe(f);
    KT_OK(d2);
    KT_EQ(d2.value().mapped, 0);
    KT_OK(kapi::vspace_map(vs(), f, alloc_vaddr(), RW));
}

KTEST(edge_debug_exit_from_other_thread_refused)
{
    // "DebugExit: ends the whole run (root task only)". If this case ends the run, that is the bug.
    KT_SPAWN(t, debug_exit_fn, ThreadOptions {});
    KT_CHECK(wait_until([&] { return load(t->out[0]) != 0; }), "the thread never returned from DebugExit");
    KT_CHECK(t->out[1] != 0, "DebugExit from a non-root thread returned success");
    KT_EQ(t->out[1], uint64_t(Error::InsufficientRights));
}
