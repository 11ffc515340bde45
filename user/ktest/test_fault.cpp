// Faults are IPC: a small pager in the suite answers page faults with Map or
// Kill; exceptions; supervisors; and fault handlers that misbehave.
#include "fault_pager.h"
#include "ktest.h"

using namespace ktest;

namespace {

// A fault handler thread: receives one fault on arg[0], records it, then
// blocks forever on arg[1] holding the fault's reply capability.
void hold_fault_fn(Thread& t)
{
    SyscallResult r = kapi::recv(t.arg[0]);
    t.out[1] = r.info.label();
    t.out[2] = r.words[0];
    store(t.out[0], uint64_t(r.error) + 1);
    kapi::recv(t.arg[1]);
    store(t.out[3], 1);
}

} // namespace

KTEST(fault_page_fault_map_resumes)
{
    KT_PAGER(p, 0x55, 0x5e);
    KT_NEW(f, ObjectType::Frame);
    uint64_t va = alloc_vaddr();
    KT_SPAWN(t, touch_fn, with(p), va + 0x18, touch_write, 0xc0ffee);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x55);
    KT_EQ(r.words[0], va + 0x18);
    KT_CHECK(in_text(r.words[1]), "fault ip {:x} is not in the text", r.words[1]);
    KT_CHECK(r.words[2] > t->stack_base && r.words[2] <= t->stack_top,
             "fault sp {:x} not on the thread's stack", r.words[2]);
    KT_EQ(r.words[3], access_write | access_user);
    KT_EQ(load(t->progress), 1);
    KT_OK(kapi::fault_reply_map(f, va, RW));
    KT_CHECK(wait_finished(*t), "the thread did not resume after Map");
    KT_EQ(t->out[0], 0xc0ffee);
    KT_EQ(*reinterpret_cast<volatile uint64_t*>(va + 0x18), 0xc0ffee); // same VSpace: the suite sees it
    auto d = kapi::frame_describe(f);
    KT_OK(d);
    KT_EQ(d.value().mapped, 1);
    KT_EQ(d.value().vaddr, va);
    KT_EXPECT_ERR(kapi::nb_recv(p.supervisor), Error::WouldBlock); // nobody died
}

KTEST(fault_read_then_write_access_bits)
{
    KT_PAGER(p, 0x56, 0);
    KT_NEW(f, ObjectType::Frame);
    uint64_t va = alloc_vaddr();
    KT_SPAWN(t, touch_fn, with(p), va, touch_read_then_write, 3);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x56);
    KT_EQ(r.words[0], va);
    KT_EQ(r.words[3], access_user); // a read of a page that is not there
    // Map it read-only: the read completes, the write faults again (present now).
    KT_OK(kapi::fault_reply_map(f, va, R));
    KT_RECV_FAULT(r2, p.ep, ipc::FaultLabel::PageFault, 0x56);
    KT_EQ(r2.words[0], va);
    KT_EQ(r2.words[3], access_present | access_write | access_user);
    KT_EQ(load(t->progress), 3);
    KT_OK(kapi::fault_reply_kill(1));
}

KTEST(fault_kill_reports_to_supervisor)
{
    KT_PAGER(p, 0x57, 0x5e);
    uint64_t va = alloc_vaddr();
    auto s0 = stats();
    KT_SPAWN(t, touch_fn, with(p), va + 8, touch_read);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x57);
    uint64_t ip = r.words[1];
    KT_OK(kapi::fault_reply_kill(0xdead));
    SyscallResult x = recv_timeout(p.supervisor, 300);
    KT_OK(x);
    KT_EQ(x.info.label(), ipc::thread_exit_label);
    KT_EQ(x.words[0], uint64_t(ipc::ExitCause::Killed));
    KT_EQ(x.words[1], 0xdead);
    KT_EQ(x.words[2], va + 8);
    KT_EQ(x.words[3], ip);
    KT_EQ(x.badge, 0x5e);
    settle();
    KT_EQ(load(t->progress), 1);
    KT_CHECK(stats().threads_live <= s0.threads_live + 1,
             "threads_live grew by more than the one dead thread");
    // The reply cap was consumed by Kill.
    KT_EXPECT_ERR(kapi::fault_reply_kill(1), Error::InvalidCapability);
}

