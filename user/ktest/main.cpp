// ktest main: sets up the suite's memory (pool, arena, pre-built page tables
// for the test region), starts the watchdog thread, runs every registered
// case and prints one line per case and the totals, then exits through
// DebugExit with 0 only if every case passed.
#include "framework_internal.h"

namespace ktest {

const char* cmdline_value(const char* key, size_t* length);
uint64_t parse_number(const char* text, size_t length, uint64_t fallback);

namespace {

JumpBuffer g_jump;
volatile uint64_t g_deadline = 0; // the watchdog aborts the running case at this tick (0 = idle)
volatile uint64_t g_aborts = 0;
Case* volatile g_current = nullptr;
constexpr uint64_t default_budget_ticks = 1500; // 15 s of timer ticks per case
constexpr unsigned case_untyped_bits_max = 22;

// Watches the running case's deadline. The root thread can be stuck anywhere
// (blocked in IPC the kernel never completes); the watchdog suspends it and
// points it at ktest_longjmp, back into the runner, which reports a timeout.
void watchdog(Thread&)
{
    ipc::KernelStats s {};
    for (uint64_t round = 1;; ++round) {
        kapi::yield();
        uint64_t deadline = load(g_deadline);
        // DebugStats is slow (it walks the frame table): look at the clock now and then.
        if (!deadline || round % 256 != 0 || kapi::debug_stats(&s) != Error::None || s.ticks < deadline)
            continue;
        store(g_deadline, 0);
        store(g_aborts, load(g_aborts) + 1);
        kapi::tcb_suspend(env().tcb);
        kapi::Registers regs {};
        regs.rip = reinterpret_cast<uint64_t>(&ktest_longjmp);
        regs.rsp = (g_jump.rsp - 512) & ~uint64_t(15);
        regs.rflags = 0x202;
        regs.rdi = reinterpret_cast<uint64_t>(&g_jump);
        kapi::tcb_write_registers(env().tcb, regs);
        kapi::tcb_resume(env().tcb);
    }
}

bool setup_failed(char* reason, size_t size, const char* what, Error e)
{
    ipc::fmt::BufferSink sink(reason, size);
    ipc::fmt::format(sink, "{}: {}", what, ename(e));
    return false;
}

bool setup(char* reason, size_t size)
{
    Env& e = env();
    e.boot = __root_boot_info;
    if (!e.boot || e.boot->magic != ipc::RootBootInfo::magic_value) {
        ipc::fmt::BufferSink sink(reason, size);
        ipc::fmt::format(sink, "no RootBootInfo at entry (rdi = {:x})", reinterpret_cast<uint64_t>(e.boot));
        e.boot = nullptr;
        return false;
    }
    kapi::set_ipc_buffer(reinterpret_cast<ipc::IpcBuffer*>(e.boot->ipc_buffer_address));
    kapi::set_ipc_buffer_locator(&locate_ipc_buffer);
    init_slots(e.boot->first_free_slot, uint64_t(1) << e.boot->cnode_radix);

    // A known priority, so helpers can be equal (round-robin with Yield) or lower.
    static constexpr uint64_t candidates[] = { 100, 64, 32, 16, 8, 4, 2 };
    for (uint64_t p : candidates) {
        if (kapi::tcb_set_priority(e.tcb, p) == Error::None) {
            e.priority = p;
            break;
        }
    }
    if (!e.priority)
        out("ktest: warning: TcbSetPriority on the root TCB failed; helpers run at priority 0");

    // The largest Untyped pays for everything.
    unsigned best_bits = 0;
    for (uint64_t i = 0; i < e.boot->untyped_count && i < ipc::RootBootInfo::max_untyped; ++i) {
        if (e.boot->untyped[i].size_bits > best_bits) {
            best_bits = e.boot->untyped[i].size_bits;
            e.big_untyped = e.boot->first_untyped + i;
        }
    }
    if (best_bits < 21) {
        ipc::fmt::BufferSink sink(reason, size);
        ipc::fmt::format(sink, "no Untyped of at least 2 MiB ({} untyped, largest 2^{})",
                         e.boot->untyped_count, best_bits);
        return false;
    }
    out("ktest: {} untyped caps, using slot {} (2^{} bytes); first free slot {}, priority {}",
        e.boot->untyped_count, e.big_untyped, best_bits, e.boot->first_free_slot, e.priority);

    // Layout of the big Untyped: [pool | suite objects ... | arena (upper half)].
    unsigned pool_bits = best_bits >= 24 ? 20 : 18;
    e.pool = alloc_slot();
    if (Error err = kapi::untyped_retype(e.big_untyped, ObjectType::Untyped, pool_bits, 0, e.pool, 1);
        err != Error::None)
        return setup_failed(reason, size, "retype the page-table pool", err);
    CPtr warm_frame = alloc_slot();
    if (Error err = kapi::untyped_retype(e.big_untyped, ObjectType::Frame, 0, 0, warm_frame, 1);
        err != Error::None)
        return setup_failed(reason, size, "retype a frame", err);

    // Page tables for the suite's own mappings come from the pool. Map once in
    // the test region so they exist before any case measures what it leaked.
    if (Error err = kapi::vspace_bind_pool(e.vspace, e.pool); err != Error::None) {
        out("ktest: warning: VSpaceBindPool on the root VSpace: {}", ename(err));
    } else if (Error err2 = kapi::vspace_map(e.vspace, warm_frame, test_region_base, RW);
               err2 != Error::None) {
        out("ktest: warning: mapping a frame at {:x}: {}", test_region_base, ename(err2));
    } else {
        volatile uint64_t* p = reinterpret_cast<volatile uint64_t*>(test_region_base);
        *p = 0x6b74657374; // the mapping works
        if (Error err3 = kapi::vspace_unmap(e.vspace, warm_frame); err3 != Error::None)
            out("ktest: warning: unmapping {:x}: {}", test_region_base, ename(err3));
        else
            e.maps_ok = true;
    }
    kapi::cnode_delete(e.cnode, warm_frame);

    // The watchdog: same priority, yields in a loop, aborts a case that overruns.
    // Its TCB and IPC buffer (mapped in the infra region) come from the big Untyped.
    if (e.maps_ok && e.priority) {
        ThreadOptions o;
        o.resume = false;
        setup_thread(__FILE__, __LINE__, 0, watchdog, o, 0, 0, 0, 0, e.big_untyped, infra_region_base);
        if (failed()) {
            out("ktest: warning: no watchdog ({}); a hanging case will hang the run", failure_message());
            reset_failure();
        } else if (Error err = kapi::tcb_resume(g_threads[0].tcb); err != Error::None) {
            out("ktest: warning: no watchdog (resume: {})", ename(err));
        } else {
            e.watchdog_ok = true;
        }
    }

    // Last, the arena: Retype carves at the free index, aligned, so it takes the upper half.
    e.arena_bits = best_bits - 1;
    e.arena = alloc_slot();
    if (Error err = kapi::untyped_retype(e.big_untyped, ObjectType::Untyped, e.arena_bits, 0, e.arena, 1);
        err != Error::None)
        return setup_failed(reason, size, "retype the arena", err);
    e.case_untyped_bits = e.arena_bits - 1 < case_untyped_bits_max ? e.arena_bits - 1 : case_untyped_bits_max;
    return true;
}

size_t length_of_filter()
{
    size_t only = 0, skip = 0;
    cmdline_value("ktest.only", &only);
    cmdline_value("ktest.skip", &skip);
    return only + skip;
}

bool contains(const char* name, const char* word, size_t length)
{
    for (const char* p = name; *p; ++p) {
        if (strlen(p) >= length && memcmp(p, word, length) == 0)
            return true;
    }
    return false;
}

// ktest.only=<substring>: run only matching cases; ktest.skip=<substring>: leave matching ones out.
bool matches_filter(const char* name)
{
    size_t length = 0;
    const char* skip = cmdline_value("ktest.skip", &length);
    if (skip && length && contains(name, skip, length))
        return false;
    const char* only = cmdline_value("ktest.only", &length);
    if (!only || !length)
        return true;
    return contains(name, only, length);
}

void compare_stats(const ipc::KernelStats& before, const ipc::KernelStats& after)
{
    if (failed())
        return;
    struct Field {
        const char* name;
        uint64_t a, b;
    } fields[] = {
        { "frames_mapped", before.frames_mapped, after.frames_mapped },
        { "untyped_free_bytes", before.untyped_free_bytes, after.untyped_free_bytes },
        { "objects_live", before.objects_live, after.objects_live },
        { "threads_live", before.threads_live, after.threads_live },
    };
    for (const Field& f : fields) {
        if (f.a != f.b) {
            fail_at(__FILE__, __LINE__, "leak after cleanup: {} was {} before the case, {} after", f.name,
                    f.a, f.b);
            return;
        }
    }
}

void cleanup_case()
{
    Env& e = env();
    for (unsigned i = first_case_thread; i < max_threads; ++i) {
        if (g_threads[i].tcb)
            kapi::tcb_suspend(g_threads[i].tcb);
    }
    Error revoked = kapi::cnode_revoke(e.cnode, e.arena);
    bool clean = true;
    cleanup_case_slots(&clean);
    if (revoked != Error::None && !failed())
        fail_at(__FILE__, __LINE__, "cleanup: revoking the arena: {}", ename(revoked));
    if (!clean && !failed())
        fail_at(__FILE__, __LINE__, "cleanup: deleting the case's slots failed");
    reset_threads();
    e.case_untyped = 0;
}

} // namespace

void park_watchdog(uint64_t priority)
{
    if (env().watchdog_ok)
        kapi::tcb_set_priority(g_threads[0].tcb, priority);
}

int run(void)
{
    out("ktest: faultline kernel test suite");
    char reason[200] = "";
    bool ok = setup(reason, sizeof(reason));
    if (!ok)
        out("ktest: setup failed: {}", reason);
    bool verbose = cmdline_value("ktest.verbose", nullptr) != nullptr;
    ipc::KernelStats start = stats();
    env().start_stats = start;

    unsigned passed = 0, failures = 0;
    for (Case* c = first_case(); c; c = c->next) {
        if (!matches_filter(c->name))
            continue;
        g_current = c;
        reset_failure();
        reset_vaddrs();
        reset_threads();
        begin_case_slots();
        if (verbose)
            out("ktest: RUN {}", c->name);
        if (!ok) {
            fail_at(__FILE__, __LINE__, "setup failed: {}", reason);
        } else {
            ipc::KernelStats before = stats();
            Env& e = env();
            e.case_untyped = alloc_slot();
            Error err = kapi::untyped_retype(e.arena, ObjectType::Untyped, e.case_untyped_bits, 0,
                                             e.case_untyped, 1);
            if (err != Error::None) {
                fail_at(__FILE__, __LINE__, "retype the case's untyped (2^{}): {}", e.case_untyped_bits,
                        ename(err));
            } else {
                uint64_t budget = c->budget_ticks ? c->budget_ticks : default_budget_ticks;
                if (e.watchdog_ok)
                    store(g_deadline, ticks() + budget);
                if (ktest_setjmp(&g_jump) == 0) {
                    g_current->fn();
                } else {
                    // Back from the watchdog: everything on the case's stack is gone.
                    fail_at(__FILE__, __LINE__, "timed out: the watchdog aborted the case after {} ticks",
                            g_current->budget_ticks ? g_current->budget_ticks : default_budget_ticks);
                }
                store(g_deadline, 0);
            }
            c = g_current;
            cleanup_case();
            compare_stats(before, stats());
        }
        if (failed()) {
            ++failures;
            out("ktest: FAIL {}: {}", c->name, failure_message());
        } else {
            ++passed;
            out("ktest: PASS {}", c->name);
        }
    }
    // One more verdict: after every case, the kernel's accounting is where it started.
    if (!length_of_filter()) {
        reset_failure();
        ipc::KernelStats end = stats();
        if (!ok)
            fail_at(__FILE__, __LINE__, "setup failed: {}", reason);
        else
            compare_stats(start, end);
        if (failed()) {
            ++failures;
            out("ktest: FAIL suite_stats_unchanged: {} (start: mapped {} free {} objects {} threads {}; end: "
                "{} {} {} {})",
                failure_message(), start.frames_mapped, start.untyped_free_bytes, start.objects_live,
                start.threads_live, end.frames_mapped, end.untyped_free_bytes, end.objects_live,
                end.threads_live);
        } else {
            ++passed;
            out("ktest: PASS suite_stats_unchanged");
        }
    }
    out("ktest: RESULT: {} passed, {} failed", passed, failures);
    return failures ? 1 : 0;
}

// --- the kernel command line ---------------------------------------------------

const char* cmdline_value(const char* key, size_t* length)
{
    const ipc::RootBootInfo* boot = env().boot;
    if (!boot)
        return nullptr;
    const char* line = boot->command_line;
    size_t key_length = strlen(key);
    size_t i = 0;
    size_t end = 0;
    while (end < sizeof(boot->command_line) && line[end])
        ++end;
    while (i < end) {
        while (i < end && line[i] == ' ')
            ++i;
        size_t start = i;
        while (i < end && line[i] != ' ')
            ++i;
        size_t word = i - start;
        if (word >= key_length && memcmp(line + start, key, key_length) == 0) {
            if (word == key_length) {
                if (length)
                    *length = 0;
                return line + start + word;
            }
            if (line[start + key_length] == '=') {
                if (length)
                    *length = word - key_length - 1;
                return line + start + key_length + 1;
            }
        }
    }
    return nullptr;
}

uint64_t parse_number(const char* text, size_t length, uint64_t fallback)
{
    if (!text || !length)
        return fallback;
    uint64_t value = 0;
    unsigned base = 10;
    size_t i = 0;
    if (length > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        i = 2;
    }
    for (; i < length; ++i) {
        char c = text[i];
        unsigned digit;
        if (c >= '0' && c <= '9')
            digit = unsigned(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            digit = unsigned(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            digit = unsigned(c - 'A' + 10);
        else
            return fallback;
        value = value * base + digit;
    }
    return value;
}

} // namespace ktest

int main(int, char**) { return ktest::run(); }
