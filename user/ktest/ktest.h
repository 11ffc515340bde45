#pragma once
// ktest: the in-guest kernel test suite (in the style of seL4's sel4test).
//
// It runs as the root task. Every case gets a fresh child Untyped of the
// suite's arena, fresh root CNode slots and fresh addresses in a test region
// of the suite's own VSpace; afterwards the runner revokes the arena, deletes
// the slots the case used and checks with DebugStats that nothing leaked.
// Cases fail on the first broken expectation, with file:line, expected and got.
#include <ipc/format.h>
#include <kernel_api.h>
#include <string.h>
#include <syscall.h>

// The end of .text (user.ld puts the init array right after it).
extern "C" char __init_array_start[];

namespace ktest {

using ipc::CPtr;
using ipc::Error;
using ipc::MessageInfo;
using ipc::ObjectType;
using ipc::Rights;
using kapi::SyscallResult;

inline constexpr uint8_t R = Rights::read, W = Rights::write, X = Rights::execute, G = Rights::grant;
inline constexpr uint8_t RW = R | W, ALL = Rights::all;

// --- output -----------------------------------------------------------------

// Formats one line and prints it with a single DebugPrint (lines from
// several threads never interleave).
template<typename... Args>
void out(const char* format, const Args&... args)
{
    char buffer[600];
    ipc::fmt::BufferSink sink(buffer, sizeof(buffer) - 1);
    ipc::fmt::format(sink, format, args...);
    size_t n = sink.length();
    buffer[n++] = '\n';
    sys::debug_print(buffer, n);
}

// --- cases ------------------------------------------------------------------

struct Case {
    const char* name;
    void (*fn)();
    uint64_t budget_ticks; // watchdog budget; 0 = default
    Case* next;
};

struct Registrar {
    explicit Registrar(Case*);
};

#define KTEST_BUDGET(name, ticks)                                                                            \
    static void ktest_fn_##name();                                                                           \
    static ktest::Case ktest_case_##name { #name, ktest_fn_##name, ticks, nullptr };                         \
    static ktest::Registrar ktest_registrar_##name(&ktest_case_##name);                                      \
    static void ktest_fn_##name()
#define KTEST(name) KTEST_BUDGET(name, 0)

// --- failures ----------------------------------------------------------------

bool failed();
void record_failure(const char* file, int line, const char* message);
const char* base_name(const char* path);

template<typename... Args>
void fail_at(const char* file, int line, const char* format, const Args&... args)
{
    char message[400];
    ipc::fmt::BufferSink sink(message, sizeof(message));
    ipc::fmt::format(sink, format, args...);
    record_failure(file, line, message);
}

inline Error error_of(Error e) { return e; }
inline Error error_of(const SyscallResult& r) { return r.error; }
template<typename T>
Error error_of(const ipc::Result<T>& r)
{
    return r.is_error() ? r.error() : Error::None;
}
const char* ename(Error);

#define KT_FAIL(...)                                                                                         \
    do {                                                                                                     \
        ktest::fail_at(__FILE__, __LINE__, __VA_ARGS__);                                                     \
        return;                                                                                              \
    } while (0)

// expr must give exactly `expected`.
#define KT_EXPECT_ERR(expr, expected)                                                                        \
    do {                                                                                                     \
        ipc::Error kt_e_ = ktest::error_of(expr);                                                            \
        ipc::Error kt_x_ = (expected);                                                                       \
        if (kt_e_ != kt_x_)                                                                                  \
            KT_FAIL("{}: expected {}, got {}", #expr, ktest::ename(kt_x_), ktest::ename(kt_e_));             \
    } while (0)
#define KT_OK(expr) KT_EXPECT_ERR(expr, ipc::Error::None)
// Where the spec allows two codes.
#define KT_EXPECT_ERR2(expr, e1, e2)                                                                         \
    do {                                                                                                     \
        ipc::Error kt_e_ = ktest::error_of(expr);                                                            \
        if (kt_e_ != (e1) && kt_e_ != (e2))                                                                  \
            KT_FAIL("{}: expected {} or {}, got {}", #expr, ktest::ename(e1), ktest::ename(e2),              \
                    ktest::ename(kt_e_));                                                                    \
    } while (0)
// Where the spec requires a refusal but names no code.
#define KT_EXPECT_FAILS(expr)                                                                                \
    do {                                                                                                     \
        ipc::Error kt_e_ = ktest::error_of(expr);                                                            \
        if (kt_e_ == ipc::Error::None)                                                                       \
            KT_FAIL("{}: expected an error, got success", #expr);                                            \
        if (kt_e_ == ipc::Error::Unsupported)                                                                \
            KT_FAIL("{}: expected a refusal, got {} (not implemented?)", #expr, ktest::ename(kt_e_));        \
    } while (0)
#define KT_EQ(actual, expected)                                                                              \
    do {                                                                                                     \
        uint64_t kt_a_ = uint64_t(actual), kt_b_ = uint64_t(expected);                                       \
        if (kt_a_ != kt_b_)                                                                                  \
            KT_FAIL("{}: expected {:x} ({}), got {:x} ({})", #actual, kt_b_, kt_b_, kt_a_, kt_a_);           \
    } while (0)
#define KT_NE(actual, unexpected)                                                                            \
    do {                                                                                                     \
        uint64_t kt_a_ = uint64_t(actual), kt_b_ = uint64_t(unexpected);                                     \
        if (kt_a_ == kt_b_)                                                                                  \
            KT_FAIL("{}: expected anything but {:x}", #actual, kt_b_);                                       \
    } while (0)
#define KT_TRUE(cond)                                                                                        \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            KT_FAIL("expected {}", #cond);                                                                   \
    } while (0)
#define KT_CHECK(cond, ...)                                                                                  \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            KT_FAIL(__VA_ARGS__);                                                                            \
    } while (0)
// Runs a helper that may record a failure; stops the case if it did.
#define KT_RUN(...)                                                                                          \
    do {                                                                                                     \
        __VA_ARGS__;                                                                                         \
        if (ktest::failed())                                                                                 \
            return;                                                                                          \
    } while (0)

// --- the environment ----------------------------------------------------------

struct Env {
    const ipc::RootBootInfo* boot { nullptr };
    CPtr cnode { ipc::root_slot_cnode };
    CPtr vspace { ipc::root_slot_vspace };
    CPtr tcb { ipc::root_slot_tcb };
    uint64_t priority { 0 }; // the suite's priority (helpers default to it)
    CPtr big_untyped { 0 };  // the largest boot Untyped
    CPtr pool { 0 };         // pays for the suite VSpace's page tables
    CPtr arena { 0 };        // parent of every case's untyped; revoked after each case
    unsigned arena_bits { 0 };
    CPtr case_untyped { 0 }; // this case's memory
    unsigned case_untyped_bits { 0 };
    bool maps_ok { false }; // the test region can be mapped
    bool watchdog_ok { false };
    ipc::KernelStats start_stats {}; // after setup, before the first case
};
Env& env();

inline constexpr uint64_t test_region_base = 0x10000000; // one 2 MiB page table, pre-allocated
inline constexpr uint64_t test_region_pages = 512;
inline constexpr uint64_t infra_region_base = 0x0ff00000;

CPtr alloc_slot();
CPtr alloc_slots(unsigned count); // consecutive
uint64_t slots_used_mark();
uint64_t alloc_vaddr(unsigned pages = 1); // followed by an unmapped guard page

// A fresh object from the case's untyped in a fresh root slot (0 + failure recorded if not).
CPtr make_object_at(const char* file, int line, ObjectType type, unsigned size_bits = 0, CPtr from = 0);
#define KT_NEW(var, ...)                                                                                     \
    CPtr var = ktest::make_object_at(__FILE__, __LINE__, __VA_ARGS__);                                       \
    if (ktest::failed())                                                                                     \
    return

// A child cap (copy if badge is ~0, else mint) in a fresh root slot.
CPtr derive_at(const char* file, int line, CPtr source, uint8_t rights, uint64_t badge);
#define KT_COPY(var, source, rights)                                                                         \
    CPtr var = ktest::derive_at(__FILE__, __LINE__, source, rights, ~0ull);                                  \
    if (ktest::failed())                                                                                     \
    return
#define KT_MINT(var, source, rights, badge)                                                                  \
    CPtr var = ktest::derive_at(__FILE__, __LINE__, source, rights, badge);                                  \
    if (ktest::failed())                                                                                     \
    return

struct MappedFrame {
    CPtr cap { 0 };
    uint64_t vaddr { 0 };
    volatile uint64_t* words() const { return reinterpret_cast<volatile uint64_t*>(vaddr); }
    volatile uint8_t* bytes() const { return reinterpret_cast<volatile uint8_t*>(vaddr); }
};
MappedFrame map_new_frame_at(const char* file, int line, uint8_t rights);
#define KT_NEW_MAPPED(var, rights)                                                                           \
    ktest::MappedFrame var = ktest::map_new_frame_at(__FILE__, __LINE__, rights);                            \
    if (ktest::failed())                                                                                     \
    return

// Is the root slot empty? (Describe says InvalidCapability, or a Null cap.)
bool slot_empty(CPtr slot, CPtr cnode = ipc::root_slot_cnode);
#define KT_EXPECT_EMPTY(slot)                                                                                \
    do {                                                                                                     \
        if (!ktest::slot_empty(slot))                                                                        \
            KT_FAIL("slot {} should be empty: {}", slot, ktest::describe_text(slot));                        \
    } while (0)
#define KT_EXPECT_TYPE(slot, expected_type)                                                                  \
    do {                                                                                                     \
        auto kt_d_ = kapi::cnode_describe(ipc::root_slot_cnode, slot);                                       \
        if (kt_d_.is_error())                                                                                \
            KT_FAIL("describe slot {}: expected a {} cap, got {}", slot, ktest::type_name(expected_type),    \
                    ktest::ename(kt_d_.error()));                                                            \
        if (kt_d_.value().type != (expected_type))                                                           \
            KT_FAIL("slot {}: expected a {} cap, got {}", slot, ktest::type_name(expected_type),             \
                    ktest::type_name(kt_d_.value().type));                                                   \
    } while (0)
const char* describe_text(CPtr slot); // for messages (static buffer)
const char* type_name(ObjectType);

// --- time -------------------------------------------------------------------

ipc::KernelStats stats(); // all zero if DebugStats fails
uint64_t ticks();
void settle(unsigned yields = 8); // let same-priority threads run a little

// Polls pred(), yielding, for at most max_ticks timer ticks. (DebugStats,
// the only clock, walks the kernel's frame table: it is read sparingly.)
template<typename Pred>
bool wait_until(Pred pred, uint64_t max_ticks = 200)
{
    uint64_t start = ticks();
    for (uint64_t i = 1;; ++i) {
        if (pred())
            return true;
        if (i % 32 == 0 && ticks() - start > max_ticks)
            return pred();
        kapi::yield();
    }
}

// NBRecv on an endpoint or notification until something arrives or the
// ticks run out (then the result is WouldBlock). Never blocks the suite.
SyscallResult recv_timeout(CPtr cap, uint64_t max_ticks = 200);

// --- threads --------------------------------------------------------------------

struct Thread;
using ThreadFn = void (*)(Thread&);

struct ThreadOptions {
    CPtr fault_endpoint { 0 };
    CPtr supervisor { 0 };
    uint64_t priority { ~0ull }; // ~0: the suite's
    CPtr cspace { 0 };           // 0: the suite's root CNode
    CPtr vspace { 0 };           // 0: the suite's VSpace
    bool resume { true };
    uint64_t rip { 0 }; // start here instead of the C++ trampoline (fault stubs)
    uint64_t rsp { 0 }; // with rip: the initial stack pointer (0: the thread's stack)
    bool ipc_buffer { true };
    CPtr untyped { 0 }; // where the TCB and IPC buffer come from (0: the case's untyped)
};

struct Thread {
    CPtr tcb { 0 };
    CPtr ipc_frame { 0 };
    uint64_t ipc_vaddr { 0 };
    ipc::IpcBuffer* ipc { nullptr };
    uint64_t stack_base { 0 };
    uint64_t stack_top { 0 };
    ThreadFn fn { nullptr };
    uint64_t arg[8] {};
    volatile uint64_t out[32] {};
    volatile uint64_t progress { 0 };
    volatile uint64_t started { 0 };
    volatile uint64_t finished { 0 };
    unsigned index { 0 };
};

// Creates a thread in the suite's CSpace/VSpace (unless told otherwise) that
// runs fn(thread) on its own static stack, with its own IPC buffer frame
// mapped in the test region. When fn returns the thread suspends itself.
Thread* spawn_at(const char* file, int line, ThreadFn fn, const ThreadOptions& options, uint64_t a0 = 0,
                 uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0);
#define KT_SPAWN(var, fn, options, ...)                                                                      \
    ktest::Thread* var = ktest::spawn_at(__FILE__, __LINE__, fn, options __VA_OPT__(, ) __VA_ARGS__);        \
    (void)var;                                                                                               \
    if (ktest::failed())                                                                                     \
    return

inline uint64_t load(const volatile uint64_t& v) { return __atomic_load_n(&v, __ATOMIC_SEQ_CST); }
inline void store(volatile uint64_t& v, uint64_t x) { __atomic_store_n(&v, x, __ATOMIC_SEQ_CST); }

// Where spawned threads start (rdi = Thread*): runs fn, then suspends itself.
extern "C" [[noreturn]] void ktest_thread_trampoline(Thread* t);

// Waits (yielding, time-boxed) for thread.finished / thread.started.
bool wait_finished(Thread&, uint64_t max_ticks = 200);
bool wait_started(Thread&, uint64_t max_ticks = 200);

// Receives from a supervisor endpoint and checks a ThreadExit message.
void expect_thread_exit_at(const char* file, int line, CPtr supervisor, ipc::ExitCause cause, uint64_t reason,
                           uint64_t expected_badge, bool check_reason = true);
#define KT_EXPECT_EXIT(supervisor, cause, reason, badge)                                                     \
    KT_RUN(ktest::expect_thread_exit_at(__FILE__, __LINE__, supervisor, cause, reason, badge))

// Receives a fault message from a fault endpoint (time-boxed).
SyscallResult recv_fault_at(const char* file, int line, CPtr fault_endpoint, ipc::FaultLabel label,
                            uint64_t expected_badge);
#define KT_RECV_FAULT(var, ep, label, badge)                                                                 \
    kapi::SyscallResult var = ktest::recv_fault_at(__FILE__, __LINE__, ep, label, badge);                    \
    (void)var;                                                                                               \
    if (ktest::failed())                                                                                     \
    return

// A thread body that touches memory: arg[0] = address, arg[1] = how
// (touch_read, touch_write: stores arg[2], touch_execute: calls the address).
// progress: 1 before the access, 2 after; out[0] = the value read.
enum : uint64_t { touch_read = 0, touch_write = 1, touch_execute = 2, touch_read_then_write = 3 };
void touch_fn(Thread&);

// Assembly stubs (stubs.S).
extern "C" {
extern char ktest_fault_ud2[];
extern char ktest_fault_gp[];
extern char ktest_fault_gp_noncanonical[];
extern char ktest_fault_div0[];
extern char ktest_fault_div0_insn[];
extern char ktest_fault_int3[];
extern char ktest_fault_int3_after[];
extern char ktest_fault_sse[];
extern char ktest_fault_x87[];
struct JumpBuffer {
    uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
};
__attribute__((returns_twice)) int ktest_setjmp(JumpBuffer*);
extern char ktest_echo_server[];
extern char ktest_echo_server_end[];
[[noreturn]] void ktest_longjmp(JumpBuffer*);
}

uint64_t xorshift64(uint64_t& state);

// Sets the watchdog thread's priority (cases that need lower-priority threads to run).
void park_watchdog(uint64_t priority);

// Short names the test files share.
inline CPtr root() { return env().cnode; }
inline CPtr vs() { return env().vspace; }
inline constexpr uint64_t access_user = ipc::FaultAccess::user;
inline constexpr uint64_t access_write = ipc::FaultAccess::write;
inline constexpr uint64_t access_present = ipc::FaultAccess::present;
inline constexpr uint64_t access_execute = ipc::FaultAccess::execute;

// Whether an instruction pointer lies in the suite's own text (0x400000 up
// to the read-only data that follows it).
inline bool in_text(uint64_t ip)
{
    return ip >= 0x400000 && ip < reinterpret_cast<uint64_t>(__init_array_start);
}

} // namespace ktest