KTEST(fault_no_handler_reports_no_fault_handler)
{
    KT_PAGER(p, 0, 0x60);
    uint64_t va = alloc_vaddr();
    KT_SPAWN(t, touch_fn, with(p, false), va, touch_write, 1);
    SyscallResult x = recv_timeout(p.supervisor, 300);
    KT_OK(x);
    KT_EQ(x.info.label(), ipc::thread_exit_label);
    KT_EQ(x.words[0], uint64_t(ipc::ExitCause::NoFaultHandler));
    KT_EQ(x.words[1], 14); // #PF
    KT_EQ(x.words[2], va);
    KT_CHECK(in_text(x.words[3]), "exit ip {:x} not in the text", x.words[3]);
    KT_EQ(x.badge, 0x60);
    KT_EXPECT_ERR(kapi::nb_recv(p.ep), Error::WouldBlock); // nothing went to the (unset) fault endpoint
    KT_EQ(load(t->progress), 1);
}

KTEST(fault_no_handler_exception)
{
    KT_PAGER(p, 0, 0x61);
    ThreadOptions o = with(p, false);
    o.rip = reinterpret_cast<uint64_t>(&ktest_fault_ud2);
    KT_SPAWN(t, nullptr, o);
    KT_EXPECT_EXIT(p.supervisor, ipc::ExitCause::NoFaultHandler, 6, 0x61);
    (void)t;
}

namespace {

struct ExceptionCase {
    const char* name;
    uint64_t rip;
    uint64_t vector;
    uint64_t expected_ip;
};

void run_exception_at(const char* file, int line, const ExceptionCase& c, bool allow_gp_instead = false)
{
    Pager p = make_pager_at(file, line, 0x66, 0x67);
    if (failed())
        return;
    ThreadOptions o = with(p);
    o.rip = c.rip;
    Thread* t = spawn_at(file, line, nullptr, o);
    if (failed())
        return;
    SyscallResult r = recv_timeout(p.ep, 300);
    if (!r.ok()) {
        fail_at(file, line, "{}: expected an Exception message, got {}", c.name, ename(r.error));
        return;
    }
    if (r.info.label() != uint32_t(ipc::FaultLabel::Exception)) {
        fail_at(file, line, "{}: expected label Exception, got {:x} (w0 {:x} w1 {:x})", c.name,
                r.info.label(), r.words[0], r.words[1]);
        return;
    }
    bool gp = allow_gp_instead && r.words[0] == 13;
    if (r.words[0] != c.vector && !gp) {
        fail_at(file, line, "{}: expected vector {}, got {}", c.name, c.vector, r.words[0]);
        return;
    }
    if (!gp && r.words[1] != c.expected_ip) {
        fail_at(file, line, "{}: expected ip {:x}, got {:x}", c.name, c.expected_ip, r.words[1]);
        return;
    }
    if (r.words[2] != t->stack_top - 8) {
        fail_at(file, line, "{}: expected sp {:x}, got {:x}", c.name, t->stack_top - 8, r.words[2]);
        return;
    }
    if (r.badge != 0x66) {
        fail_at(file, line, "{}: expected badge 0x66, got {:x}", c.name, r.badge);
        return;
    }
    if (Error e = kapi::fault_reply_kill(c.vector).error; e != Error::None) {
        fail_at(file, line, "{}: Kill: {}", c.name, ename(e));
        return;
    }
    expect_thread_exit_at(file, line, p.supervisor, ipc::ExitCause::Killed, c.vector, 0x67);
}

} // namespace

KTEST(fault_exception_ud)
{
    uint64_t ud = reinterpret_cast<uint64_t>(&ktest_fault_ud2);
    run_exception_at(__FILE__, __LINE__, { "#UD", ud, 6, ud });
}

KTEST(fault_exception_gp_privileged)
{
    uint64_t gp = reinterpret_cast<uint64_t>(&ktest_fault_gp);
    run_exception_at(__FILE__, __LINE__, { "#GP (hlt)", gp, 13, gp });
}

KTEST(fault_exception_gp_noncanonical)
{
    uint64_t gp = reinterpret_cast<uint64_t>(&ktest_fault_gp_noncanonical);
    run_exception_at(__FILE__, __LINE__, { "#GP (non-canonical)", gp, 13, gp + 10 });
}

