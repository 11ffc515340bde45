// bench: the faultline side of `make bench` (issue 6). Run by init as
//
//   init.run=/bin/bench:COUNT[:MIB]
//
// COUNT is how many samples each operation gets (default 200), MIB the size
// of the sequential-touch run with the around=16 policy (default 16). Every
// figure is guest instructions: under QEMU `-icount shift=0` rdtsc advances
// by exactly one per instruction, so the difference of two rdtsc readings
// is the instruction count between them (minus the calibrated cost of the
// rdtsc pair itself, subtracted from every sample).
//
// For each operation it prints
//
//   bench: NAME median N min N mean N count N
//   benchjson: {"name":"NAME","median":N,"min":N,"mean":N,"count":N,"unit":"insns/op"}
//
// and, once, `bench: done`. tests/bench/run_bench.py boots it and collects
// the rows. The same binary is its own child for the spawn and guard rows:
//
//   /bin/bench:first:T0   exits at once with rdtsc-T0 as its status
//   /bin/bench:guard:ADDR writes to ADDR (a guard page) and is killed
//   /bin/bench:exit       exits 0 at once
#include <cstddef>
#include <cstdint>
#include "row_figures.h"
#include <files.h>
#include <ipc/format.h>
#include <ipc/proto/fs.h>
#include <ipc/proto/pager.h>
#include <ipc/proto/slots.h>
#include <ipc/proto/strings.h>
#include <kernel_api.h>
#include <mman.h>
#include <pager_client.h>
#include <process.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syscall.h>

namespace {

using ipc::MessageInfo;

inline uint64_t rdtsc()
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (uint64_t(hi) << 32) | lo;
}

template<typename... Args>
void say(const char* format, const Args&... args)
{
    char line[256];
    ipc::fmt::BufferSink sink(line, sizeof(line));
    ipc::fmt::format(sink, format, args...);
    (void)sys::debug_print(line, sink.length());
}

uint64_t parse(const char* text)
{
    uint64_t value = 0;
    if (text[0] == '0' && text[1] == 'x') {
        for (text += 2;; ++text) {
            char c = *text;
            if (c >= '0' && c <= '9')
                value = value * 16 + uint64_t(c - '0');
            else if (c >= 'a' && c <= 'f')
                value = value * 16 + uint64_t(c - 'a' + 10);
            else
                break;
        }
        return value;
    }
    for (; *text >= '0' && *text <= '9'; ++text)
        value = value * 10 + uint64_t(*text - '0');
    return value;
}

[[noreturn]] void fail(const char* what, ipc::Error e = ipc::Error::None)
{
    say("bench: FAIL: {}: {}\n", what, ipc::error_name(e));
    libc::exit(1);
}

// --- samples -----------------------------------------------------------------

constexpr size_t max_samples = 8192;
uint64_t g_samples[max_samples];
size_t g_count;
uint64_t g_overhead; // instructions of an empty rdtsc pair

void reset() { g_count = 0; }
void add(uint64_t v)
{
    if (g_count < max_samples)
        g_samples[g_count++] = v;
}
void add_timed(uint64_t t0, uint64_t t1) { add(t1 - t0 > g_overhead ? t1 - t0 - g_overhead : 0); }

// Prints the row for the samples collected since reset().
void report(const char* name, const char* note = "")
{
    if (g_count == 0) {
        say("bench: {} FAIL no samples\n", name);
        return;
    }
    auto [median, minimum, mean] = bench::row_figures(g_samples, g_count);
    say("bench: {} median {} min {} mean {} count {}\n", name, median, minimum, mean, g_count);
    // (the formatter has no "{{" escape: the braces go in as arguments)
    say("benchjson: "
        "{}\"name\":\"{}\",\"median\":{},\"min\":{},\"mean\":{},\"count\":{},\"unit\":\"insns/"
        "op\",\"note\":\"{}\"{}\n",
        "{", name, median, minimum, mean, g_count, note, "}");
}

void calibrate()
{
    uint64_t best = ~uint64_t(0);
    for (int i = 0; i < 64; ++i) {
        uint64_t t0 = rdtsc();
        uint64_t t1 = rdtsc();
        if (t1 - t0 < best)
            best = t1 - t0;
    }
    g_overhead = best;
}

// --- the operations ---------------------------------------------------------------

