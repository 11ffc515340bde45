// IPC: Send/Recv, Call/Reply, ReplyRecv, the non-blocking forms, long
// messages, badges, capability transfer, SaveCaller, reply-cap lifetime,
// notifications.
#include "ktest.h"

using namespace ktest;

namespace {

constexpr uint64_t not_yet = 0;
uint64_t encode(Error e) { return uint64_t(e) + 1; }
Error decode(uint64_t v) { return Error(uint32_t(v - 1)); }

// out[0] = error+1, out[1] = label, out[2] = length, out[3] = badge, out[4..7] = w0..w3, out[8] = caps
void record(Thread& t, const SyscallResult& r)
{
    t.out[1] = r.info.label();
    t.out[2] = r.info.length();
    t.out[3] = r.badge;
    for (unsigned i = 0; i < 4; ++i)
        t.out[4 + i] = r.words[i];
    t.out[8] = r.info.extra_caps();
    store(t.out[0], encode(r.error));
}

void recv_fn(Thread& t) { record(t, kapi::recv(t.arg[0])); }

void recv_twice_fn(Thread& t)
{
    SyscallResult r = kapi::recv(t.arg[0]);
    t.out[10] = r.badge;
    t.out[11] = uint64_t(r.error);
    store(t.progress, 1);
    r = kapi::recv(t.arg[0]);
    t.out[12] = r.badge;
    t.out[13] = uint64_t(r.error);
    store(t.progress, 2);
}

void send_fn(Thread& t) { record(t, kapi::send(t.arg[0], MessageInfo(uint32_t(t.arg[1]), 1), t.arg[2])); }

void call_fn(Thread& t)
{
    store(t.progress, 1);
    record(t, kapi::call(t.arg[0], MessageInfo(uint32_t(t.arg[1]), 1), t.arg[2]));
}

// Serves one Call: replies label 0x88 with w0 + 1 and the badge.
void serve_once_fn(Thread& t)
{
    SyscallResult r = kapi::recv(t.arg[0]);
    store(t.progress, 1);
    SyscallResult s = kapi::reply(MessageInfo(0x88, 2), r.words[0] + 1, r.badge);
    t.out[20] = encode(s.error);
    record(t, r);
}

// Serves Calls forever with ReplyRecv: w0 * 10.
void serve_loop_fn(Thread& t)
{
    SyscallResult r = kapi::recv(t.arg[0]);
    for (;;) {
        __atomic_add_fetch(&t.progress, 1, __ATOMIC_SEQ_CST);
        if (!r.ok()) {
            record(t, r);
            return;
        }
        r = kapi::reply_recv(t.arg[0], MessageInfo(0x90, 1), r.words[0] * 10);
    }
}

// Receives one Call and then blocks elsewhere without replying.
void receive_and_hold_fn(Thread& t)
{
    SyscallResult r = kapi::recv(t.arg[0]);
    record(t, r);
    store(t.progress, 1);
    kapi::recv(t.arg[1]); // never sent to
    store(t.progress, 2);
}

// Long messages: checks 64 words w[i] = arg[1] + i, answers with 64 words (arg[1] ^ ~i).
void long_echo_fn(Thread& t)
{
    SyscallResult r = kapi::recv(t.arg[0]);
    record(t, r);
    uint64_t bad = 0;
    for (unsigned i = 0; i < r.info.length() && i < 64; ++i) {
        if (kapi::message_word(r, i, t.ipc) != t.arg[1] + i) {
            bad = i + 1;
            break;
        }
    }
    t.out[9] = bad;
    uint64_t words[64];
    for (unsigned i = 0; i < 64; ++i)
        words[i] = t.arg[1] ^ ~uint64_t(i);
    SyscallResult s = kapi::send_message(ipc::Syscall::Reply, 0, MessageInfo(0x66, 64), words);
    t.out[20] = encode(s.error);
    store(t.progress, 1);
}

// Receives with a receive slot set.
void recv_cap_fn(Thread& t)
{
    t.ipc->receive_slot = t.arg[1];
    store(t.started, 2);
    record(t, kapi::recv(t.arg[0]));
}

void wait_fn(Thread& t) { record(t, kapi::wait(t.arg[0])); }

bool returned(Thread& t, uint64_t ticks = 200)
{
    return wait_until([&] { return load(t.out[0]) != not_yet; }, ticks);
}

} // namespace