KTEST(fault_exception_de)
{
    run_exception_at(__FILE__, __LINE__,
                     { "#DE", reinterpret_cast<uint64_t>(&ktest_fault_div0), 0,
                       reinterpret_cast<uint64_t>(&ktest_fault_div0_insn) });
}

// The kernel zeroes every Retype with SSE stores; it must hand user mode
// back with x87 and SSE still locked out, so a Retype comes first.
KTEST(fault_exception_sse_is_nm)
{
    KT_NEW(frame, ObjectType::Frame, 0);
    (void)frame;
    uint64_t sse = reinterpret_cast<uint64_t>(&ktest_fault_sse);
    run_exception_at(__FILE__, __LINE__, { "#NM (pxor)", sse, 7, sse });
}

KTEST(fault_exception_x87_is_nm)
{
    KT_NEW(frame, ObjectType::Frame, 0);
    (void)frame;
    uint64_t x87 = reinterpret_cast<uint64_t>(&ktest_fault_x87);
    run_exception_at(__FILE__, __LINE__, { "#NM (fld1)", x87, 7, x87 });
}

KTEST(fault_exception_int3)
{
    // int3 is #BP (a trap: ip after it), or #GP if the kernel's IDT gate is ring-0 only.
    run_exception_at(__FILE__, __LINE__,
                     { "#BP", reinterpret_cast<uint64_t>(&ktest_fault_int3), 3,
                       reinterpret_cast<uint64_t>(&ktest_fault_int3_after) },
                     true);
}

KTEST(fault_exception_error_code)
{
    // #GP from a bad segment load carries the selector as its error code.
    KT_PAGER(p, 0x68, 0x69);
    KT_NEW_MAPPED(code, RW);
    // mov $0x2b, %eax ; mov %eax, %ds  -> selector 0x28|3 is the user code segment or beyond: #GP(sel)
    // Use a selector far past the GDT instead: 0xfff8 | 3.
    const uint8_t bytes[] = { 0xb8, 0xfb, 0xff, 0x00, 0x00, 0x8e, 0xd8, 0x0f, 0x0b };
    for (unsigned i = 0; i < sizeof(bytes); ++i)
        code.bytes()[i] = bytes[i];
    KT_COPY(cx, code.cap, R | X);
    uint64_t xva = alloc_vaddr();
    KT_OK(kapi::vspace_map(vs(), cx, xva, R | X));
    ThreadOptions o = with(p);
    o.rip = xva;
    KT_SPAWN(t, nullptr, o);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::Exception, 0x68);
    KT_EQ(r.words[0], 13);
    KT_EQ(r.words[1], xva + 5);
    KT_EQ(r.words[3], 0xfff8);
    KT_OK(kapi::fault_reply_kill(1));
    (void)t;
}

KTEST(fault_pager_foreign_vspace)
{
    // A thread in its own VSpace runs code the suite wrote into a frame:
    //   movq $0x1234, 0x300000 ; ud2
    // Its write faults; the suite maps a frame it also sees; the ud2 ends it.
    KT_PAGER(p, 0x31, 0x32);
    KT_STORE_PROGRAM(o, p);
    KT_NEW_MAPPED(data, RW);
    KT_COPY(data2, data.cap, RW);
    KT_SPAWN(t, nullptr, o);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x31);
    KT_EQ(r.words[0], 0x300000);
    KT_EQ(r.words[1], 0x400000);
    KT_EQ(r.words[2], 0x7fff0000);
    KT_EQ(r.words[3], access_write | access_user);
    KT_EQ(data.words()[0], 0);
    KT_OK(kapi::fault_reply_map(data2, 0x300000, RW));
    KT_RECV_FAULT(r2, p.ep, ipc::FaultLabel::Exception, 0x31);
    KT_EQ(r2.words[0], 6);
    KT_EQ(r2.words[1], 0x40000c);
    KT_EQ(data.words()[0], 0x1234); // written through the other VSpace
    KT_OK(kapi::fault_reply_kill(0x99));
    KT_EXPECT_EXIT(p.supervisor, ipc::ExitCause::Killed, 0x99, 0x32);
    (void)t;
}

