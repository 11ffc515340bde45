// TCB: configure, resume, suspend, priorities, registers; a second thread in
// the suite's VSpace running and signalling back.
#include "ktest.h"

using namespace ktest;

namespace {

void compute_fn(Thread& t)
{
    t.out[1] = t.arg[0] * 2;
    store(t.out[0], 1);
    kapi::signal(t.arg[1]);
}

void spin_fn(Thread& t)
{
    for (;;)
        __atomic_add_fetch(&t.progress, 1, __ATOMIC_SEQ_CST);
}

void spin_then_signal_fn(Thread& t)
{
    while (__atomic_add_fetch(&t.progress, 1, __ATOMIC_SEQ_CST) < t.arg[0])
        ;
    kapi::signal(t.arg[1]);
}

void record_entry_fn(Thread& t) { store(t.out[0], 0x5a); }

uint64_t g_register_probe[3];

} // namespace

// Entered with rdi/rsi/rdx as written by TcbWriteRegisters; records them and stops.
extern "C" [[noreturn]] void ktest_register_probe(uint64_t a, uint64_t b, uint64_t c)
{
    g_register_probe[0] = a;
    g_register_probe[1] = b;
    g_register_probe[2] = c;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (;;)
        kapi::yield();
}

KTEST(tcb_second_thread_runs_and_signals)
{
    KT_NEW(n, ObjectType::Notification);
    KT_MINT(nb, n, W, 0x10);
    auto s0 = stats();
    KT_SPAWN(t, compute_fn, ThreadOptions {}, 21, nb);
    SyscallResult r = recv_timeout(n);
    KT_OK(r);
    KT_EQ(r.badge, 0x10);
    KT_EQ(load(t->out[0]), 1);
    KT_EQ(t->out[1], 42);
    KT_TRUE(wait_finished(*t));
    KT_CHECK(stats().threads_live >= s0.threads_live + 1, "threads_live did not count the new thread");
}

KTEST(tcb_configure_then_resume)
{
    // A TCB that is configured but not resumed does not run.
    ThreadOptions o;
    o.resume = false;
    KT_SPAWN(t, record_entry_fn, o);
    settle(20);
    KT_EQ(load(t->out[0]), 0);
    KT_OK(kapi::tcb_resume(t->tcb));
    KT_TRUE(wait_finished(*t));
    KT_EQ(load(t->out[0]), 0x5a);
}

KTEST(tcb_suspend_and_resume)
{
    KT_SPAWN(t, spin_fn, ThreadOptions {});
    KT_CHECK(wait_until([&] { return load(t->progress) > 1000; }), "the spinning thread makes no progress");
    KT_OK(kapi::tcb_suspend(t->tcb));
    uint64_t p = load(t->progress);
    settle(30);
    KT_CHECK(load(t->progress) == p, "a suspended thread still runs ({} -> {})", p, load(t->progress));
    KT_OK(kapi::tcb_suspend(t->tcb)); // twice is fine
    KT_OK(kapi::tcb_resume(t->tcb));
    KT_CHECK(wait_until([&] { return load(t->progress) > p + 1000; }), "the resumed thread does not run");
    KT_OK(kapi::tcb_suspend(t->tcb));
}

KTEST(tcb_set_priority)
{
    ThreadOptions o;
    o.resume = false;
    KT_SPAWN(t, record_entry_fn, o);
    uint64_t p = env().priority;
    KT_CHECK(p >= 2, "the suite has no usable priority ({})", p);
    KT_OK(kapi::tcb_set_priority(t->tcb, p));
    KT_OK(kapi::tcb_set_priority(t->tcb, p - 1));
    KT_OK(kapi::tcb_set_priority(t->tcb, 0));
    // Never above the caller's own priority, never outside 0-255.
    KT_EXPECT_FAILS(kapi::tcb_set_priority(t->tcb, p + 1));
    KT_EXPECT_FAILS(kapi::tcb_set_priority(t->tcb, 255));
    KT_EXPECT_FAILS(kapi::tcb_set_priority(t->tcb, 256));
    KT_EXPECT_FAILS(kapi::tcb_set_priority(t->tcb, ~0ull));
    KT_EXPECT_FAILS(kapi::tcb_configure(t->tcb, env().cnode, env().vspace, 0, 0, 0, p + 1));
    KT_EXPECT_FAILS(kapi::tcb_set_priority(env().tcb, p + 1)); // not even itself
}

