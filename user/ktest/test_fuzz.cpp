// Randomized syscalls from an unprivileged thread. It has its own radix-4
// CNode holding a few caps (endpoint, notification, frame, an untyped child,
// the TCB of a suspended dummy thread) and issues random syscall numbers,
// cptrs, labels, words and pointers. Blocking calls may block: the suite
// notices that the fuzzer stopped making progress and restarts it (suspend,
// new registers, resume), counting the syscall as "blocked". The kernel must
// stay up, the fuzzer must never fault, and later cases must still pass.
#include "ktest.h"

using namespace ktest;

namespace ktest {
const char* cmdline_value(const char* key, size_t* length);
uint64_t parse_number(const char* text, size_t length, uint64_t fallback);
} // namespace ktest

namespace {

constexpr unsigned error_buckets = unsigned(Error::Deleted) + 2; // the last one: anything else

struct FuzzState {
    uint64_t rng;
    uint64_t target;
    uint64_t scratch;        // a writable page of the suite (a valid pointer)
    volatile uint64_t count; // syscalls completed
    volatile uint64_t in_flight;
    volatile uint64_t finished;
    volatile uint64_t epoch_end; // the fuzzer pauses here until the suite has rebuilt its CSpace
    volatile uint64_t paused;
    uint64_t errors[error_buckets];
    uint64_t by_number[16];
    uint64_t ok_by_label[64]; // successful Calls by invocation label
    uint64_t structured;
    uint64_t last_number, last_cptr, last_info, last_w0;
    uint64_t other_raw; // the first out-of-vocabulary rax
};

FuzzState g_fuzz;

constexpr uint32_t valid_labels[] = {
    1,  2,  10, 11, 12, 13, 14, 15, 16, 20, 21, 22,     23,     24,     25,     26,
    30, 31, 32, 33, 40, 50, 51, 52, 60, 61, 62, 0x1000, 0x1001, 0x2000, 0x2001, 0x3000,
};

constexpr uint32_t invocation_labels[] = {
    1, 2, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 26, 30, 31, 32, 33, 40, 50, 51, 52, 60, 61, 62,
};

// Small, plausible argument values: slots of the fuzzer's CNode, types, sizes, rights, counts.
uint64_t small_word(uint64_t& s)
{
    uint64_t r = xorshift64(s) % 10;
    if (r < 5)
        return xorshift64(s) % 16;
    if (r < 7)
        return 1 + xorshift64(s) % 16;
    if (r < 8)
        return 0x1000 * (1 + xorshift64(s) % 0x400); // page-aligned low user addresses
    return xorshift64(s) % 4 == 0 ? xorshift64(s) : xorshift64(s) % 64;
}

// Well-formed arguments for one invocation (slots 8-15 are where new objects land).
// Fills w[0..3] and buffer words 4..7; returns the message length.
unsigned template_for(uint32_t label, uint64_t& s, uint64_t& cptr, uint64_t w[4], ipc::IpcBuffer* buffer)
{
    auto slot = [&] { return 8 + xorshift64(s) % 8; };
    auto any_slot = [&] { return 1 + xorshift64(s) % 15; };
    uint64_t extra[4] = { 0, 0, 0, 0 };
    unsigned length = 4;
    using I = ipc::Invocation;
    switch (I(label)) {
    case I::UntypedRetype: {
        static constexpr uint64_t types[] = { 1, 2, 3, 4, 5, 6, 7 };
        uint64_t type = types[xorshift64(s) % 7];
        cptr = xorshift64(s) % 4 ? 4 : any_slot();
        w[0] = type;
        w[1] = type == 1 ? 12 + xorshift64(s) % 2 : type == 2 ? 1 + xorshift64(s) % 3 : 0;
        w[2] = 0;
        w[3] = slot();
        extra[0] = 1 + xorshift64(s) % 2;
        length = 5;
        break;
    }
    case I::CNodeCopy:
    case I::CNodeMint:
    case I::CNodeMove:
        cptr = xorshift64(s) % 4 ? 7 : any_slot();
        w[0] = slot();
        w[1] = xorshift64(s) % 4 ? 0 : any_slot();
        w[2] = any_slot();
        w[3] = xorshift64(s) % 16;
        extra[0] = xorshift64(s) % 3 ? 0 : xorshift64(s) % 8;
        length = 5;
        break;
    case I::CNodeDelete:
    case I::CNodeRevoke:
    case I::CNodeSaveCaller:
    case I::CNodeDescribe:
        cptr = xorshift64(s) % 4 ? 7 : any_slot();
        w[0] = xorshift64(s) % 2 ? slot() : any_slot();
        length = 1;
        break;
    case I::TcbConfigure:
        cptr = xorshift64(s) % 2 ? 5 : slot();
        w[0] = xorshift64(s) % 2 ? 7 : slot();
        w[1] = slot();
        w[2] = xorshift64(s) % 2 ? 0 : 3;
        w[3] = w[2] ? 0x10000 * (1 + xorshift64(s) % 16) : 0;
        extra[0] = xorshift64(s) % 3 ? 0 : (xorshift64(s) % 2 ? 1 : 6);
        extra[1] = xorshift64(s) % 101;
        length = 6;
        break;
    case I::TcbWriteRegisters:
        cptr = xorshift64(s) % 2 ? 5 : slot();
        w[0] = 0x1000 * (1 + xorshift64(s) % 0x1000);
        w[1] = 0x1000 * (1 + xorshift64(s) % 0x1000);
        w[2] = xorshift64(s);
        w[3] = xorshift64(s);
        length = unsigned(3 + xorshift64(s) % 16);
        break;
    case I::VSpaceMap:
        cptr = slot();
        w[0] = xorshift64(s) % 2 ? 3 : slot();
        w[1] = 0x1000 * (1 + xorshift64(s) % 0x1000);
        w[2] = xorshift64(s) % 16;
        length = 3;
        break;
    case I::VSpaceUnmap:
    case I::VSpaceProtect:
    case I::VSpaceBindPool:
        cptr = slot();
        w[0] = xorshift64(s) % 2 ? (label == uint32_t(I::VSpaceBindPool) ? 4 : 3) : slot();
        w[1] = xorshift64(s) % 16;
        length = 2;
        break;
    default:
        cptr = any_slot();
        for (unsigned i = 0; i < 4; ++i)
            w[i] = small_word(s);
        break;
    }
    if (buffer) {
        for (unsigned i = 0; i < 4; ++i)
            buffer->words[4 + i] = extra[i];
    }
    return length;
}

uint64_t pick_pointer(uint64_t& s)
{
    uint64_t r = xorshift64(s);
    switch (r % 8) {
    case 0: return 0;
    case 1: return 0xffff800000000000ull + (xorshift64(s) & 0xffffffffull);
    case 2: return 0xffffffff80000000ull + (xorshift64(s) & 0xffffff);
    case 3: return 0x0000800000000000ull + (xorshift64(s) & 0xffff);
    case 4: return g_fuzz.scratch + (xorshift64(s) & 0xfff);
    case 5: return xorshift64(s);
    case 6: return (xorshift64(s) & 0x7fffffffffffull) | 0x100000000000ull; // high user half, unmapped
    default: return 0x1000 + (xorshift64(s) & 0xfff);
    }
}

uint64_t pick_cptr(uint64_t& s)
{
    uint64_t r = xorshift64(s);
    switch (r % 10) {
    case 0:
    case 1:
    case 2:
    case 3: return xorshift64(s) % 21;
    case 4:
    case 5: return 1 + xorshift64(s) % 6;
    case 6: return xorshift64(s);
    case 7: return 1ull << (xorshift64(s) % 64);
    case 8: {
        static constexpr uint64_t edges[] = { 15, 16, 17, 31, 255, 4095, 4096, ~0ull, ~0ull - 1, 1ull << 63 };
        return edges[xorshift64(s) % 10];
    }
    default: return pick_pointer(s);
    }
}

uint64_t pick_word(uint64_t& s)
{
    uint64_t r = xorshift64(s);
    switch (r % 10) {
    case 0:
    case 1: return xorshift64(s) % 21;
    case 2: return xorshift64(s) % 13;      // object types, small sizes
    case 3: return 10 + xorshift64(s) % 32; // size bits
    case 4: return xorshift64(s);
    case 5: return 0;
    case 6: return pick_pointer(s);
    case 7: return (xorshift64(s) & 0x7fffffff000ull) | 0x1000; // page-aligned user addresses
    case 8: return xorshift64(s) & 0xff;
    default: return ~0ull - (xorshift64(s) & 0xf);
    }
}

void fuzz_fn(Thread& t)
{
    FuzzState& st = g_fuzz;
    ipc::IpcBuffer* buffer = t.ipc;
    uint64_t s = st.rng;
    while (st.count < st.target) {
        if (st.count >= st.epoch_end) {
            store(st.paused, 1);
            for (;;)
                kapi::yield(); // the suite suspends and restarts us
        }
        // number
        uint64_t number;
        uint64_t r = xorshift64(s);
        if (r % 100 < 90)
            number = xorshift64(s) % (uint64_t(ipc::Syscall::Count) + 3);
        else
            number = xorshift64(s);
        if (number == uint64_t(ipc::Syscall::DebugExit))
            number = uint64_t(ipc::Syscall::Yield); // would end the whole run
        // Mostly the non-blocking forms; sometimes the blocking ones (the suite unblocks us).
        bool allow_block = xorshift64(s) % 100 < 3;
        if (!allow_block) {
            if (number == uint64_t(ipc::Syscall::Send))
                number = uint64_t(ipc::Syscall::NBSend);
            else if (number == uint64_t(ipc::Syscall::Recv))
                number = uint64_t(ipc::Syscall::NBRecv);
            else if (number == uint64_t(ipc::Syscall::ReplyRecv))
                number = uint64_t(ipc::Syscall::Reply);
        }
        uint64_t cptr = pick_cptr(s);
        if (number == uint64_t(ipc::Syscall::DebugPrint) || number == uint64_t(ipc::Syscall::DebugStats)) {
            cptr = pick_pointer(s);
            if (number == uint64_t(ipc::Syscall::DebugPrint) && cptr >= g_fuzz.scratch
                && cptr < g_fuzz.scratch + 4096)
                cptr = 0xffffffff80000000ull; // keep the console clean
        }
        // info
        uint64_t info;
        uint64_t k = xorshift64(s) % 20;
        if (k == 0) {
            info = xorshift64(s);
        } else {
            uint32_t label = k < 10
                ? valid_labels[xorshift64(s) % (sizeof(valid_labels) / sizeof(valid_labels[0]))]
                : uint32_t(k < 15 ? xorshift64(s) % 128 : xorshift64(s));
            unsigned length = unsigned(xorshift64(s) % 128);
            unsigned caps = unsigned(xorshift64(s) % 4);
            info = (uint64_t(label) << 32) | (uint64_t(caps) << 8) | length;
        }
        if (number == uint64_t(ipc::Syscall::DebugPrint))
            info = xorshift64(s) % 4 == 0 ? xorshift64(s) : xorshift64(s) % (2 * ipc::debug_print_max);
        uint64_t w[4];
        for (auto& x : w)
            x = pick_word(s);
        // The IPC buffer: sometimes rewrite its words, cap pointers and receive slot.
        if (buffer && xorshift64(s) % 8 == 0) {
            for (unsigned i = 4; i < 12; ++i)
                buffer->words[i] = pick_word(s);
            for (auto& c : buffer->caps)
                c = pick_cptr(s);
            buffer->receive_slot = xorshift64(s) % 4 == 0 ? pick_cptr(s) : 0;
        }
        // About a third of the time: a well-formed invocation on one of our caps (not
        // the endpoints: a Call there blocks), so the kernel's deeper paths get exercised.
        bool structured = xorshift64(s) % 100 < 35;
        if (structured) {
            static constexpr uint64_t targets[] = { 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
            static constexpr uint64_t usual[] = { 3, 4, 5, 7 };
            number = uint64_t(ipc::Syscall::Call);
            uint64_t pick = xorshift64(s) % 16;
            cptr = pick < 10 ? usual[pick % 4]
                             : targets[xorshift64(s) % (sizeof(targets) / sizeof(targets[0]))];
            uint32_t label = invocation_labels[xorshift64(s)
                                               % (sizeof(invocation_labels) / sizeof(invocation_labels[0]))];
            unsigned length = unsigned(1 + xorshift64(s) % 7);
            if (xorshift64(s) % 2) {
                length = template_for(label, s, cptr, w, buffer);
            } else {
                for (auto& x : w)
                    x = small_word(s);
                if (xorshift64(s) % 2)
                    w[label == uint32_t(ipc::Invocation::UntypedRetype) ? 2 : 1] = 0; // "own root" CNode
                if (buffer) {
                    for (unsigned i = 4; i < 8; ++i)
                        buffer->words[i] = xorshift64(s) % 3 == 0 ? 1 : small_word(s);
                }
            }
            info = MessageInfo(label, length).raw();
            st.structured++;
        }
        st.rng = s;
        st.last_number = number;
        st.last_cptr = cptr;
        st.last_info = info;
        st.last_w0 = w[0];
        store(st.in_flight, 1);
        SyscallResult res = kapi::raw_syscall(number, cptr, info, w[0], w[1], w[2], w[3]);
        store(st.in_flight, 0);
        unsigned bucket
            = res.raw_error <= uint64_t(Error::Deleted) ? unsigned(res.raw_error) : error_buckets - 1;
        if (bucket == error_buckets - 1 && !st.other_raw)
            st.other_raw = res.raw_error ? res.raw_error : 1;
        st.errors[bucket]++;
        st.by_number[number < 15 ? number : 15]++;
        if (number == uint64_t(ipc::Syscall::Call) && res.ok()) {
            uint64_t label = info >> 32;
            st.ok_by_label[label < 64 ? label : 0]++;
        }
        __atomic_add_fetch(&st.count, 1, __ATOMIC_SEQ_CST);
    }
    store(st.finished, 1);
    for (;;)
        kapi::yield();
}

const char* syscall_name(unsigned n)
{
    static const char* names[] = { "DebugPrint", "DebugExit", "Call",      "Send",  "NBSend",    "Recv",
                                   "NBRecv",     "Reply",     "ReplyRecv", "Yield", "DebugStats" };
    return n < sizeof(names) / sizeof(names[0]) ? names[n] : "other";
}

} // namespace

KTEST_BUDGET(fuzz_random_syscalls, 8000)
{
    FuzzState& st = g_fuzz;
    for (auto& e : st.errors)
        e = 0;
    for (auto& n : st.by_number)
        n = 0;
    for (auto& n : st.ok_by_label)
        n = 0;
    st.structured = 0;
    size_t len = 0;
    const char* seed_text = cmdline_value("ktest.seed", &len);
    st.rng = parse_number(seed_text, len, 0x6b74657374f00d5eull);
    if (!st.rng)
        st.rng = 1;
    const char* count_text = cmdline_value("ktest.fuzz", &len);
    st.target = parse_number(count_text, len, 100000);
    st.count = 0;
    st.in_flight = 0;
    st.finished = 0;
    st.other_raw = 0;
    out("ktest: fuzz seed {:016x}, {} syscalls", st.rng, st.target);

    KT_NEW_MAPPED(scratch, RW);
    st.scratch = scratch.vaddr;

    // The fuzzer's CSpace: a radix-4 CNode with a few caps (slots 1-7), rebuilt
    // before every epoch (the fuzzer soon deletes and moves its own caps).
    KT_NEW(cn, ObjectType::CNode, 4);
    KT_NEW(ep, ObjectType::Endpoint);
    KT_NEW(n, ObjectType::Notification);
    KT_NEW(f, ObjectType::Frame);
    KT_NEW(dummy_vs, ObjectType::VSpace);
    KT_NEW(dummy_sup, ObjectType::Endpoint);
    KT_NEW(dummy, ObjectType::Tcb);
    CPtr untyped_slot = alloc_slot();
    auto rebuild = [&]() {
        for (uint64_t i = 1; i < 16; ++i) {
            (void)kapi::cnode_revoke(cn, i);
            (void)kapi::cnode_delete(cn, i);
        }
        KT_OK(kapi::tcb_suspend(dummy));
        KT_OK(kapi::tcb_configure(dummy, cn, dummy_vs, 0, 0, 0, env().priority));
        KT_OK(kapi::tcb_set_supervisor(dummy, dummy_sup));
        kapi::Registers dr {};
        dr.rip = 0x1000;
        dr.rsp = 0x2000;
        dr.rflags = 0x202;
        KT_OK(kapi::tcb_write_registers(dummy, dr)); // not resumed
        KT_OK(kapi::untyped_retype(env().case_untyped, ObjectType::Untyped, 16, 0, untyped_slot, 1));
        KT_OK(kapi::cnode_copy(cn, 1, 0, ep, ALL));
        KT_OK(kapi::cnode_copy(cn, 2, 0, n, ALL));
        KT_OK(kapi::cnode_copy(cn, 3, 0, f, ALL));
        KT_OK(kapi::cnode_move(cn, 4, 0, untyped_slot));
        KT_OK(kapi::cnode_copy(cn, 5, 0, dummy, ALL));
        KT_OK(kapi::cnode_mint(cn, 6, 0, ep, RW, 0x66));
        KT_OK(kapi::cnode_copy(cn, 7, 0, cn,
                               ALL)); // its own CNode: CNode invocations, and a CNode holding itself
        while (kapi::nb_recv(dummy_sup).error == Error::None) { }
    };
    KT_RUN(rebuild());
    constexpr uint64_t epoch = 10000;
    st.epoch_end = epoch;
    st.paused = 0;

    KT_NEW(supervisor, ObjectType::Endpoint);
    ThreadOptions o;
    o.cspace = cn;
    o.supervisor = supervisor;
    o.resume = false;
    KT_SPAWN(t, fuzz_fn, o);
    KT_OK(kapi::tcb_resume(t->tcb));

    uint64_t start = ticks();
    uint64_t deadline = start + 7000;
    uint64_t last = 0, restarts = 0, blocked = 0, next_report = 25000;
    unsigned stall = 0;
    unsigned epochs = 1;
    auto restart = [&]() {
        KT_OK(kapi::tcb_suspend(t->tcb));
        kapi::Registers regs {};
        regs.rip = reinterpret_cast<uint64_t>(&ktest_thread_trampoline);
        regs.rsp = t->stack_top - 8;
        regs.rflags = 0x202;
        regs.rdi = reinterpret_cast<uint64_t>(t);
        KT_OK(kapi::tcb_write_registers(t->tcb, regs));
        KT_OK(kapi::tcb_resume(t->tcb));
    };
    while (!load(st.finished)) {
        kapi::yield();
        if (load(st.paused)) {
            KT_OK(kapi::tcb_suspend(t->tcb));
            KT_RUN(rebuild());
            st.epoch_end = st.epoch_end + epoch;
            store(st.paused, 0);
            ++epochs;
            KT_RUN(restart());
            continue;
        }
        SyscallResult x = kapi::nb_recv(supervisor);
        if (x.error != Error::WouldBlock) {
            KT_FAIL("the fuzz thread ended ({}): label {:x} cause {} reason {:x} address {:x} ip {:x}; last "
                    "syscall "
                    "{} cptr {:x} info {:x} w0 {:x}",
                    ename(x.error), x.info.label(), x.words[0], x.words[1], x.words[2], x.words[3],
                    st.last_number, st.last_cptr, st.last_info, st.last_w0);
        }
        uint64_t c = load(st.count);
        if (c >= next_report) {
            out("ktest: fuzz progress {} syscalls ({} blocked)", c, blocked);
            next_report += 25000;
        }
        if (c != last) {
            last = c;
            stall = 0;
            continue;
        }
        if (stall % 4 == 3 && ticks() > deadline)
            KT_FAIL(
                "fuzzing took too long: {} of {} syscalls in {} ticks (last syscall {} cptr {:x} info {:x})",
                c, st.target, ticks() - start, st.last_number, st.last_cptr, st.last_info);
        if (++stall < 4)
            continue;
        // No progress across several rounds: the fuzzer is blocked. Restart it.
        stall = 0;
        ++restarts;
        if (load(st.in_flight)) {
            ++blocked;
            __atomic_add_fetch(&st.count, 1, __ATOMIC_SEQ_CST);
            store(st.in_flight, 0);
        }
        KT_OK(kapi::tcb_suspend(t->tcb));
        kapi::Registers regs {};
        regs.rip = reinterpret_cast<uint64_t>(&ktest_thread_trampoline);
        regs.rsp = t->stack_top - 8;
        regs.rflags = 0x202;
        regs.rdi = reinterpret_cast<uint64_t>(t);
        KT_OK(kapi::tcb_write_registers(t->tcb, regs));
        KT_OK(kapi::tcb_resume(t->tcb));
    }
    KT_OK(kapi::tcb_suspend(t->tcb));
    uint64_t elapsed = ticks() - start;

    out("ktest: fuzz: {} syscalls in {} ticks ({} epochs), {} blocked (thread restarted {} times)",
        load(st.count), elapsed, epochs, blocked, restarts);
    for (unsigned i = 0; i < error_buckets; ++i) {
        if (st.errors[i])
            out("ktest: fuzz:   {:8} {}", st.errors[i],
                i < error_buckets - 1 ? ipc::error_name(Error(i)) : "(not an ipc::Error)");
    }
    {
        char labels[400];
        ipc::fmt::BufferSink sink(labels, sizeof(labels));
        unsigned distinct = 0;
        for (unsigned i = 1; i < 64; ++i) {
            if (st.ok_by_label[i]) {
                ipc::fmt::format(sink, " {}:{}", i, st.ok_by_label[i]);
                ++distinct;
            }
        }
        out("ktest: fuzz: {} structured invocations; successful Calls by label (label:count):{}",
            st.structured, labels);
        KT_CHECK(distinct >= 10, "only {} different invocations ever succeeded", distinct);
    }
    for (unsigned i = 0; i < 16; ++i) {
        if (st.by_number[i])
            out("ktest: fuzz:   syscall {:2} {:10} x {}", i, i < 15 ? syscall_name(i) : "(>= 15)",
                st.by_number[i]);
    }
    KT_CHECK(load(st.count) >= st.target, "only {} syscalls issued", load(st.count));
    KT_CHECK(st.errors[error_buckets - 1] == 0,
             "{} syscalls returned a value that is not an ipc::Error (first {:x})",
             st.errors[error_buckets - 1], st.other_raw);
    KT_CHECK(st.errors[0] > 0,
             "no random syscall succeeded: the fuzzer never reached the kernel's happy paths");
    KT_CHECK(st.errors[unsigned(Error::InvalidCapability)] > 0, "no InvalidCapability at all");
    // The suite's own caps are untouched.
    KT_EXPECT_TYPE(ipc::root_slot_cnode, ObjectType::CNode);
    KT_EXPECT_TYPE(ipc::root_slot_vspace, ObjectType::VSpace);
    KT_EXPECT_TYPE(ipc::root_slot_tcb, ObjectType::Tcb);
    KT_EXPECT_TYPE(ep, ObjectType::Endpoint);
    // And the kernel still does IPC.
    KT_EXPECT_ERR(kapi::nb_recv(ep), Error::WouldBlock);
}
