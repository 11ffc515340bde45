// The IPC fast path (kernel/ipc/fastpath.h): Call and ReplyRecv between two
// VSpaces, fault delivery and the Map reply through ReplyRecv, a reply to a
// caller that died, and messages the fast path must leave to the general
// path. The kernel only takes the fast path when the thread it hands over to
// is what the scheduler would pick anyway, so these cases park the watchdog
// (which otherwise is always ready at the suite's priority) below the suite.
// Under `fastpath=off` (the ktest-slowpath run) the same cases check the
// general path gives the same answers.
#include "ktest.h"

using namespace ktest;

namespace {

constexpr uint64_t foreign_code = 0x400000, foreign_data = 0x300000;
constexpr uint32_t map_label = uint32_t(ipc::FaultReply::Map);

uint64_t encode(Error e) { return uint64_t(e) + 1; }

// Parks the watchdog below the suite for the case's lifetime.
struct ParkedWatchdog {
    explicit ParkedWatchdog(uint64_t below = 1) { park_watchdog(env().priority - below); }
    ~ParkedWatchdog() { park_watchdog(env().priority); }
    ParkedWatchdog(const ParkedWatchdog&) = delete;
    ParkedWatchdog& operator=(const ParkedWatchdog&) = delete;
};

// The echo server (stubs.S) in a VSpace of its own, serving `endpoint`.
struct EchoServer {
    CPtr vspace { 0 };
    MappedFrame data;
    Thread* thread { nullptr };
};

EchoServer start_echo_server_at(const char* file, int line, CPtr endpoint)
{
    EchoServer s;
    s.vspace = make_object_at(file, line, ObjectType::VSpace);
    CPtr pool_parent = failed() ? 0 : make_object_at(file, line, ObjectType::Untyped, 16);
    CPtr pool = failed() ? 0 : make_object_at(file, line, ObjectType::Untyped, 15, pool_parent);
    if (failed())
        return s;
    if (Error e = kapi::vspace_bind_pool(s.vspace, pool); e != Error::None) {
        fail_at(file, line, "bind pool: {}", ename(e));
        return s;
    }
    MappedFrame code = map_new_frame_at(file, line, RW);
    s.data = failed() ? MappedFrame {} : map_new_frame_at(file, line, RW);
    if (failed())
        return s;
    for (char* p = ktest_echo_server; p < ktest_echo_server_end; ++p)
        code.bytes()[p - ktest_echo_server] = uint8_t(*p);
    s.data.words()[0] = endpoint;
    CPtr code_x = derive_at(file, line, code.cap, R | X, ~0ull);
    CPtr data_copy = failed() ? 0 : derive_at(file, line, s.data.cap, RW, ~0ull);
    if (failed())
        return s;
    if (Error e = kapi::vspace_map(s.vspace, code_x, foreign_code, R | X); e != Error::None) {
        fail_at(file, line, "map code: {}", ename(e));
        return s;
    }
    if (Error e = kapi::vspace_map(s.vspace, data_copy, foreign_data, RW); e != Error::None) {
        fail_at(file, line, "map data: {}", ename(e));
        return s;
    }
    ThreadOptions o;
    o.vspace = s.vspace;
    o.rip = foreign_code;
    o.rsp = 0x7fff0000; // never used: the server has no stack
    o.ipc_buffer = false;
    s.thread = spawn_at(file, line, nullptr, o);
    return s;
}
#define KT_ECHO_SERVER(var, endpoint)                                                                        \
    EchoServer var = start_echo_server_at(__FILE__, __LINE__, endpoint);                                     \
    if (ktest::failed())                                                                                     \
    return

// A pager: receives page faults on arg[0] and answers each with ReplyRecv
// Map of frame arg[1] + i at the faulting page. The first answer is tried
// with the empty slot arg[2] first, which must fail at once without
// receiving. out[0]: error+1 of what ended the loop; out[1]: the failed
// Map's error; out[2]: the badge; out[8 + i]: fault address i.
void pager_fn(Thread& t)
{
    SyscallResult r = kapi::recv(t.arg[0]);
    for (uint64_t i = 0;; ++i) {
        if (!r.ok() || r.info.label() != uint32_t(ipc::FaultLabel::PageFault) || i >= 16) {
            store(t.out[0], encode(r.error));
            return;
        }
        t.out[2] = r.badge;
        t.out[8 + i] = r.words[0];
        uint64_t page = r.words[0] & ~uint64_t(0xfff);
        if (i == 0) {
            SyscallResult bad = kapi::reply_recv(t.arg[0], MessageInfo(map_label, 3), t.arg[2], page, RW);
            t.out[1] = encode(bad.error);
        }
        r = kapi::reply_recv(t.arg[0], MessageInfo(map_label, 3), t.arg[1] + i, page, RW);
    }
}

// Writes i + 1 into each of arg[1] pages from arg[0], then Sends to arg[2].
void toucher_fn(Thread& t)
{
    for (uint64_t i = 0; i < t.arg[1]; ++i)
        *reinterpret_cast<volatile uint64_t*>(t.arg[0] + i * ipc::page_size + 8) = i + 1;
    kapi::send(t.arg[2], MessageInfo(0x70, 0));
}

// Receives one Call on arg[0], waits for a signal on arg[1], then answers it
// with ReplyRecv (label 0x92, w0 + 1) and answers the next Call with Reply.
// out[0]: error+1 of the second receive, out[1]: its w0.
void slow_server_fn(Thread& t)
{
    SyscallResult r = kapi::recv(t.arg[0]);
    store(t.progress, 1);
    kapi::wait(t.arg[1]);
    SyscallResult next = kapi::reply_recv(t.arg[0], MessageInfo(0x92, 1), r.words[0] + 1);
    t.out[1] = next.words[0];
    store(t.out[0], encode(next.error));
    kapi::reply(MessageInfo(0x92, 1), next.words[0] + 1);
}

void caller_fn(Thread& t)
{
    store(t.progress, 1);
    kapi::call(t.arg[0], MessageInfo(1, 1), 5);
    store(t.progress, 2); // never: the caller is deleted while it waits
}

// Serves Calls on arg[0] forever, answering each with the progress of the
// thread arg[1] points at (its Thread*), so the caller sees who ran first.
void progress_server_fn(Thread& t)
{
    SyscallResult r = kapi::recv(t.arg[0]);
    for (;;) {
        uint64_t other = load(reinterpret_cast<Thread*>(t.arg[1])->progress);
        r = kapi::reply_recv(t.arg[0], MessageInfo(0x93, 1), other);
    }
}

// Marks that it ran, then blocks for good on arg[0].
void mark_and_block_fn(Thread& t)
{
    store(t.progress, 1);
    kapi::recv(t.arg[0]);
}

} // namespace

