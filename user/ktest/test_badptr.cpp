// Bad user pointers: the kernel checks every pointer against the caller's
// page tables and answers BadAddress/OutOfRange, never faulting itself.
#include "ktest.h"

using namespace ktest;

namespace {

Error print_raw(uint64_t address, uint64_t length)
{
    return kapi::syscall(ipc::Syscall::DebugPrint, address, MessageInfo::from_raw(length)).error;
}

} // namespace

KTEST(badptr_debug_print)
{
    static const char ok_text[] = "ktest: (debug print check)\n";
    KT_OK(print_raw(reinterpret_cast<uint64_t>(ok_text), sizeof(ok_text) - 1));
    KT_OK(print_raw(reinterpret_cast<uint64_t>(ok_text), 0));
    uint64_t unmapped = alloc_vaddr();
    struct Bad {
        uint64_t address;
        uint64_t length;
    } bad[] = {
        { 0xffffffff80000000ull, 16 }, // kernel text
        { 0xffff800000000000ull, 16 }, // kernel physmap
        { 0xffff800000100000ull, 1 },
        { 0x0000800000000000ull, 8 },  // first non-canonical
        { 0x00007ffffffffff8ull, 16 }, // runs off the user half
        { 0, 8 },                      // null
        { 8, 8 },
        { unmapped, 8 }, // never mapped
        { reinterpret_cast<uint64_t>(ok_text), ~0ull - reinterpret_cast<uint64_t>(ok_text) + 9 }, // wraps
    };
    for (const Bad& b : bad) {
        Error e = print_raw(b.address, b.length);
        KT_CHECK(e == Error::BadAddress || e == Error::OutOfRange,
                 "DebugPrint({:x}, {}): expected {} or {}, got {}", b.address, b.length,
                 ename(Error::BadAddress), ename(Error::OutOfRange), ename(e));
    }
    // Lengths beyond the limit, even on valid memory.
    KT_EXPECT_ERR(print_raw(reinterpret_cast<uint64_t>(ok_text), ipc::debug_print_max + 1),
                  Error::OutOfRange);
    KT_EXPECT_ERR(print_raw(reinterpret_cast<uint64_t>(ok_text), 1ull << 63), Error::OutOfRange);
    KT_EXPECT_ERR(print_raw(reinterpret_cast<uint64_t>(ok_text), ~0ull), Error::OutOfRange);
    // Straddling the end of a mapped page into the unmapped guard page.
    KT_NEW_MAPPED(page, RW);
    for (unsigned i = 0; i < 4096; ++i)
        page.bytes()[i] = '.';
    KT_EXPECT_ERR(print_raw(page.vaddr + 4096 - 8, 16), Error::BadAddress);
    KT_EXPECT_ERR(print_raw(page.vaddr + 4096, 1), Error::BadAddress);
    // A full page at the limit is fine (prints dots) -- use a newline-only page instead.
    for (unsigned i = 0; i < 4096; ++i)
        page.bytes()[i] = i % 64 == 63 ? '\n' : ' ';
    KT_OK(print_raw(page.vaddr, 64));
}