void bench_null(size_t count)
{
    reset();
    for (size_t i = 0; i < count; ++i) {
        uint64_t t0 = rdtsc();
        (void)kapi::syscall(ipc::Syscall::Null, 0, MessageInfo());
        uint64_t t1 = rdtsc();
        add_timed(t0, t1);
    }
    report("null_syscall");
}

void bench_ipc(size_t count, uint64_t file_id)
{
    using ipc::proto::fs::Label;
    reset();
    for (size_t i = 0; i < count; ++i) {
        uint64_t t0 = rdtsc();
        auto r = kapi::call(ipc::proto::process_slot_fs, MessageInfo(uint32_t(Label::Stat), 1), file_id);
        uint64_t t1 = rdtsc();
        if (kapi::call_error(r) != ipc::Error::None)
            fail("fs Stat", kapi::call_error(r));
        add_timed(t0, t1);
    }
    report("ipc_call_replyrecv",
           "Call to the fs server (Stat, register payload) and its ReplyRecv; includes the Stat handler");
}

volatile uint8_t* map_anon(size_t bytes)
{
    auto mapped = libc::mmap(nullptr, bytes, libc::Prot::read | libc::Prot::write,
                             libc::MapFlags::priv | libc::MapFlags::anonymous);
    if (mapped.is_error())
        fail("mmap anonymous", mapped.error());
    return static_cast<volatile uint8_t*>(mapped.value());
}

void unmap(volatile uint8_t* p, size_t bytes)
{
    auto r = libc::munmap(const_cast<uint8_t*>(p), bytes);
    if (r.is_error())
        fail("munmap", r.error());
}

void bench_anon(size_t count, const char* name, const char* note)
{
    reset();
    size_t pages = count < 64 ? 64 : count;
    volatile uint8_t* memory = map_anon(pages * 4096);
    for (size_t i = 0; i < pages; ++i) {
        volatile uint8_t* p = memory + i * 4096 + 8;
        uint64_t t0 = rdtsc();
        *p = 1; // faults: kernel -> pager -> map a zeroed frame -> resume here
        uint64_t t1 = rdtsc();
        add_timed(t0, t1);
        if (memory[i * 4096 + 16] != 0)
            fail("a fresh anonymous page is not zero");
    }
    unmap(memory, pages * 4096);
    report(name, note);
}

// Reads one byte of every page of a private read-only mapping of `id`.
void touch_file(uint64_t id, uint64_t size)
{
    auto mapped = libc::mmap(nullptr, size, libc::Prot::read, libc::MapFlags::priv, int64_t(id), 0);
    if (mapped.is_error())
        fail("mmap of the file", mapped.error());
    auto* bytes = static_cast<const volatile uint8_t*>(mapped.value());
    // The last two pages stay untouched: traced_faults() reads one cold.
    for (uint64_t offset = 0; offset + 3 * 4096 <= size; offset += 4096) {
        uint64_t t0 = rdtsc();
        (void)bytes[offset + 64];
        uint64_t t1 = rdtsc();
        add_timed(t0, t1);
    }
    auto r = libc::munmap(const_cast<uint8_t*>(bytes), size);
    if (r.is_error())
        fail("munmap of the file", r.error());
}

void bench_file(const char* path)
{
    auto file = libc::open_file(path);
    if (file.is_error())
        fail("open the data file", file.error());
    reset();
    touch_file(file.value().id, file.value().size);
    report("file_fault_cold", "first read of a page of a file mapping: pager -> fs FillPage -> map");
    reset();
    touch_file(file.value().id, file.value().size);
    report("file_fault_warm", "same file mapped again: the page is in the pager's cache");
}

// Machine-wide: the bench runs from init's run list, whose programs hold the operator right.
bool set_policy(const char* name)
{
    auto set = libc::pager::policy(name);
    if (set.is_error()) {
        say("bench: cannot set pager policy {}: {}\n", name, ipc::error_name(set.error()));
        return false;
    }
    return true;
}

void bench_around(size_t mib, size_t runs)
{
    if (!set_policy("around=16"))
        return;
    size_t bytes = mib << 20;
    size_t pages = bytes / 4096;
    reset();
    for (size_t run = 0; run < runs; ++run) {
        volatile uint8_t* memory = map_anon(bytes);
        uint64_t t0 = rdtsc();
        for (size_t i = 0; i < pages; ++i)
            memory[i * 4096] = 1;
        uint64_t t1 = rdtsc();
        add((t1 - t0) / pages);
        unmap(memory, bytes);
    }
    set_policy("lazy");
    char note[64];
    ipc::fmt::BufferSink sink(note, sizeof(note));
    ipc::fmt::format(sink, "{} MiB written one byte per page, policy around=16", mib);
    note[sink.length() < sizeof(note) ? sink.length() : sizeof(note) - 1] = 0;
    report("seq_touch_around16_per_page", note);
}