KTEST(fastpath_call_reply_recv_across_vspaces)
{
    ParkedWatchdog parked;
    KT_NEW(ep, ObjectType::Endpoint);
    KT_MINT(client, ep, W, 0xbad9e);
    KT_ECHO_SERVER(server, ep);
    for (uint64_t i = 0; i < 40; ++i) {
        SyscallResult r = kapi::call(client, MessageInfo(0x17, 4), i * 3, 0, 0x1111 * i, ~i);
        KT_OK(r);
        KT_EQ(r.info.label(), 0x91);
        KT_EQ(r.info.length(), 4);
        KT_EQ(r.info.extra_caps(), 0);
        KT_EQ(r.badge, 0);
        KT_EQ(r.words[0], i * 3 + 1);
        KT_EQ(r.words[1], 0xbad9e);
        KT_EQ(r.words[2], 0x1111 * i);
        KT_EQ(r.words[3], ~i);
    }
    KT_EQ(server.data.words()[1], 40);
}

KTEST(fastpath_ineligible_messages_fall_back)
{
    ParkedWatchdog parked;
    KT_NEW(ep, ObjectType::Endpoint);
    KT_MINT(client, ep, W | G, 0x5ca1e);
    KT_ECHO_SERVER(server, ep);
    // Five words: the fifth travels in the IPC buffer, and the server has
    // none, so it receives four.
    SyscallResult r = kapi::call(client, MessageInfo(0x18, 5), 10, 11, 12, 13);
    KT_OK(r);
    KT_EQ(r.info.label(), 0x91);
    KT_EQ(r.words[0], 11);
    KT_EQ(r.words[1], 0x5ca1e);
    // An extra cap: the server has no IPC buffer to receive it into.
    kapi::ipc_buffer()->caps[0] = ep;
    r = kapi::call(client, MessageInfo(0x19, 1, 1), 20);
    KT_OK(r);
    KT_EQ(r.info.label(), 0x91);
    KT_EQ(r.words[0], 21);
    KT_EQ(r.info.extra_caps(), 0);
    kapi::ipc_buffer()->caps[0] = 0;
    // A Call without write right fails before any IPC.
    KT_MINT(read_only, ep, R, 1);
    KT_EXPECT_ERR(kapi::call(read_only, MessageInfo(0x1a, 1), 30), Error::InsufficientRights);
    // A Call on an empty slot.
    KT_EXPECT_ERR(kapi::call(alloc_slot(), MessageInfo(0x1a, 1), 30), Error::InvalidCapability);
    // The server still serves.
    r = kapi::call(client, MessageInfo(0x1b, 1), 40);
    KT_OK(r);
    KT_EQ(r.words[0], 41);
    KT_EQ(server.data.words()[1], 3);
}