KTEST(tcb_priority_is_strict)
{
    // A lower-priority thread never runs while the suite is ready, however
    // often it yields; once the suite blocks, it does.
    uint64_t p = env().priority;
    KT_CHECK(p >= 3, "the suite has no usable priority ({})", p);
    KT_NEW(n, ObjectType::Notification);
    KT_MINT(nb, n, W, 1);
    // The watchdog (same priority, always ready) would starve the low thread: park it lower.
    park_watchdog(p - 2);
    ThreadOptions o;
    o.priority = p - 1;
    KT_SPAWN(t, spin_then_signal_fn, o, 2000, nb);
    settle(50);
    uint64_t ran = load(t->progress);
    // Block: only now may the low thread run. It signals when done.
    SyscallResult r = kapi::wait(n);
    park_watchdog(p);
    KT_CHECK(ran == 0, "the lower-priority thread ran {} steps while the suite was ready", ran);
    KT_OK(r);
    KT_EQ(r.badge, 1);
    KT_CHECK(load(t->progress) >= 2000, "woken before the low thread finished ({})", load(t->progress));
}

KTEST(tcb_read_write_registers)
{
    ThreadOptions o;
    o.resume = false;
    KT_SPAWN(t, record_entry_fn, o);
    // What spawn wrote comes back.
    auto regs = kapi::tcb_read_registers(t->tcb);
    KT_OK(regs);
    KT_EQ(regs.value().rsp, t->stack_top - 8);
    KT_EQ(regs.value().rdi, reinterpret_cast<uint64_t>(t));
    KT_CHECK(in_text(regs.value().rip), "rip {:x} is not the trampoline", regs.value().rip);

    kapi::Registers w {};
    uint64_t* words = &w.rip;
    for (unsigned i = 0; i < kapi::register_words; ++i)
        words[i] = 0x1111111111111111ull * ((i % 15) + 1);
    w.rip = reinterpret_cast<uint64_t>(&ktest_register_probe);
    w.rsp = t->stack_top - 8;
    w.rflags = 0x3000 | 0x2 | 0x40000; // IOPL 3 and AC, IF clear: must be sanitised
    KT_OK(kapi::tcb_write_registers(t->tcb, w));
    auto regs2 = kapi::tcb_read_registers(t->tcb);
    KT_OK(regs2);
    const uint64_t* back = &regs2.value().rip;
    static const char* names[] = { "rip", "rsp", "rflags", "rax", "rbx", "rcx", "rdx", "rsi", "rdi",
                                   "rbp", "r8",  "r9",     "r10", "r11", "r12", "r13", "r14", "r15" };
    for (unsigned i = 0; i < kapi::register_words; ++i) {
        if (i == 2)
            continue;
        KT_CHECK(back[i] == words[i], "register {}: wrote {:x}, read {:x}", names[i], words[i], back[i]);
    }
    uint64_t rflags = regs2.value().rflags;
    KT_CHECK(rflags & 0x200, "rflags {:x}: IF not forced on", rflags);
    KT_CHECK((rflags & 0x3000) == 0, "rflags {:x}: IOPL not cleared", rflags);

    // And they are what the thread starts with.
    g_register_probe[0] = g_register_probe[1] = g_register_probe[2] = 0;
    KT_OK(kapi::tcb_resume(t->tcb));
    KT_CHECK(wait_until([&] { return __atomic_load_n(&g_register_probe[0], __ATOMIC_SEQ_CST) != 0; }),
             "the thread did not start at the written rip");
    KT_EQ(g_register_probe[0], w.rdi);
    KT_EQ(g_register_probe[1], w.rsi);
    KT_EQ(g_register_probe[2], w.rdx);
    KT_OK(kapi::tcb_suspend(t->tcb));
}

KTEST(tcb_read_registers_of_running_thread)
{
    KT_SPAWN(t, spin_fn, ThreadOptions {});
    KT_TRUE(wait_until([&] { return load(t->progress) > 100; }));
    KT_OK(kapi::tcb_suspend(t->tcb));
    auto regs = kapi::tcb_read_registers(t->tcb);
    KT_OK(regs);
    KT_CHECK(in_text(regs.value().rip), "suspended thread's rip {:x} is outside the text", regs.value().rip);
    KT_CHECK(regs.value().rsp > t->stack_base && regs.value().rsp < t->stack_top,
             "suspended thread's rsp {:x} is outside its stack [{:x}, {:x})", regs.value().rsp, t->stack_base,
             t->stack_top);
    KT_CHECK(regs.value().rflags & 0x200, "user rflags {:x} without IF", regs.value().rflags);
}