KTEST(fault_instruction_fetch_unmapped)
{
    KT_PAGER(p, 0x33, 0x34);
    KT_NEW(v2, ObjectType::VSpace);
    ThreadOptions o = with(p);
    o.vspace = v2;
    o.rip = 0x200000;
    o.rsp = 0x7fff0000;
    o.ipc_buffer = false;
    KT_SPAWN(t, nullptr, o);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x33);
    KT_EQ(r.words[0], 0x200000);
    KT_EQ(r.words[1], 0x200000);
    KT_EQ(r.words[3], access_user | access_execute);
    KT_OK(kapi::fault_reply_kill(5));
    KT_EXPECT_EXIT(p.supervisor, ipc::ExitCause::Killed, 5, 0x34);
    (void)t;
}

// --- misbehaving fault handlers -------------------------------------------------

KTEST(fault_handler_never_replies_then_suspend)
{
    KT_PAGER(p, 0x40, 0x41);
    uint64_t va = alloc_vaddr();
    KT_NEW(f, ObjectType::Frame);
    KT_SPAWN(t, touch_fn, with(p), va, touch_write, 1);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x40);
    // The handler sits on it; the thread is suspended: the reply cap goes away.
    KT_OK(kapi::tcb_suspend(t->tcb));
    KT_EXPECT_ERR(kapi::fault_reply_map(f, va, RW), Error::InvalidCapability);
    auto d = kapi::frame_describe(f);
    KT_OK(d);
    KT_EQ(d.value().mapped, 0);
    // Resumed, it runs the faulting instruction again and faults again.
    KT_OK(kapi::tcb_resume(t->tcb));
    KT_RECV_FAULT(r2, p.ep, ipc::FaultLabel::PageFault, 0x40);
    KT_EQ(r2.words[0], va);
    // Same with a saved reply cap.
    CPtr saved = alloc_slot();
    KT_OK(kapi::cnode_save_caller(root(), saved));
    KT_OK(kapi::tcb_suspend(t->tcb));
    KT_EXPECT_EMPTY(saved);
    KT_EXPECT_ERR(kapi::fault_send_map(saved, f, va, RW), Error::InvalidCapability);
    KT_EQ(load(t->progress), 1);
}

KTEST(fault_handler_replies_twice)
{
    KT_PAGER(p, 0x42, 0x43);
    KT_NEW(f, ObjectType::Frame);
    KT_NEW(g, ObjectType::Frame);
    uint64_t va = alloc_vaddr();
    KT_SPAWN(t, touch_fn, with(p), va, touch_write, 7);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x42);
    KT_OK(kapi::fault_reply_map(f, va, RW));
    KT_EXPECT_ERR(kapi::fault_reply_map(g, va, RW), Error::InvalidCapability);
    KT_EXPECT_ERR(kapi::fault_reply_kill(1), Error::InvalidCapability);
    KT_TRUE(wait_finished(*t));
    auto d = kapi::frame_describe(g);
    KT_OK(d);
    KT_EQ(d.value().mapped, 0);
    KT_EXPECT_ERR(kapi::nb_recv(p.supervisor), Error::WouldBlock);
}

KTEST(fault_stale_saved_reply_cap)
{
    KT_PAGER(p, 0x44, 0x45);
    KT_NEW(f, ObjectType::Frame);
    uint64_t va = alloc_vaddr();
    KT_SPAWN(t, touch_fn, with(p), va, touch_read_then_write, 9);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x44);
    CPtr saved = alloc_slot();
    KT_OK(kapi::cnode_save_caller(root(), saved));
    KT_OK(kapi::fault_send_map(saved, f, va, R));
    // The write faults again: a new reply cap; the saved one is spent.
    KT_RECV_FAULT(r2, p.ep, ipc::FaultLabel::PageFault, 0x44);
    KT_EQ(r2.words[3], access_present | access_write | access_user);
    KT_EXPECT_ERR(kapi::fault_send_kill(saved, 1), Error::InvalidCapability);
    KT_EXPECT_EMPTY(saved);
    settle();
    KT_EQ(load(t->progress), 3); // the stale reply did nothing
    KT_OK(kapi::fault_reply_kill(2));
    KT_EXPECT_EXIT(p.supervisor, ipc::ExitCause::Killed, 2, 0x45);
}