// Warm file faults under around=16: a fresh mapping of the cached file
// read one byte per page in order; the cost of the whole pass per page.
void bench_file_around(const char* path, size_t runs)
{
    auto file = libc::open_file(path);
    if (file.is_error())
        fail("open the data file", file.error());
    if (!set_policy("around=16"))
        return;
    uint64_t size = file.value().size;
    // The mapping leaves the last two pages out: bench_file() read only the
    // others, and traced_faults() needs those two cold.
    uint64_t pages = size / 4096 - 2;
    size = pages * 4096;
    reset();
    for (size_t run = 0; run < runs; ++run) {
        auto mapped
            = libc::mmap(nullptr, size, libc::Prot::read, libc::MapFlags::priv, int64_t(file.value().id), 0);
        if (mapped.is_error())
            fail("mmap of the file", mapped.error());
        auto* bytes = static_cast<const volatile uint8_t*>(mapped.value());
        uint64_t t0 = rdtsc();
        for (uint64_t page = 0; page < pages; ++page)
            (void)bytes[page * 4096 + 64];
        uint64_t t1 = rdtsc();
        add((t1 - t0) / pages);
        auto r = libc::munmap(mapped.value(), size);
        if (r.is_error())
            fail("munmap of the file", r.error());
    }
    set_policy("lazy");
    report("file_fault_warm_around16_per_page",
           "cached file mapped afresh, one read per page, policy around=16");
}

// The guard region below our own stack: children of the same binary have
// the same layout (same ELF, same loader), so its address holds for them.
uint64_t find_guard()
{
    for (uint64_t index = 0; index < 256; ++index) {
        auto row = libc::pager::query(0, index);
        if (row.is_error())
            break;
        if (row.value().type == ipc::proto::pager::RegionType::Guard)
            return row.value().end - 64;
    }
    return 0;
}

void format_number(char* out, size_t capacity, const char* format, uint64_t value)
{
    ipc::fmt::BufferSink sink(out, capacity);
    ipc::fmt::format(sink, format, value);
    size_t n = sink.length() < capacity ? sink.length() : capacity - 1;
    out[n] = 0;
}

void bench_spawn(size_t count, const char* self)
{
    size_t runs = count < 5 ? count : (count > 20 ? 20 : count);
    if (runs == 0)
        runs = 1;
    char arg[32];

    // spawn -> first instruction of main (the child exits with rdtsc - T0)
    uint64_t first_median = 0;
    reset();
    for (size_t i = 0; i < runs; ++i) {
        uint64_t t0 = rdtsc();
        format_number(arg, sizeof(arg), "{}", t0);
        const char* argv[] = { self, "first", arg };
        auto pid = libc::spawn(argv, 3);
        if (pid.is_error())
            fail("spawn", pid.error());
        auto status = libc::wait(pid.value());
        if (status.is_error() || status.value().kind != ipc::proto::process::ExitKind::Exited)
            fail("wait for the first-instruction child");
        add(status.value().status);
    }
    report("spawn_to_first_instruction", "spawn request to the first statement of the child's main");
    first_median = g_samples[g_count / 2];

    // spawn -> exit notice (the child returns at once)
    reset();
    for (size_t i = 0; i < runs; ++i) {
        const char* argv[] = { self, "exit" };
        uint64_t t0 = rdtsc();
        auto pid = libc::spawn(argv, 2);
        if (pid.is_error())
            fail("spawn", pid.error());
        auto status = libc::wait(pid.value());
        uint64_t t1 = rdtsc();
        if (status.is_error())
            fail("wait for the exit child", status.error());
        add_timed(t0, t1);
    }
    report("spawn_to_exit", "spawn request to the parent's Wait returning (child exits at once)");

    // guard-page hit -> exit notice: spawn->wait of a child whose main
    // writes into a guard page, minus spawn->first instruction.
    uint64_t guard = find_guard();
    if (guard == 0) {
        say("bench: guard_hit_to_exit FAIL no guard region found\n");
        return;
    }
    format_number(arg, sizeof(arg), "0x{:x}", guard);
    reset();
    for (size_t i = 0; i < runs; ++i) {
        const char* argv[] = { self, "guard", arg };
        uint64_t t0 = rdtsc();
        auto pid = libc::spawn(argv, 3);
        if (pid.is_error())
            fail("spawn", pid.error());
        auto status = libc::wait(pid.value());
        uint64_t t1 = rdtsc();
        if (status.is_error() || status.value().kind == ipc::proto::process::ExitKind::Exited)
            fail("the guard child was not killed");
        uint64_t total = t1 - t0;
        add(total > first_median ? total - first_median : 0);
    }
    report("guard_hit_to_exit",
           "spawn->wait of a child that writes a guard page, minus median spawn->first instruction");
}

