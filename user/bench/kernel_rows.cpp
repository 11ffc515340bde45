// kbench: the benchmark rows that need kernel objects a program never gets
// (a second VSpace, threads, a Notification). It is the ktest framework
// (user/ktest: root task, per-case Untyped, watchdog, leak check after
// every case) with these cases instead of the tests. Boot it as the root
// task with `init=kbench kbench.count=N`; every case prints
//
//   benchjson: {"name":"NAME","median":N,"min":N,"count":N,...}
//
// and fails if an answer is wrong. Figures are guest instructions under
// QEMU -icount shift=0 (rdtsc advances by one per instruction), minus the
// cost of an empty rdtsc pair.
#include "../ktest/ktest.h"
#include "row_figures.h"

extern "C" {
extern const uint8_t kbench_echo_begin[];
extern const uint8_t kbench_echo_end[];
extern const uint8_t kbench_echo_endpoint[];
}

namespace ktest {
const char* cmdline_value(const char* key, size_t* length);
uint64_t parse_number(const char* text, size_t length, uint64_t fallback);
} // namespace ktest

using namespace ktest;

namespace {

inline uint64_t rdtsc()
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (uint64_t(hi) << 32) | lo;
}

constexpr size_t max_samples = 4096;

// The samples of one row, and the calibrated cost of an empty rdtsc pair.
class Samples {
public:
    void reset()
    {
        m_count = 0;
        uint64_t best = ~uint64_t(0);
        for (int i = 0; i < 64; ++i) {
            uint64_t t0 = rdtsc();
            uint64_t t1 = rdtsc();
            best = t1 - t0 < best ? t1 - t0 : best;
        }
        m_overhead = best;
    }
    void add_timed(uint64_t t0, uint64_t t1)
    {
        if (m_count < max_samples)
            m_values[m_count++] = t1 - t0 > m_overhead ? t1 - t0 - m_overhead : 0;
    }
    // Prints the row; false if there is nothing to report.
    bool report(const char* name, const char* note)
    {
        if (m_count == 0)
            return false;
        auto [median, minimum, mean] = bench::row_figures(m_values, m_count);
        out("kbench: {} median {} min {} mean {} count {}", name, median, minimum, mean, m_count);
        out("benchjson: "
            "{}\"name\":\"{}\",\"median\":{},\"min\":{},\"mean\":{},\"count\":{},\"unit\":\"insns/"
            "op\",\"note\":\"{}\"{}",
            "{", name, median, minimum, mean, m_count, note, "}");
        return true;
    }

private:
    uint64_t m_values[max_samples];
    size_t m_count { 0 };
    uint64_t m_overhead { 0 };
};

Samples g_samples; // static: 32 KiB is too much for a case's stack

// While a row runs nothing else shares the suite's priority: the watchdog
// waits below the threads of the row.
class ParkedWatchdog {
public:
    ParkedWatchdog() { park_watchdog(env().priority - 2); }
    ~ParkedWatchdog() { park_watchdog(env().priority); }
};

size_t sample_count()
{
    size_t length = 0;
    const char* text = cmdline_value("kbench.count", &length);
    uint64_t n = parse_number(text, length, 200);
    return n == 0 ? 1 : (n > max_samples ? max_samples : n);
}

constexpr uint64_t echo_code = 0x400000;

// A VSpace of its own with the echo server's code at echo_code, answering on `endpoint`.
CPtr make_echo_space_at(const char* file, int line, CPtr endpoint)
{
    CPtr vspace = make_object_at(file, line, ObjectType::VSpace);
    CPtr pool = vspace ? make_object_at(file, line, ObjectType::Untyped, 15) : 0;
    if (failed())
        return 0;
    if (Error e = kapi::vspace_bind_pool(vspace, pool); e != Error::None) {
        fail_at(file, line, "bind the echo VSpace's pool: {}", ename(e));
        return 0;
    }
    MappedFrame code = map_new_frame_at(file, line, RW);
    if (failed())
        return 0;
    size_t size = size_t(kbench_echo_end - kbench_echo_begin);
    for (size_t i = 0; i < size; ++i)
        code.bytes()[i] = kbench_echo_begin[i];
    size_t endpoint_offset = size_t(kbench_echo_endpoint - kbench_echo_begin);
    *reinterpret_cast<volatile uint64_t*>(code.vaddr + endpoint_offset) = endpoint;
    CPtr code_x = derive_at(file, line, code.cap, R | X, ~0ull);
    if (failed())
        return 0;
    if (Error e = kapi::vspace_map(vspace, code_x, echo_code, R | X); e != Error::None) {
        fail_at(file, line, "map the echo code: {}", ename(e));
        return 0;
    }
    return vspace;
}