KTEST(badptr_debug_stats)
{
    ipc::KernelStats good {};
    KT_OK(kapi::debug_stats(&good));
    KT_NE(good.ticks, 0);
    // Read-only page.
    KT_NEW(f, ObjectType::Frame);
    uint64_t ro = alloc_vaddr();
    KT_OK(kapi::vspace_map(vs(), f, ro, R));
    KT_EXPECT_ERR(kapi::debug_stats_raw(ro), Error::BadAddress);
    for (unsigned i = 0; i < sizeof(ipc::KernelStats) / 8; ++i)
        KT_CHECK(reinterpret_cast<volatile uint64_t*>(ro)[i] == 0, "DebugStats wrote into a read-only page");
    // The suite's text and the read-only boot info.
    KT_EXPECT_ERR(kapi::debug_stats_raw(0x400000), Error::BadAddress);
    KT_EXPECT_ERR(kapi::debug_stats_raw(reinterpret_cast<uint64_t>(env().boot)), Error::BadAddress);
    KT_EQ(env().boot->magic, ipc::RootBootInfo::magic_value);
    // Unmapped, kernel half, null, non-canonical.
    const uint64_t bad[] = { alloc_vaddr(),
                             0xffffffff80000000ull,
                             0xffff800000001000ull,
                             0,
                             0x0000800000000000ull,
                             0x00007ffffffffff8ull,
                             ~0ull };
    for (uint64_t a : bad) {
        Error e = kapi::debug_stats_raw(a);
        KT_CHECK(e == Error::BadAddress, "DebugStats({:x}): expected {}, got {}", a, ename(Error::BadAddress),
                 ename(e));
    }
    // Straddling a writable page and the unmapped guard page after it.
    KT_NEW_MAPPED(page, RW);
    KT_EXPECT_ERR(kapi::debug_stats_raw(page.vaddr + 4096 - 16), Error::BadAddress);
    // Unaligned but inside one page is a valid pointer.
    Error e = kapi::debug_stats_raw(page.vaddr + 3);
    KT_CHECK(e == Error::None || e == Error::BadAddress, "DebugStats at an unaligned address: {}", ename(e));
}

KTEST(badptr_ipc_buffer_addresses)
{
    KT_NEW(t, ObjectType::Tcb);
    KT_NEW(f, ObjectType::Frame);
    const uint64_t bad[] = { 0xffff800000000000ull, 0xfffffffffffff000ull, 0x0000800000000000ull, 0 };
    for (uint64_t a : bad) {
        Error e = kapi::tcb_configure(t, env().cnode, env().vspace, f, a, 0, 1);
        KT_CHECK(e == Error::OutOfRange || e == Error::InvalidArgument || e == Error::BadAddress,
                 "TcbConfigure with IPC buffer at {:x}: got {}", a, ename(e));
    }
}

namespace {

// A thread without an IPC buffer sends a long message and offers a cap:
// whatever the kernel answers, the thread gets an answer and goes on.
void no_buffer_fn(Thread& t)
{
    SyscallResult r = kapi::syscall(ipc::Syscall::NBSend, t.arg[0], MessageInfo(1, 64, 1), 1, 2, 3, 4);
    t.out[1] = uint64_t(r.error);
    r = kapi::syscall(ipc::Syscall::Call, t.arg[1],
                      MessageInfo(uint32_t(ipc::Invocation::TcbWriteRegisters), 18));
    t.out[2] = uint64_t(r.error);
    r = kapi::syscall(ipc::Syscall::NBRecv, t.arg[0], MessageInfo());
    t.out[3] = uint64_t(r.error);
}

void receive_long_fn(Thread& t)
{
    SyscallResult r = kapi::recv(t.arg[0]);
    t.out[1] = uint64_t(r.error);
    t.out[2] = r.info.length();
}

} // namespace

KTEST(badptr_no_ipc_buffer)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_NEW(target, ObjectType::Tcb);
    ThreadOptions o;
    o.ipc_buffer = false;
    KT_SPAWN(t, no_buffer_fn, o, ep, target);
    KT_CHECK(wait_finished(*t), "a thread without an IPC buffer never got its answers");
    KT_CHECK(t->out[1] != uint64_t(Error::Unsupported), "NBSend: {}", ename(Error(uint32_t(t->out[1]))));
    KT_CHECK(t->out[2] != uint64_t(Error::None),
             "TcbWriteRegisters with 18 words and no IPC buffer succeeded");
    // A receiver without an IPC buffer given a long message.
    KT_SPAWN(r, receive_long_fn, o, ep);
    KT_TRUE(wait_started(*r));
    uint64_t words[64] = {};
    SyscallResult s = kapi::send_message(ipc::Syscall::Send, ep, MessageInfo(2, 64), words);
    KT_CHECK(s.error != Error::Unsupported, "send: {}", ename(s.error));
    KT_CHECK(wait_finished(*r), "the receiver without an IPC buffer never returned");
}