KTEST(fault_handler_bad_map_then_kill)
{
    KT_PAGER(p, 0x46, 0x47);
    KT_NEW(f, ObjectType::Frame);
    KT_COPY(f_ro, f, R);
    KT_NEW(ep_other, ObjectType::Endpoint);
    KT_NEW_MAPPED(busy, RW);
    uint64_t va = alloc_vaddr();
    KT_SPAWN(t, touch_fn, with(p), va, touch_write, 1);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x46);
    // Each failed Map returns the error to the handler and leaves the thread waiting.
    KT_EXPECT_ERR(kapi::fault_reply_map(alloc_slot(), va, RW), Error::InvalidCapability);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::fault_reply_map(f_ro, va, RW), Error::InsufficientRights);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::fault_reply_map(ep_other, va, RW), Error::WrongType);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::fault_reply_map(f, 0xffffffff80000000ull, RW), Error::OutOfRange);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR2(kapi::fault_reply_map(f, va + 0x10, RW), Error::OutOfRange, Error::InvalidArgument);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::fault_reply_map(f, busy.vaddr, RW), Error::AlreadyMapped);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::fault_reply_map(busy.cap, va, RW), Error::AlreadyMapped); // the cap's one mapping
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::reply(MessageInfo(0x20ff, 1), 0), Error::InvalidArgument); // no such reply
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::reply(MessageInfo(0, 0)), Error::InvalidArgument);
    KT_STILL_BLOCKED(t, 1);
    auto d = kapi::frame_describe(f);
    KT_OK(d);
    KT_EQ(d.value().mapped, 0);
    // The reply cap is still good: Kill works.
    KT_OK(kapi::fault_reply_kill(0x4b1d));
    KT_EXPECT_EXIT(p.supervisor, ipc::ExitCause::Killed, 0x4b1d, 0x47);
}

// The kernel decodes fault replies with the codecs of <ipc/fault.h>: a reply
// of the wrong shape is refused whole (InvalidArgument) and the faulter
// keeps waiting, on the general path (Reply) and the fast path (ReplyRecv).
KTEST(fault_handler_malformed_replies_refused)
{
    KT_PAGER(p, 0x5c, 0x5d);
    KT_NEW(f, ObjectType::Frame);
    uint64_t va = alloc_vaddr();
    KT_SPAWN(t, touch_fn, with(p), va, touch_write, 0x55);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x5c);
    constexpr uint32_t map = uint32_t(ipc::FaultReply::Map), kill = uint32_t(ipc::FaultReply::Kill);
    // Map: two words or four, rights beyond the four rights, a cap attached.
    KT_EXPECT_ERR(kapi::reply(MessageInfo(map, 2), f, va), Error::InvalidArgument);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::reply(MessageInfo(map, 4), f, va, RW, 0), Error::InvalidArgument);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::reply(MessageInfo(map, 3), f, va, 0x10 | RW), Error::InvalidArgument);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::reply(MessageInfo(map, 3), f, va, 0x100 | RW), Error::InvalidArgument);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::reply(MessageInfo(map, 3, 1), f, va, RW), Error::InvalidArgument);
    KT_STILL_BLOCKED(t, 1);
    // Kill: no reason word, or one too many.
    KT_EXPECT_ERR(kapi::reply(MessageInfo(kill, 0)), Error::InvalidArgument);
    KT_STILL_BLOCKED(t, 1);
    KT_EXPECT_ERR(kapi::reply(MessageInfo(kill, 2), 1, 2), Error::InvalidArgument);
    KT_STILL_BLOCKED(t, 1);
    // An error answer (what a server says to a request) is no fault reply.
    KT_EXPECT_ERR(kapi::reply(MessageInfo(uint32_t(Error::InsufficientRights), 0)), Error::InvalidArgument);
    KT_STILL_BLOCKED(t, 1);
    // The fast path: a malformed Map in ReplyRecv is refused before the receive.
    KT_EXPECT_ERR(kapi::reply_recv(p.ep, MessageInfo(map, 3), f, va, 0x10 | RW), Error::InvalidArgument);
    KT_STILL_BLOCKED(t, 1);
    auto d = kapi::frame_describe(f);
    KT_OK(d);
    KT_EQ(d.value().mapped, 0);
    // The reply cap is still good: a well-formed Map resumes the thread.
    KT_OK(kapi::fault_reply_map(f, va, RW));
    KT_TRUE(wait_finished(*t));
    KT_EQ(t->out[0], 0x55);
}