void set_trace(bool on)
{
    if (auto traced = libc::pager::trace(0, on); traced.is_error())
        say("bench: cannot turn the pager's trace {}: {}\n", on ? "on" : "off",
            ipc::error_name(traced.error()));
}

// A few faults with the pager's trace on, so the log shows where the
// instructions of the round trip go (not timed: the trace prints).
void traced_faults(const char* path)
{
    say("bench: trace begin\n");
    set_trace(true);
    volatile uint8_t* memory = map_anon(4 * 4096);
    for (int i = 0; i < 4; ++i)
        memory[i * 4096] = 1;
    set_trace(false);
    unmap(memory, 4 * 4096);
    auto file = libc::open_file(path);
    if (!file.is_error() && file.value().size >= 3 * 4096) {
        uint64_t offset = (file.value().size / 4096 - 2) * 4096;
        auto mapped = libc::mmap(nullptr, 4096 * 2, libc::Prot::read, libc::MapFlags::priv,
                                 int64_t(file.value().id), offset);
        if (!mapped.is_error()) {
            auto* bytes = static_cast<const volatile uint8_t*>(mapped.value());
            set_trace(true);
            (void)bytes[4096]; // cold: never read before
            (void)bytes[0];    // cold too
            set_trace(false);
            (void)libc::munmap(mapped.value(), 4096 * 2);
        }
    }
    say("bench: trace end\n");
}

} // namespace

int main(int argc, char** argv)
{
    if (argc > 1 && strcmp(argv[1], "first") == 0) {
        uint64_t now = rdtsc();
        uint64_t t0 = argc > 2 ? parse(argv[2]) : now;
        uint64_t delta = now - t0;
        libc::exit(int(delta > 0x7fffffff ? 0x7fffffff : delta));
    }
    if (argc > 1 && strcmp(argv[1], "exit") == 0)
        return 0;
    if (argc > 1 && strcmp(argv[1], "guard") == 0) {
        auto* p = reinterpret_cast<volatile uint64_t*>(argc > 2 ? parse(argv[2]) : 8);
        *p = 1;
        return 2; // not reached: the pager kills us
    }

    // /bin/bench:pool:COUNT, booted with pager.pool=N: the anonymous fault
    // row again, the pager taking frames from its pre-zeroed pool.
    if (argc > 2 && strcmp(argv[1], "pool") == 0) {
        size_t count = parse(argv[2]);
        calibrate();
        bench_anon(
            count > max_samples ? max_samples : count, "anon_fault_prezeroed_pool",
            "as anon_fault, the pager retyping N frames at a time into a pre-zeroed pool (pager.pool=N)");
        say("bench: done\n");
        return 0;
    }

    size_t count = argc > 1 ? parse(argv[1]) : 200;
    size_t mib = argc > 2 ? parse(argv[2]) : 16;
    if (count == 0)
        count = 200;
    if (count > max_samples)
        count = max_samples;
    const char* self = argc > 0 ? argv[0] : "/bin/bench";
    const char* data = "/etc/bench.dat";

    calibrate();
    say("bench: start count {} mib {} rdtsc-overhead {}\n", count, mib, g_overhead);
    auto me = libc::open_file(self);
    if (me.is_error())
        fail("open_file of argv[0]", me.error());

    bench_null(count);
    bench_ipc(count, me.value().id);
    bench_anon(count, "anon_fault",
               "write to an untouched anonymous page, fault to resumed instruction, page zeroed");
    bench_file(data);
    bench_file_around(data, count < 3 ? 1 : 3);
    if (mib > 0)
        bench_around(mib, count < 3 ? 1 : 3);
    bench_spawn(count, self);
    traced_faults(data);
    say("bench: done\n");
    return 0;
}
