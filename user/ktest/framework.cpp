// The pieces every case uses: failure recording, slot/address/untyped
// allocation, threads, time-boxed waiting.
#include "framework_internal.h"

namespace ktest {

// --- registration and failures ----------------------------------------------

namespace {
Case* g_first_case = nullptr;
Case* g_last_case = nullptr;
bool g_failed = false;
char g_failure[512];
} // namespace

Registrar::Registrar(Case* c)
{
    if (g_last_case)
        g_last_case->next = c;
    else
        g_first_case = c;
    g_last_case = c;
}

Case* first_case() { return g_first_case; }

bool failed() { return g_failed; }
const char* failure_message() { return g_failure; }
void reset_failure()
{
    g_failed = false;
    g_failure[0] = 0;
}

const char* base_name(const char* path)
{
    const char* base = path;
    for (const char* p = path; *p; ++p) {
        if (*p == '/')
            base = p + 1;
    }
    return base;
}

void record_failure(const char* file, int line, const char* message)
{
    if (g_failed)
        return; // the first failure is the interesting one
    g_failed = true;
    ipc::fmt::BufferSink sink(g_failure, sizeof(g_failure));
    ipc::fmt::format(sink, "{}:{}: {}", base_name(file), line, message);
}

const char* ename(Error e)
{
    static char unknown[40];
    if (uint32_t(e) <= uint32_t(Error::Deleted))
        return ipc::error_name(e);
    ipc::fmt::BufferSink sink(unknown, sizeof(unknown));
    ipc::fmt::format(sink, "unknown error {:x}", uint32_t(e));
    return unknown;
}

const char* type_name(ObjectType type)
{
    switch (type) {
    case ObjectType::Null: return "Null";
    case ObjectType::Untyped: return "Untyped";
    case ObjectType::CNode: return "CNode";
    case ObjectType::Tcb: return "TCB";
    case ObjectType::Endpoint: return "Endpoint";
    case ObjectType::Notification: return "Notification";
    case ObjectType::VSpace: return "VSpace";
    case ObjectType::Frame: return "Frame";
    case ObjectType::IrqHandler: return "IrqHandler";
    case ObjectType::IoPort: return "IoPort";
    case ObjectType::Reply: return "Reply";
    case ObjectType::IrqControl: return "IrqControl";
    case ObjectType::Count: break;
    }
    return "unknown type";
}

// --- environment ----------------------------------------------------------------

namespace {
Env g_env;
uint64_t g_next_slot = 0;
uint64_t g_slot_limit = 0;
uint64_t g_case_first_slot = 0;
uint64_t g_next_page = 0;
} // namespace

Env& env() { return g_env; }

void init_slots(uint64_t first, uint64_t limit)
{
    g_next_slot = first;
    g_slot_limit = limit;
    g_case_first_slot = first;
}

CPtr alloc_slots(unsigned count)
{
    if (g_next_slot + count > g_slot_limit) {
        record_failure(__FILE__, __LINE__, "out of root CNode slots");
        return 0;
    }
    CPtr first = g_next_slot;
    g_next_slot += count;
    return first;
}

CPtr alloc_slot() { return alloc_slots(1); }
uint64_t slots_used_mark() { return g_next_slot; }

void begin_case_slots() { g_case_first_slot = g_next_slot; }

void cleanup_case_slots(bool* all_clean)
{
    // Whatever the revoke of the arena did not reach (caps derived from boot
    // caps, moved caps): delete, newest first. Empty slots are fine.
    for (uint64_t slot = g_next_slot; slot > g_case_first_slot; --slot) {
        Error e = kapi::cnode_delete(g_env.cnode, slot - 1);
        if (e != Error::None && e != Error::InvalidCapability && all_clean)
            *all_clean = false;
    }
    g_next_slot = g_case_first_slot;
}

void reset_vaddrs() { g_next_page = 0; }

uint64_t alloc_vaddr(unsigned pages)
{
    if (g_next_page + pages + 1 > test_region_pages) {
        record_failure(__FILE__, __LINE__, "out of test-region addresses");
        return test_region_base;
    }
    uint64_t va = test_region_base + g_next_page * ipc::page_size;
    g_next_page += pages + 1; // plus an unmapped guard page
    return va;
}

CPtr make_object_at(const char* file, int line, ObjectType type, unsigned size_bits, CPtr from)
{
    if (!from)
        from = g_env.case_untyped;
    CPtr slot = alloc_slot();
    if (!slot)
        return 0;
    Error e = kapi::untyped_retype(from, type, size_bits, 0, slot, 1);
    if (e != Error::None) {
        fail_at(file, line, "retype {} (size bits {}) into slot {}: {}", type_name(type), size_bits, slot,
                ename(e));
        return 0;
    }
    return slot;
}

CPtr derive_at(const char* file, int line, CPtr source, uint8_t rights, uint64_t badge)
{
    CPtr slot = alloc_slot();
    if (!slot)
        return 0;
    Error e = badge == ~0ull ? kapi::cnode_copy(g_env.cnode, slot, 0, source, rights)
                             : kapi::cnode_mint(g_env.cnode, slot, 0, source, rights, badge);
    if (e != Error::None) {
        fail_at(file, line, "{} slot {} (rights {:x}, badge {:x}) into {}: {}",
                badge == ~0ull ? "copy" : "mint", source, rights, badge, slot, ename(e));
        return 0;
    }
    return slot;
}

MappedFrame map_new_frame_at(const char* file, int line, uint8_t rights)
{
    MappedFrame f;
    f.cap = make_object_at(file, line, ObjectType::Frame);
    if (failed())
        return f;
    uint64_t va = alloc_vaddr();
    Error e = kapi::vspace_map(g_env.vspace, f.cap, va, rights);
    if (e != Error::None) {
        fail_at(file, line, "map frame {} at {:x} rights {:x}: {}", f.cap, va, rights, ename(e));
        return f;
    }
    f.vaddr = va;
    return f;
}

bool slot_empty(CPtr slot, CPtr cnode)
{
    auto d = kapi::cnode_describe(cnode, slot);
    if (d.is_error())
        return d.error() == Error::InvalidCapability;
    return d.value().type == ObjectType::Null;
}

const char* describe_text(CPtr slot)
{
    static char text[120];
    ipc::fmt::BufferSink sink(text, sizeof(text));
    auto d = kapi::cnode_describe(g_env.cnode, slot);
    if (d.is_error())
        ipc::fmt::format(sink, "describe: {}", ename(d.error()));
    else
        ipc::fmt::format(sink, "{} cap, rights {:x}, badge {:x}", type_name(d.value().type), d.value().rights,
                         d.value().badge);
    return text;
}

// --- time ----------------------------------------------------------------------

ipc::KernelStats stats()
{
    ipc::KernelStats s {};
    if (kapi::debug_stats(&s) != Error::None)
        return ipc::KernelStats {};
    return s;
}

uint64_t ticks() { return stats().ticks; }

void settle(unsigned yields)
{
    for (unsigned i = 0; i < yields; ++i)
        kapi::yield();
}

SyscallResult recv_timeout(CPtr cap, uint64_t max_ticks)
{
    SyscallResult r;
    wait_until(
        [&] {
            r = kapi::nb_recv(cap);
            return r.error != Error::WouldBlock;
        },
        max_ticks);
    return r;
}

uint64_t xorshift64(uint64_t& state)
{
    uint64_t x = state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    state = x;
    return x;
}

// --- threads ---------------------------------------------------------------------

alignas(4096) uint8_t g_stacks[max_threads][thread_stack_size];
Thread g_threads[max_threads];
namespace {
unsigned g_next_thread = first_case_thread;
}

ipc::IpcBuffer* locate_ipc_buffer()
{
    uint64_t sp = reinterpret_cast<uint64_t>(__builtin_frame_address(0));
    uint64_t base = reinterpret_cast<uint64_t>(&g_stacks[0][0]);
    if (sp < base || sp >= base + sizeof(g_stacks))
        return nullptr; // the root thread: the default buffer
    return g_threads[(sp - base) / thread_stack_size].ipc;
}

void reset_threads()
{
    for (unsigned i = first_case_thread; i < max_threads; ++i) {
        Thread& t = g_threads[i];
        t.tcb = 0;
        t.ipc = nullptr;
        t.fn = nullptr;
        for (auto& a : t.arg)
            a = 0;
        for (auto& o : t.out)
            store(o, 0);
        store(t.progress, 0);
        store(t.started, 0);
        store(t.finished, 0);
    }
    g_next_thread = first_case_thread;
}

extern "C" [[noreturn]] void ktest_thread_trampoline(Thread* t)
{
    store(t->started, 1);
    t->fn(*t);
    store(t->finished, 1);
    for (;;) {
        kapi::tcb_suspend(t->tcb); // does not return if it works
        kapi::yield();
    }
}

Thread* setup_thread(const char* file, int line, unsigned index, ThreadFn fn, const ThreadOptions& o,
                     uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, CPtr from_untyped,
                     uint64_t ipc_vaddr)
{
    Thread& t = g_threads[index];
    t.index = index;
    t.fn = fn;
    t.arg[0] = a0;
    t.arg[1] = a1;
    t.arg[2] = a2;
    t.arg[3] = a3;
    t.stack_base = reinterpret_cast<uint64_t>(&g_stacks[index][0]);
    t.stack_top = t.stack_base + thread_stack_size;

    t.tcb = make_object_at(file, line, ObjectType::Tcb, 0, from_untyped);
    if (failed())
        return nullptr;
    CPtr vspace = o.vspace ? o.vspace : g_env.vspace;
    CPtr cspace = o.cspace ? o.cspace : g_env.cnode;
    if (o.ipc_buffer) {
        t.ipc_frame = make_object_at(file, line, ObjectType::Frame, 0, from_untyped);
        if (failed())
            return nullptr;
        t.ipc_vaddr = ipc_vaddr ? ipc_vaddr : alloc_vaddr();
        if (Error e = kapi::vspace_map(g_env.vspace, t.ipc_frame, t.ipc_vaddr, RW); e != Error::None) {
            fail_at(file, line, "map thread IPC buffer at {:x}: {}", t.ipc_vaddr, ename(e));
            return nullptr;
        }
        t.ipc = reinterpret_cast<ipc::IpcBuffer*>(t.ipc_vaddr);
    } else {
        t.ipc_frame = 0;
        t.ipc_vaddr = 0;
        t.ipc = nullptr;
    }
    uint64_t priority = o.priority == ~0ull ? g_env.priority : o.priority;
    CPtr buffer_frame = o.vspace ? 0 : t.ipc_frame;
    uint64_t buffer_address = buffer_frame ? t.ipc_vaddr : 0; // no frame: address 0
    if (Error e = kapi::tcb_configure(t.tcb, cspace, vspace, buffer_frame, buffer_address, o.fault_endpoint,
                                      priority);
        e != Error::None) {
        fail_at(file, line, "TcbConfigure (fault endpoint {}, priority {}): {}", o.fault_endpoint, priority,
                ename(e));
        return nullptr;
    }
    if (o.supervisor) {
        if (Error e = kapi::tcb_set_supervisor(t.tcb, o.supervisor); e != Error::None) {
            fail_at(file, line, "TcbSetSupervisor: {}", ename(e));
            return nullptr;
        }
    }
    // A zero return address above the entry frame: (rsp + 8) % 16 == 0 at entry, as the ABI wants.
    *reinterpret_cast<uint64_t*>(t.stack_top - 8) = 0;
    kapi::Registers regs {};
    regs.rip = o.rip ? o.rip : reinterpret_cast<uint64_t>(&ktest_thread_trampoline);
    regs.rsp = o.rip && o.rsp ? o.rsp : t.stack_top - 8;
    regs.rflags = 0x202;
    regs.rdi = reinterpret_cast<uint64_t>(&t);
    if (Error e = kapi::tcb_write_registers(t.tcb, regs); e != Error::None) {
        fail_at(file, line, "TcbWriteRegisters: {}", ename(e));
        return nullptr;
    }
    if (o.resume) {
        if (Error e = kapi::tcb_resume(t.tcb); e != Error::None) {
            fail_at(file, line, "TcbResume: {}", ename(e));
            return nullptr;
        }
    }
    return &t;
}

Thread* spawn_at(const char* file, int line, ThreadFn fn, const ThreadOptions& o, uint64_t a0, uint64_t a1,
                 uint64_t a2, uint64_t a3)
{
    if (g_next_thread >= max_threads) {
        fail_at(file, line, "too many threads in one case (max {})", max_threads - first_case_thread);
        return nullptr;
    }
    unsigned index = g_next_thread++;
    return setup_thread(file, line, index, fn, o, a0, a1, a2, a3, o.untyped, 0);
}

void touch_fn(Thread& t)
{
    auto* p = reinterpret_cast<volatile uint64_t*>(t.arg[0]);
    store(t.progress, 1);
    switch (t.arg[1]) {
    case touch_read: t.out[0] = *p; break;
    case touch_write:
        *p = t.arg[2];
        t.out[0] = *p;
        break;
    case touch_execute: reinterpret_cast<void (*)()>(t.arg[0])(); break;
    case touch_read_then_write:
        t.out[0] = *p;
        store(t.progress, 3);
        *p = t.arg[2];
        break;
    }
    store(t.progress, 2);
}

bool wait_finished(Thread& t, uint64_t max_ticks)
{
    return wait_until([&] { return load(t.finished) != 0; }, max_ticks);
}

bool wait_started(Thread& t, uint64_t max_ticks)
{
    return wait_until([&] { return load(t.started) != 0; }, max_ticks);
}

void expect_thread_exit_at(const char* file, int line, CPtr supervisor, ipc::ExitCause cause, uint64_t reason,
                           uint64_t expected_badge, bool check_reason)
{
    SyscallResult r = recv_timeout(supervisor, 300);
    if (!r.ok()) {
        fail_at(file, line, "supervisor endpoint: expected a ThreadExit message, got {}", ename(r.error));
        return;
    }
    if (r.info.label() != ipc::thread_exit_label) {
        fail_at(file, line, "supervisor message: expected label ThreadExit {:x}, got {:x} (w0 {:x} w1 {:x})",
                ipc::thread_exit_label, r.info.label(), r.words[0], r.words[1]);
        return;
    }
    uint64_t words[ipc::ThreadExit::length];
    kapi::received_words(r, words);
    auto notice = ipc::ThreadExit::decode(r.info, words);
    if (notice.is_error()) {
        fail_at(file, line, "ThreadExit: the kernel's message does not decode: {} (length {}, w0 {:x})",
                ename(notice.error()), r.info.length(), r.words[0]);
        return;
    }
    if (notice.value().cause != cause) {
        fail_at(file, line, "ThreadExit cause: expected {}, got {} (reason {:x})", uint64_t(cause),
                uint64_t(notice.value().cause), notice.value().reason);
        return;
    }
    if (check_reason && notice.value().reason != reason) {
        fail_at(file, line, "ThreadExit reason: expected {:x}, got {:x}", reason, notice.value().reason);
        return;
    }
    if (r.badge != expected_badge) {
        fail_at(file, line, "ThreadExit badge: expected {:x}, got {:x}", expected_badge, r.badge);
        return;
    }
}

SyscallResult recv_fault_at(const char* file, int line, CPtr fault_endpoint, ipc::FaultLabel label,
                            uint64_t expected_badge)
{
    SyscallResult r = recv_timeout(fault_endpoint, 300);
    if (!r.ok()) {
        fail_at(file, line, "fault endpoint: expected a {} message, got {}",
                label == ipc::FaultLabel::PageFault ? "PageFault" : "Exception", ename(r.error));
        return r;
    }
    if (r.info.label() != uint32_t(label)) {
        fail_at(file, line, "fault message: expected label {:x}, got {:x} (w0 {:x} w1 {:x} w2 {:x} w3 {:x})",
                uint32_t(label), r.info.label(), r.words[0], r.words[1], r.words[2], r.words[3]);
        return r;
    }
    if (r.badge != expected_badge) {
        fail_at(file, line, "fault message badge: expected {:x}, got {:x}", expected_badge, r.badge);
        return r;
    }
    // What the kernel sent is what the fault codec (ipc/fault.h) accepts.
    uint64_t words[ipc::FaultMessage::max_length];
    kapi::received_words(r, words);
    if (auto decoded = ipc::FaultMessage::decode(r.info, words); decoded.is_error())
        fail_at(file, line, "fault message: does not decode: {} (length {}, w3 {:x})", ename(decoded.error()),
                r.info.length(), r.words[3]);
    return r;
}

} // namespace ktest