KTEST(fault_handler_bad_map_then_good_map)
{
    KT_PAGER(p, 0x48, 0x49);
    KT_NEW(f, ObjectType::Frame);
    uint64_t va = alloc_vaddr();
    KT_SPAWN(t, touch_fn, with(p), va, touch_write, 0x77);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x48);
    CPtr saved = alloc_slot();
    KT_OK(kapi::cnode_save_caller(root(), saved));
    KT_EXPECT_ERR(kapi::fault_send_map(saved, alloc_slot(), va, RW), Error::InvalidCapability);
    KT_EXPECT_TYPE(saved, ObjectType::Reply);
    KT_OK(kapi::fault_send_map(saved, f, va, RW));
    KT_TRUE(wait_finished(*t));
    KT_EQ(t->out[0], 0x77);
}

KTEST(fault_handler_thread_deleted)
{
    KT_PAGER(p, 0x4a, 0x4b);
    KT_NEW(never, ObjectType::Endpoint);
    KT_SPAWN(handler, hold_fault_fn, ThreadOptions {}, p.ep, never);
    uint64_t va = alloc_vaddr();
    KT_SPAWN(t, touch_fn, with(p), va, touch_write, 1);
    KT_CHECK(wait_until([&] { return load(handler->out[0]) != 0; }),
             "the handler thread never got the fault");
    KT_EQ(handler->out[0], 1);
    KT_EQ(handler->out[1], uint32_t(ipc::FaultLabel::PageFault));
    KT_EQ(handler->out[2], va);
    KT_EXPECT_ERR(kapi::nb_recv(p.supervisor), Error::WouldBlock);
    // The handler dies holding the reply: the faulting thread is reported HandlerGone.
    KT_OK(kapi::cnode_delete(root(), handler->tcb));
    handler->tcb = 0;
    SyscallResult x = recv_timeout(p.supervisor, 300);
    KT_OK(x);
    KT_EQ(x.info.label(), ipc::thread_exit_label);
    KT_EQ(x.words[0], uint64_t(ipc::ExitCause::HandlerGone));
    KT_EQ(x.words[2], va);
    KT_EQ(x.badge, 0x4b);
    KT_EQ(load(t->progress), 1);
}

KTEST(fault_endpoint_deleted_while_pending)
{
    KT_PAGER(p, 0x4c, 0x4d);
    uint64_t va = alloc_vaddr();
    KT_SPAWN(t, touch_fn, with(p), va, touch_write, 1);
    KT_CHECK(wait_until([&] { return load(t->progress) == 1; }), "the thread never ran");
    settle();
    // Nobody received the fault; the fault endpoint is destroyed (all its caps).
    KT_OK(kapi::cnode_revoke(root(), p.ep));
    KT_OK(kapi::cnode_delete(root(), p.ep));
    KT_RUN(
        expect_thread_exit_at(__FILE__, __LINE__, p.supervisor, ipc::ExitCause::HandlerGone, 0, 0x4d, false));
}

KTEST(fault_vspace_deleted_while_pending)
{
    KT_PAGER(p, 0x4e, 0x4f);
    KT_NEW(v2, ObjectType::VSpace);
    KT_NEW(pool, ObjectType::Untyped, 16);
    KT_OK(kapi::vspace_bind_pool(v2, pool));
    KT_NEW(f, ObjectType::Frame);
    ThreadOptions o = with(p);
    o.vspace = v2;
    o.rip = 0x400000;
    o.rsp = 0x7fff0000;
    o.ipc_buffer = false;
    KT_SPAWN(t, nullptr, o);
    KT_RECV_FAULT(r, p.ep, ipc::FaultLabel::PageFault, 0x4e);
    KT_EQ(r.words[0], 0x400000);
    // Destroy the VSpace: revoke reaches the TCB's own reference (a child), then the original goes.
    KT_OK(kapi::cnode_revoke(root(), v2));
    KT_OK(kapi::cnode_delete(root(), v2));
    // No VSpace to map into: Map fails cleanly and the thread still waits.
    KT_EXPECT_FAILS(kapi::fault_reply_map(f, 0x400000, R | X));
    auto d = kapi::frame_describe(f);
    KT_OK(d);
    KT_EQ(d.value().mapped, 0);
    KT_EXPECT_ERR(kapi::nb_recv(p.supervisor), Error::WouldBlock);
    KT_OK(kapi::fault_reply_kill(0x7e));
    KT_EXPECT_EXIT(p.supervisor, ipc::ExitCause::Killed, 0x7e, 0x4f);
    (void)t;
}