#define KT_THREAD_RESULT(t, expected)                                                                        \
    do {                                                                                                     \
        KT_CHECK(returned(*(t)), "thread {} never returned from its IPC", (t)->index);                       \
        KT_CHECK(decode(load((t)->out[0])) == (expected), "thread {}: expected {}, got {}", (t)->index,      \
                 ename(expected), ename(decode(load((t)->out[0]))));                                         \
    } while (0)

KTEST(ipc_send_recv)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_SPAWN(t, recv_fn, ThreadOptions {}, ep);
    KT_TRUE(wait_started(*t));
    KT_OK(kapi::send(ep, MessageInfo(0x77, 4), 11, 22, 33, 44));
    KT_THREAD_RESULT(t, Error::None);
    KT_EQ(t->out[1], 0x77);
    KT_EQ(t->out[2], 4);
    KT_EQ(t->out[3], 0);
    KT_EQ(t->out[4], 11);
    KT_EQ(t->out[5], 22);
    KT_EQ(t->out[6], 33);
    KT_EQ(t->out[7], 44);
}

KTEST(ipc_send_blocks_until_received)
{
    // The sender blocks until somebody receives; the receiver gets its words.
    KT_NEW(ep, ObjectType::Endpoint);
    KT_SPAWN(t, send_fn, ThreadOptions {}, ep, 0x31, 0xabc);
    KT_TRUE(wait_started(*t));
    settle();
    KT_EQ(load(t->out[0]), not_yet);
    SyscallResult r = kapi::recv(ep);
    KT_OK(r);
    KT_EQ(r.info.label(), 0x31);
    KT_EQ(r.words[0], 0xabc);
    KT_THREAD_RESULT(t, Error::None);
}

KTEST(ipc_call_reply)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_SPAWN(t, serve_once_fn, ThreadOptions {}, ep);
    KT_TRUE(wait_started(*t));
    SyscallResult r = kapi::call(ep, MessageInfo(0x11, 1), 41);
    KT_OK(r);
    KT_EQ(r.info.label(), 0x88);
    KT_EQ(r.info.length(), 2);
    KT_EQ(r.words[0], 42);
    KT_EQ(r.words[1], 0);
    KT_THREAD_RESULT(t, Error::None);
    KT_EQ(load(t->out[20]), encode(Error::None));
    KT_EQ(t->out[1], 0x11);
}

KTEST(ipc_reply_recv_loop)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_SPAWN(t, serve_loop_fn, ThreadOptions {}, ep);
    for (uint64_t i = 1; i <= 5; ++i) {
        SyscallResult r = kapi::call(ep, MessageInfo(1, 1), i);
        KT_OK(r);
        KT_EQ(r.info.label(), 0x90);
        KT_EQ(r.words[0], i * 10);
    }
    KT_EQ(load(t->out[0]), not_yet); // still serving
}

KTEST(ipc_nbsend_would_block)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_EXPECT_ERR(kapi::nb_send(ep, MessageInfo(1, 1), 1), Error::WouldBlock);
    // Nothing was queued.
    KT_EXPECT_ERR(kapi::nb_recv(ep), Error::WouldBlock);
    // With a receiver waiting, NBSend delivers.
    KT_SPAWN(t, recv_fn, ThreadOptions {}, ep);
    KT_TRUE(wait_started(*t));
    SyscallResult r;
    KT_CHECK(wait_until([&] {
                 r = kapi::nb_send(ep, MessageInfo(0x42, 1), 99);
                 return r.error != Error::WouldBlock;
             }),
             "NBSend never found the waiting receiver");
    KT_OK(r);
    KT_THREAD_RESULT(t, Error::None);
    KT_EQ(t->out[1], 0x42);
    KT_EQ(t->out[4], 99);
}

KTEST(ipc_nbrecv_would_block)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_NEW(n, ObjectType::Notification);
    KT_EXPECT_ERR(kapi::nb_recv(ep), Error::WouldBlock);
    KT_EXPECT_ERR(kapi::nb_recv(n), Error::WouldBlock);
    // With a sender blocked, NBRecv takes its message.
    KT_SPAWN(t, send_fn, ThreadOptions {}, ep, 0x43, 7);
    SyscallResult r = recv_timeout(ep);
    KT_OK(r);
    KT_EQ(r.info.label(), 0x43);
    KT_EQ(r.words[0], 7);
    KT_THREAD_RESULT(t, Error::None);
    KT_EXPECT_ERR(kapi::nb_recv(ep), Error::WouldBlock);
}