// The signaller of the notification row: stamps, then signals (the suite,
// at a higher priority, runs at once and takes the other stamp).
volatile uint64_t g_signal_stamp;

void signaller_fn(Thread& t)
{
    for (uint64_t i = 0; i < t.arg[1]; ++i) {
        g_signal_stamp = rdtsc();
        kapi::signal(t.arg[0]);
    }
}

} // namespace

// Call + ReplyRecv with a four-word register payload, between the suite's
// VSpace and another one: the round trip seen from the caller.
KTEST(kbench_ipc_pingpong_cross_as)
{
    size_t count = sample_count();
    KT_NEW(endpoint, ObjectType::Endpoint);
    CPtr vspace = make_echo_space_at(__FILE__, __LINE__, endpoint);
    if (failed())
        return;
    ParkedWatchdog parked;
    ThreadOptions o;
    o.vspace = vspace;
    o.rip = echo_code;
    o.rsp = 0x7fff0000;
    o.ipc_buffer = false;
    KT_SPAWN(server, nullptr, o);
    Samples& samples = g_samples;
    samples.reset();
    for (uint64_t i = 0; i <= count; ++i) {
        uint64_t t0 = rdtsc();
        SyscallResult r = kapi::call(endpoint, MessageInfo(7, 4), i, ~i, i * 3, 0x6b62);
        uint64_t t1 = rdtsc();
        KT_OK(r);
        KT_EQ(r.info.label(), 7);
        KT_EQ(r.info.length(), 4);
        KT_EQ(r.words[0], i);
        KT_EQ(r.words[1], ~i);
        KT_EQ(r.words[2], i * 3);
        KT_EQ(r.words[3], 0x6b62);
        if (i > 0) // the first call finds the server still starting
            samples.add_timed(t0, t1);
    }
    KT_TRUE(samples.report("ipc_pingpong_cross_as",
                           "Call + ReplyRecv, 4 register words, to an echo server in another VSpace"));
}

// Signal to wake: a lower-priority thread stamps and signals the
// Notification the suite waits on; the suite stamps when Wait returns.
KTEST(kbench_notification_signal_to_wake)
{
    size_t count = sample_count();
    KT_NEW(notification, ObjectType::Notification);
    KT_MINT(badged, notification, ALL, 0x5);
    ParkedWatchdog parked;
    ThreadOptions o;
    o.priority = env().priority - 1;
    KT_SPAWN(signaller, signaller_fn, o, badged, count);
    Samples& samples = g_samples;
    samples.reset();
    for (uint64_t i = 0; i < count; ++i) {
        SyscallResult r = kapi::wait(notification);
        uint64_t t1 = rdtsc();
        KT_OK(r);
        KT_EQ(r.badge, 0x5);
        samples.add_timed(g_signal_stamp, t1);
    }
    // The signaller, preempted in its last Signal, goes with the case's objects.
    KT_TRUE(samples.report(
        "notification_signal_to_wake",
        "Signal by a lower-priority thread to the waiting thread's first instruction after Wait"));
}