KTEST(tcb_register_words_short_message)
{
    // Fewer words than the full set: either refused or only those written; never garbage beyond.
    ThreadOptions o;
    o.resume = false;
    KT_SPAWN(t, record_entry_fn, o);
    auto before = kapi::tcb_read_registers(t->tcb);
    KT_OK(before);
    uint64_t words[3] = { reinterpret_cast<uint64_t>(&ktest_register_probe), t->stack_top - 8, 0x202 };
    SyscallResult r = kapi::send_message(ipc::Syscall::Call, t->tcb,
                                         MessageInfo(uint32_t(ipc::Invocation::TcbWriteRegisters), 3), words);
    KT_CHECK(r.error == Error::None || r.error == Error::InvalidArgument,
             "TcbWriteRegisters with 3 words: got {}", ename(r.error));
    auto after = kapi::tcb_read_registers(t->tcb);
    KT_OK(after);
    if (r.ok()) {
        KT_EQ(after.value().rip, words[0]);
        KT_EQ(after.value().rdi, before.value().rdi);
    } else {
        KT_EQ(after.value().rip, before.value().rip);
    }
}

KTEST(tcb_configure_errors)
{
    KT_NEW(t, ObjectType::Tcb);
    KT_NEW(f, ObjectType::Frame);
    uint64_t va = alloc_vaddr();
    KT_OK(kapi::vspace_map(env().vspace, f, va, RW));
    CPtr empty = alloc_slot();
    KT_EXPECT_ERR(kapi::tcb_configure(t, empty, env().vspace, 0, 0, 0, 1), Error::InvalidCapability);
    KT_EXPECT_ERR(kapi::tcb_configure(t, env().cnode, empty, 0, 0, 0, 1), Error::InvalidCapability);
    KT_EXPECT_ERR(kapi::tcb_configure(t, env().cnode, env().vspace, empty, va, 0, 1),
                  Error::InvalidCapability);
    KT_EXPECT_ERR(kapi::tcb_configure(t, env().cnode, env().vspace, f, va, empty, 1),
                  Error::InvalidCapability);
    // The IPC buffer address: page-aligned, user half.
    KT_EXPECT_ERR2(kapi::tcb_configure(t, env().cnode, env().vspace, f, va + 8, 0, 1), Error::OutOfRange,
                   Error::InvalidArgument);
    KT_EXPECT_ERR2(kapi::tcb_configure(t, env().cnode, env().vspace, f, 0xffff800000000000ull, 0, 1),
                   Error::OutOfRange, Error::InvalidArgument);
    KT_EXPECT_FAILS(kapi::tcb_configure(t, env().cnode, env().vspace, 0, 0, 0, 256));
    KT_OK(kapi::tcb_configure(t, env().cnode, env().vspace, f, va, 0, 1));
    // Not enough words.
    KT_EXPECT_FAILS(kapi::invoke(t, ipc::Invocation::TcbConfigure, { env().cnode, env().vspace }));
}

KTEST(tcb_configure_without_ipc_buffer)
{
    // "w2 = IPC buffer Frame CPtr (0 = none)": with none, address 0 is the natural companion.
    KT_NEW(t, ObjectType::Tcb);
    KT_OK(kapi::tcb_configure(t, env().cnode, env().vspace, 0, 0, 0, 1));
    // A nonzero address without a frame is refused, not silently kept.
    KT_EXPECT_ERR2(kapi::tcb_configure(t, env().cnode, env().vspace, 0, 0x10000000, 0, 1), Error::OutOfRange,
                   Error::InvalidArgument);
}

KTEST(tcb_delete_running_thread)
{
    auto s0 = stats();
    KT_SPAWN(t, spin_fn, ThreadOptions {});
    KT_TRUE(wait_until([&] { return load(t->progress) > 100; }));
    auto s1 = stats();
    KT_CHECK(s1.threads_live > s0.threads_live, "threads_live {} -> {} with a new running thread",
             s0.threads_live, s1.threads_live);
    KT_OK(kapi::cnode_delete(env().cnode, t->tcb));
    uint64_t p = load(t->progress);
    settle(30);
    KT_CHECK(load(t->progress) == p, "a destroyed thread still runs");
    auto s2 = stats();
    KT_EQ(s2.threads_live, s1.threads_live - 1);
    t->tcb = 0;
}

KTEST(tcb_resume_unconfigured)
{
    // A TCB with no VSpace/CSpace cannot run: refused, or it faults harmlessly.
    KT_NEW(t, ObjectType::Tcb);
    KT_NEW(sup, ObjectType::Endpoint);
    Error e = kapi::tcb_resume(t);
    KT_CHECK(e != Error::Unsupported, "TcbResume on a fresh TCB: {}", ename(e));
    settle(10);
    (void)kapi::tcb_suspend(t);
    (void)sup;
    // The kernel is still answering.
    KT_EXPECT_ERR(kapi::nb_recv(sup), Error::WouldBlock);
}