KTEST(ipc_long_message)
{
    KT_NEW(ep, ObjectType::Endpoint);
    uint64_t base = 0x5eed000000000000ull;
    KT_SPAWN(t, long_echo_fn, ThreadOptions {}, ep, base);
    KT_TRUE(wait_started(*t));
    uint64_t words[64];
    for (unsigned i = 0; i < 64; ++i)
        words[i] = base + i;
    SyscallResult r = kapi::send_message(ipc::Syscall::Call, ep, MessageInfo(0x55, 64), words);
    KT_OK(r);
    KT_EQ(r.info.label(), 0x66);
    KT_EQ(r.info.length(), 64);
    for (unsigned i = 0; i < 64; ++i) {
        uint64_t got = kapi::message_word(r, i);
        KT_CHECK(got == (base ^ ~uint64_t(i)), "reply word {}: expected {:x}, got {:x}", i,
                 base ^ ~uint64_t(i), got);
    }
    KT_THREAD_RESULT(t, Error::None);
    KT_EQ(t->out[2], 64);
    KT_CHECK(t->out[9] == 0, "the server saw word {} wrong", t->out[9] - 1);
}

KTEST(ipc_length_clamped)
{
    // The 7-bit length field can say 127; the kernel clamps to 64 words.
    KT_NEW(ep, ObjectType::Endpoint);
    KT_SPAWN(t, recv_fn, ThreadOptions {}, ep);
    KT_TRUE(wait_started(*t));
    SyscallResult r = kapi::send(ep, MessageInfo::from_raw((uint64_t(0x12) << 32) | 127));
    KT_OK(r);
    KT_THREAD_RESULT(t, Error::None);
    KT_EQ(t->out[2], ipc::max_message_words);
}

KTEST(ipc_badge_delivered)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_MINT(m, ep, RW, 0xbeef);
    KT_SPAWN(t, recv_twice_fn, ThreadOptions {}, ep);
    KT_TRUE(wait_started(*t));
    KT_OK(kapi::send(m, MessageInfo(1, 0)));
    KT_TRUE(wait_until([&] { return load(t->progress) >= 1; }));
    KT_OK(kapi::send(ep, MessageInfo(1, 0)));
    KT_TRUE(wait_until([&] { return load(t->progress) >= 2; }));
    KT_EQ(t->out[11], 0);
    KT_EQ(t->out[10], 0xbeef);
    KT_EQ(t->out[13], 0);
    KT_EQ(t->out[12], 0);
}

KTEST(ipc_cap_transfer_with_grant)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_NEW(n, ObjectType::Notification);
    CPtr landing = alloc_slot();
    KT_SPAWN(t, recv_cap_fn, ThreadOptions {}, ep, landing);
    KT_TRUE(wait_until([&] { return load(t->started) == 2; }));
    kapi::ipc_buffer()->caps[0] = n;
    SyscallResult r = kapi::send(ep, MessageInfo(0x7, 0, 1));
    kapi::ipc_buffer()->caps[0] = 0;
    KT_OK(r);
    KT_THREAD_RESULT(t, Error::None);
    KT_EQ(t->out[8], 1);
    KT_EXPECT_TYPE(landing, ObjectType::Notification);
    // It is a child of the sender's cap: revoke reaches it.
    KT_OK(kapi::cnode_revoke(root(), n));
    KT_EXPECT_EMPTY(landing);
}