KTEST(fastpath_fault_map_through_reply_recv)
{
    ParkedWatchdog parked;
    constexpr unsigned pages = 4;
    KT_NEW(ep, ObjectType::Endpoint);
    KT_MINT(fault_cap, ep, ALL, 0xfa17);
    KT_NEW(done, ObjectType::Endpoint);
    CPtr frames = alloc_slots(pages);
    KT_OK(kapi::untyped_retype(env().case_untyped, ObjectType::Frame, 0, 0, frames, pages));
    uint64_t va = alloc_vaddr(pages);
    KT_SPAWN(pager, pager_fn, ThreadOptions {}, ep, frames, alloc_slot());
    ThreadOptions o;
    o.fault_endpoint = fault_cap;
    KT_SPAWN(t, toucher_fn, o, va, pages, done);
    // Block (rather than poll) so that the faults meet a waiting pager and
    // nothing else is ready: the pager runs first, then the toucher.
    SyscallResult r = kapi::recv(done);
    KT_OK(r);
    KT_EQ(r.info.label(), 0x70);
    KT_EQ(load(pager->out[0]), 0); // still serving
    KT_EQ(pager->out[1], encode(Error::InvalidCapability));
    KT_EQ(pager->out[2], 0xfa17);
    for (uint64_t i = 0; i < pages; ++i) {
        KT_EQ(pager->out[8 + i], va + i * ipc::page_size + 8);
        KT_EQ(*reinterpret_cast<volatile uint64_t*>(va + i * ipc::page_size + 8), i + 1);
    }
    auto d = kapi::frame_describe(frames + pages - 1);
    KT_OK(d);
    KT_EQ(d.value().vaddr, va + (pages - 1) * ipc::page_size);
}

KTEST(fastpath_reply_to_dead_caller)
{
    ParkedWatchdog parked;
    KT_NEW(ep, ObjectType::Endpoint);
    KT_NEW(go, ObjectType::Notification);
    KT_SPAWN(server, slow_server_fn, ThreadOptions {}, ep, go);
    KT_SPAWN(caller, caller_fn, ThreadOptions {}, ep);
    KT_CHECK(wait_until([&] { return load(server->progress) >= 1; }), "the server never received the call");
    KT_EQ(load(caller->progress), 1);
    // The caller dies while the server holds its Reply cap: the ReplyRecv
    // then has nobody to answer and only receives, here the suite's Call.
    KT_OK(kapi::cnode_delete(root(), caller->tcb));
    caller->tcb = 0;
    KT_OK(kapi::send(go, MessageInfo(0, 0)));
    SyscallResult r = kapi::call(ep, MessageInfo(0x33, 1), 70);
    KT_OK(r);
    KT_EQ(r.info.label(), 0x92);
    KT_EQ(r.words[0], 71);
    KT_EQ(load(server->out[0]), encode(Error::None));
    KT_EQ(server->out[1], 70);
}

// The fast path must not hand the CPU to a receiver the scheduler would not
// pick: here a lower-priority server, while another thread is ready at the
// caller's priority, or ahead of the server at the server's own priority.
// That thread must run first, which the server reports.
KTEST(fastpath_respects_priorities)
{
    ParkedWatchdog parked(2);
    uint64_t p = env().priority;
    KT_NEW(ep, ObjectType::Endpoint);
    KT_NEW(never, ObjectType::Endpoint);
    ThreadOptions low;
    low.priority = p - 1;
    ThreadOptions same;
    same.priority = p;
    Thread* server = spawn_at(__FILE__, __LINE__, progress_server_fn, low, ep, 0);
    if (failed())
        return;
    server->arg[1] = reinterpret_cast<uint64_t>(server); // until there is another thread to watch
    // The first Call waits for the server to reach its Recv.
    KT_OK(kapi::call(ep, MessageInfo(1, 0)));

    // Another thread ready at the caller's priority runs before the server.
    KT_SPAWN(peer, mark_and_block_fn, same, never);
    server->arg[1] = reinterpret_cast<uint64_t>(peer);
    SyscallResult r = kapi::call(ep, MessageInfo(2, 0));
    KT_OK(r);
    KT_EQ(r.info.label(), 0x93);
    KT_EQ(r.words[0], 1);

    // A thread ready at the server's priority, queued before it, runs first.
    KT_SPAWN(rival, mark_and_block_fn, low, never);
    server->arg[1] = reinterpret_cast<uint64_t>(rival);
    r = kapi::call(ep, MessageInfo(3, 0));
    KT_OK(r);
    KT_EQ(r.words[0], 1);
}