KTEST(fault_misbehaving_handlers_leave_no_trace)
{
    // Several misbehaving-handler scenarios on objects from one sub-untyped;
    // afterwards revoke it and compare the kernel's accounting.
    auto before = stats();
    KT_NEW(u, ObjectType::Untyped, 20);
    auto mk = [&](ObjectType type, unsigned bits = 0) {
        return make_object_at(__FILE__, __LINE__, type, bits, u);
    };
    CPtr ep = mk(ObjectType::Endpoint);
    CPtr sup = mk(ObjectType::Endpoint);
    CPtr never = mk(ObjectType::Endpoint);
    CPtr f = mk(ObjectType::Frame);
    if (failed())
        return;
    ThreadOptions o;
    o.fault_endpoint = ep;
    o.supervisor = sup;
    // 1. never replies, faulting thread suspended
    uint64_t va1 = alloc_vaddr();
    KT_SPAWN(t1, touch_fn, o, va1, touch_write, 1);
    KT_RECV_FAULT(r1, ep, ipc::FaultLabel::PageFault, 0);
    KT_OK(kapi::tcb_suspend(t1->tcb));
    // 2. bad Map, then Kill
    uint64_t va2 = alloc_vaddr();
    KT_SPAWN(t2, touch_fn, o, va2, touch_write, 1);
    KT_RECV_FAULT(r2, ep, ipc::FaultLabel::PageFault, 0);
    KT_EXPECT_ERR(kapi::fault_reply_map(alloc_slot(), va2, RW), Error::InvalidCapability);
    KT_OK(kapi::fault_reply_kill(1));
    KT_EXPECT_EXIT(sup, ipc::ExitCause::Killed, 1, 0);
    // 3. a good Map into the suite's VSpace
    uint64_t va3 = alloc_vaddr();
    KT_SPAWN(t3, touch_fn, o, va3, touch_write, 1);
    KT_RECV_FAULT(r3, ep, ipc::FaultLabel::PageFault, 0);
    KT_OK(kapi::fault_reply_map(f, va3, RW));
    KT_TRUE(wait_finished(*t3));
    // 4. the handler thread dies holding a fault
    KT_SPAWN(h, hold_fault_fn, ThreadOptions {}, ep, never);
    uint64_t va4 = alloc_vaddr();
    KT_SPAWN(t4, touch_fn, o, va4, touch_write, 1);
    KT_TRUE(wait_until([&] { return load(h->out[0]) != 0; }));
    KT_OK(kapi::cnode_delete(root(), h->tcb));
    h->tcb = 0;
    KT_RUN(expect_thread_exit_at(__FILE__, __LINE__, sup, ipc::ExitCause::HandlerGone, 0, 0, false));
    // Clean up: revoke the sub-untyped (threads, endpoints, frame) and the
    // case's other objects (thread IPC buffers live in the case untyped).
    KT_OK(kapi::cnode_revoke(root(), u));
    KT_OK(kapi::cnode_delete(root(), u));
    for (Thread* t : { t1, t2, t3, h, t4 }) {
        if (t->tcb) {
            KT_OK(kapi::cnode_delete(root(), t->tcb));
            t->tcb = 0;
        }
        KT_OK(kapi::cnode_delete(root(), t->ipc_frame));
    }
    auto after = stats();
    KT_EQ(after.frames_mapped, before.frames_mapped);
    KT_EQ(after.objects_live, before.objects_live);
    KT_EQ(after.threads_live, before.threads_live);
    KT_EQ(after.untyped_free_bytes, before.untyped_free_bytes);
    (void)r1;
    (void)r2;
    (void)r3;
}