KTEST(ipc_cap_transfer_refused_without_grant)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_MINT(no_grant, ep, RW, 0);
    KT_NEW(n, ObjectType::Notification);
    CPtr landing = alloc_slot();
    KT_SPAWN(t, recv_cap_fn, ThreadOptions {}, ep, landing);
    KT_TRUE(wait_until([&] { return load(t->started) == 2; }));
    kapi::ipc_buffer()->caps[0] = n;
    SyscallResult r = kapi::nb_send(no_grant, MessageInfo(0x7, 0, 1));
    for (unsigned i = 0; i < 200 && r.error == Error::WouldBlock; ++i) {
        kapi::yield();
        r = kapi::nb_send(no_grant, MessageInfo(0x7, 0, 1));
    }
    kapi::ipc_buffer()->caps[0] = 0;
    // Either the send is refused, or the message arrives without the cap.
    KT_CHECK(r.error == Error::None || r.error == Error::InsufficientRights,
             "send with a cap over a no-grant endpoint cap: {}", ename(r.error));
    if (r.ok()) {
        KT_THREAD_RESULT(t, Error::None);
        KT_EQ(t->out[8], 0);
    }
    KT_EXPECT_EMPTY(landing);
}

KTEST(ipc_cap_transfer_receiver_refuses)
{
    // receive_slot 0: the receiver takes no caps; an occupied receive slot is not overwritten.
    KT_NEW(ep, ObjectType::Endpoint);
    KT_NEW(n, ObjectType::Notification);
    KT_NEW(occupied, ObjectType::Frame);
    KT_SPAWN(t, recv_cap_fn, ThreadOptions {}, ep, 0);
    KT_TRUE(wait_until([&] { return load(t->started) == 2; }));
    kapi::ipc_buffer()->caps[0] = n;
    SyscallResult r = kapi::send(ep, MessageInfo(0x8, 0, 1));
    KT_OK(r);
    KT_THREAD_RESULT(t, Error::None);
    KT_EQ(t->out[8], 0);

    KT_SPAWN(t2, recv_cap_fn, ThreadOptions {}, ep, occupied);
    KT_TRUE(wait_until([&] { return load(t2->started) == 2; }));
    r = kapi::send(ep, MessageInfo(0x9, 0, 1));
    kapi::ipc_buffer()->caps[0] = 0;
    KT_CHECK(r.ok() || r.error == Error::InvalidCapability, "send into an occupied receive slot: {}",
             ename(r.error));
    KT_EXPECT_TYPE(occupied, ObjectType::Frame);
    // An empty cap pointer in caps[0] is refused or ignored, never a crash.
    KT_SPAWN(t3, recv_cap_fn, ThreadOptions {}, ep, alloc_slot());
    KT_TRUE(wait_until([&] { return load(t3->started) == 2; }));
    kapi::ipc_buffer()->caps[0] = alloc_slot();
    r = kapi::nb_send(ep, MessageInfo(0xa, 0, 1));
    kapi::ipc_buffer()->caps[0] = 0;
    KT_CHECK(r.error != Error::Unsupported, "send of an empty cap: {}", ename(r.error));
}

KTEST(ipc_save_caller_two_callers)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_SPAWN(a, call_fn, ThreadOptions {}, ep, 0xa, 100);
    SyscallResult ra = recv_timeout(ep);
    KT_OK(ra);
    KT_EQ(ra.info.label(), 0xa);
    CPtr reply_a = alloc_slot();
    KT_OK(kapi::cnode_save_caller(root(), reply_a));
    KT_EXPECT_TYPE(reply_a, ObjectType::Reply);
    KT_SPAWN(b, call_fn, ThreadOptions {}, ep, 0xb, 200);
    SyscallResult rb = recv_timeout(ep);
    KT_OK(rb);
    KT_EQ(rb.info.label(), 0xb);
    CPtr reply_b = alloc_slot();
    KT_OK(kapi::cnode_save_caller(root(), reply_b));
    // Reply caps cannot be copied.
    CPtr copy = alloc_slot();
    KT_EXPECT_ERR(kapi::cnode_copy(root(), copy, 0, reply_a, ALL), Error::Unsupported);
    KT_EXPECT_EMPTY(copy);
    // Answer the second caller first.
    KT_OK(kapi::send(reply_b, MessageInfo(0xbb, 1), rb.words[0] + 1));
    KT_THREAD_RESULT(b, Error::None);
    KT_EQ(b->out[1], 0xbb);
    KT_EQ(b->out[4], 201);
    settle();
    KT_EQ(load(a->out[0]), not_yet);
    KT_OK(kapi::send(reply_a, MessageInfo(0xaa, 1), ra.words[0] + 1));
    KT_THREAD_RESULT(a, Error::None);
    KT_EQ(a->out[1], 0xaa);
    KT_EQ(a->out[4], 101);
    // Answering consumed them.
    KT_EXPECT_ERR(kapi::send(reply_a, MessageInfo(0xaa, 1), 0), Error::InvalidCapability);
    KT_EXPECT_EMPTY(reply_a);
    KT_EXPECT_EMPTY(reply_b);
}