namespace {

// The faulting side of the fault rows: writes one word into each of
// arg[1] unmapped pages from arg[0] on, timing each write (the write
// faults, the suite answers, the write completes), then says it is done.
void faulting_fn(Thread& t)
{
    for (uint64_t i = 0; i < t.arg[1]; ++i) {
        volatile uint64_t* word = reinterpret_cast<volatile uint64_t*>(t.arg[0] + i * ipc::page_size + 8);
        uint64_t t0 = rdtsc();
        *word = i + 1;
        uint64_t t1 = rdtsc();
        g_samples.add_timed(t0, t1);
    }
    kapi::send(t.arg[2], MessageInfo(0x6b62, 0));
}

// The suite as the thread's pager, with nothing to decide: each fault is
// answered with Map of the next frame, taken from `frames` ready-made, or
// (frames == 0) retyped from the case's Untyped on the spot, which is what
// a pager without a frame pool does (the kernel zeroes the frame).
void serve_faults_at(const char* file, int line, CPtr endpoint, uint64_t base, uint64_t count, CPtr frames)
{
    CPtr fresh = frames ? 0 : alloc_slots(unsigned(count));
    SyscallResult r = kapi::recv(endpoint);
    for (uint64_t i = 0; i < count; ++i) {
        if (!r.ok() || r.info.label() != uint32_t(ipc::FaultLabel::PageFault)
            || r.words[0] != base + i * ipc::page_size + 8) {
            fail_at(file, line, "fault {}: expected a page fault at {:x}, got {} label {} address {:x}", i,
                    base + i * ipc::page_size + 8, ename(r.error), r.info.label(), r.words[0]);
            return;
        }
        CPtr frame = frames ? frames + i : fresh + i;
        if (!frames) {
            if (Error e = kapi::untyped_retype(env().case_untyped, ObjectType::Frame, 0, 0, frame, 1);
                e != Error::None) {
                fail_at(file, line, "retype the frame for fault {}: {}", i, ename(e));
                return;
            }
        }
        r = kapi::reply_recv(endpoint, MessageInfo(uint32_t(ipc::FaultReply::Map), 3), frame,
                             base + i * ipc::page_size, RW);
    }
    if (!r.ok() || r.info.label() != 0x6b62)
        fail_at(file, line, "expected the faulting thread's done message, got {} label {}", ename(r.error),
                r.info.label());
}

void fault_row_at(const char* file, int line, bool retype_each, const char* name, const char* note)
{
    uint64_t count = sample_count();
    count = count > 200 ? 200 : count; // the test region has 512 pages
    CPtr endpoint = make_object_at(file, line, ObjectType::Endpoint);
    if (failed())
        return;
    CPtr frames = 0;
    if (!retype_each) {
        frames = alloc_slots(unsigned(count));
        if (Error e = kapi::untyped_retype(env().case_untyped, ObjectType::Frame, 0, 0, frames, count);
            e != Error::None) {
            fail_at(file, line, "retype {} frames: {}", count, ename(e));
            return;
        }
    }
    uint64_t base = alloc_vaddr(unsigned(count));
    ParkedWatchdog parked;
    g_samples.reset();
    ThreadOptions o;
    o.priority = env().priority - 1; // runs only while the suite waits for its faults
    o.fault_endpoint = endpoint;
    Thread* t = spawn_at(file, line, faulting_fn, o, base, count, endpoint);
    if (failed())
        return;
    (void)t;
    serve_faults_at(file, line, endpoint, base, count, frames);
    if (failed())
        return;
    for (uint64_t i = 0; i < count; ++i) {
        uint64_t word = reinterpret_cast<volatile uint64_t*>(base + i * ipc::page_size)[1];
        if (word != i + 1) {
            fail_at(file, line, "page {} holds {:x} after the faulting write of {:x}", i, word, i + 1);
            return;
        }
    }
    if (!g_samples.report(name, note))
        fail_at(file, line, "no samples");
}

} // namespace

// The kernel's share of a page fault: a write to an unmapped page, the fault
// message, the handler's ReplyRecv with Map of a ready frame, the write
// completing. The handler is the suite and decides nothing.
KTEST(kbench_fault_round_trip)
{
    fault_row_at(__FILE__, __LINE__, false, "fault_round_trip_ready_frame",
                 "fault -> message -> handler ReplyRecv(Map of a ready frame) -> resumed; no pager logic");
}

// The same, with the handler retyping a fresh (kernel-zeroed) frame per
// fault: the floor for an anonymous fault of any pager that zeroes per fault.
KTEST(kbench_fault_round_trip_retype)
{
    fault_row_at(__FILE__, __LINE__, true, "fault_round_trip_retype_frame",
                 "as fault_round_trip_ready_frame, plus Untyped Retype of a zeroed frame per fault");
}