KTEST(ipc_save_caller_nothing_pending)
{
    CPtr s = alloc_slot();
    KT_EXPECT_FAILS(kapi::cnode_save_caller(root(), s));
    KT_EXPECT_EMPTY(s);
}

KTEST(ipc_save_caller_occupied_slot)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_NEW(busy, ObjectType::Frame);
    ThreadOptions o;
    KT_SPAWN(
        c,
        [](Thread& t) {
            store(t.progress, 1);
            t.out[1] = uint64_t(kapi::call(t.arg[0], MessageInfo(1, 0)).error);
            store(t.out[0], 1);
        },
        o, ep);
    KT_OK(recv_timeout(ep));
    KT_EXPECT_ERR(kapi::cnode_save_caller(root(), busy), Error::Busy);
    KT_EXPECT_TYPE(busy, ObjectType::Frame);
    KT_EXPECT_ERR(kapi::cnode_save_caller(root(), 1ull << env().boot->cnode_radix), Error::OutOfRange);
    // The reply cap is still pending in the reply slot.
    KT_OK(kapi::reply(MessageInfo(2, 0)));
    KT_CHECK(wait_until([&] { return load(c->out[0]) != 0; }), "the caller was not answered");
    KT_EQ(c->out[1], 0);
}

KTEST(ipc_reply_twice)
{
    KT_EXPECT_ERR(kapi::reply(MessageInfo(1, 0)), Error::InvalidCapability); // nothing to answer yet
    KT_NEW(ep, ObjectType::Endpoint);
    KT_SPAWN(t, call_fn, ThreadOptions {}, ep, 1, 5);
    SyscallResult r = recv_timeout(ep);
    KT_OK(r);
    KT_OK(kapi::reply(MessageInfo(2, 1), 6));
    KT_EXPECT_ERR(kapi::reply(MessageInfo(3, 1), 7), Error::InvalidCapability);
    KT_THREAD_RESULT(t, Error::None);
    KT_EQ(t->out[1], 2);
    KT_EQ(t->out[4], 6);
}

KTEST(ipc_on_deleted_endpoint)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_COPY(c, ep, ALL);
    KT_OK(kapi::cnode_delete(root(), ep));
    KT_OK(kapi::cnode_delete(root(), c));
    KT_EXPECT_ERR(kapi::send(ep, MessageInfo(1, 0)), Error::InvalidCapability);
    KT_EXPECT_ERR(kapi::nb_send(c, MessageInfo(1, 0)), Error::InvalidCapability);
    KT_EXPECT_ERR(kapi::call(ep, MessageInfo(1, 0)), Error::InvalidCapability);
    KT_EXPECT_ERR(kapi::recv(c), Error::InvalidCapability);
}

KTEST(ipc_endpoint_destroyed_wakes_sender_and_caller)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_SPAWN(s, send_fn, ThreadOptions {}, ep, 1, 1);
    KT_SPAWN(c, call_fn, ThreadOptions {}, ep, 1, 1);
    KT_TRUE(wait_started(*s));
    KT_TRUE(wait_started(*c));
    settle();
    KT_EQ(load(s->out[0]), not_yet);
    KT_EQ(load(c->out[0]), not_yet);
    KT_OK(kapi::cnode_delete(root(), ep));
    KT_THREAD_RESULT(s, Error::Deleted);
    KT_THREAD_RESULT(c, Error::Deleted);
}

KTEST(ipc_server_suspended_caller_gets_deleted)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_NEW(never, ObjectType::Endpoint);
    KT_SPAWN(server, receive_and_hold_fn, ThreadOptions {}, ep, never);
    KT_SPAWN(client, call_fn, ThreadOptions {}, ep, 0x1, 1);
    KT_CHECK(wait_until([&] { return load(server->progress) >= 1; }), "the server never received the call");
    settle();
    KT_EQ(load(client->out[0]), not_yet);
    KT_OK(kapi::tcb_suspend(server->tcb));
    KT_THREAD_RESULT(client, Error::Deleted);
}

KTEST(ipc_server_deleted_caller_gets_deleted)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_NEW(never, ObjectType::Endpoint);
    KT_SPAWN(server, receive_and_hold_fn, ThreadOptions {}, ep, never);
    KT_SPAWN(client, call_fn, ThreadOptions {}, ep, 0x1, 1);
    KT_CHECK(wait_until([&] { return load(server->progress) >= 1; }), "the server never received the call");
    KT_OK(kapi::cnode_delete(root(), server->tcb));
    server->tcb = 0;
    KT_THREAD_RESULT(client, Error::Deleted);
}

KTEST(ipc_saved_reply_deleted_caller_gets_deleted)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_SPAWN(client, call_fn, ThreadOptions {}, ep, 0x1, 1);
    SyscallResult r = recv_timeout(ep);
    KT_OK(r);
    CPtr saved = alloc_slot();
    KT_OK(kapi::cnode_save_caller(root(), saved));
    settle();
    KT_EQ(load(client->out[0]), not_yet);
    KT_OK(kapi::cnode_delete(root(), saved));
    KT_THREAD_RESULT(client, Error::Deleted);
}

KTEST(ipc_caller_suspended_reply_cap_deleted)
{
    KT_NEW(ep, ObjectType::Endpoint);
    // Saved reply cap.
    KT_SPAWN(c1, call_fn, ThreadOptions {}, ep, 0x1, 1);
    KT_OK(recv_timeout(ep));
    CPtr saved = alloc_slot();
    KT_OK(kapi::cnode_save_caller(root(), saved));
    KT_OK(kapi::tcb_suspend(c1->tcb));
    KT_EXPECT_EMPTY(saved);
    KT_EXPECT_ERR(kapi::send(saved, MessageInfo(1, 0)), Error::InvalidCapability);
    // The reply slot of the TCB.
    KT_SPAWN(c2, call_fn, ThreadOptions {}, ep, 0x2, 2);
    KT_OK(recv_timeout(ep));
    KT_OK(kapi::cnode_delete(root(), c2->tcb)); // destroyed this time
    c2->tcb = 0;
    KT_EXPECT_ERR(kapi::reply(MessageInfo(1, 0)), Error::InvalidCapability);
}

KTEST(ipc_notification_signal_poll_or)
{
    KT_NEW(n, ObjectType::Notification);
    KT_MINT(b1, n, W, 1);
    KT_MINT(b2, n, W, 2);
    KT_MINT(b4, n, W, 0x40000000000ull);
    KT_EXPECT_ERR(kapi::poll(n), Error::WouldBlock);
    KT_OK(kapi::signal(b1));
    KT_OK(kapi::signal(b2));
    KT_OK(kapi::signal(b4));
    KT_OK(kapi::signal(b1)); // OR, not a count
    SyscallResult r = kapi::poll(n);
    KT_OK(r);
    KT_EQ(r.badge, 0x40000000003ull);
    KT_EXPECT_ERR(kapi::poll(n), Error::WouldBlock); // reading clears the word
    // NBSend on a notification signals too.
    KT_OK(kapi::nb_send(b2, MessageInfo()));
    r = kapi::poll(n);
    KT_OK(r);
    KT_EQ(r.badge, 2);
}

KTEST(ipc_notification_wakes_waiter)
{
    KT_NEW(n, ObjectType::Notification);
    KT_MINT(b8, n, W, 8);
    KT_SPAWN(t, wait_fn, ThreadOptions {}, n);
    KT_TRUE(wait_started(*t));
    settle();
    KT_EQ(load(t->out[0]), not_yet);
    KT_OK(kapi::signal(b8));
    KT_THREAD_RESULT(t, Error::None);
    KT_EQ(t->out[3], 8);
    KT_EXPECT_ERR(kapi::poll(n), Error::WouldBlock);
}

KTEST(ipc_notification_blocking_wait_returns_pending)
{
    // A signal before the wait is not lost.
    KT_NEW(n, ObjectType::Notification);
    KT_MINT(b, n, W, 0x30);
    KT_OK(kapi::signal(b));
    SyscallResult r = kapi::wait(n);
    KT_OK(r);
    KT_EQ(r.badge, 0x30);
}
