#pragma once
// Syscall numbers and the register convention, shared by kernel and user.
//
// Entry is the `syscall` instruction. In:
//   rax = syscall number
//   rdi = capability pointer (CPtr: slot index in the caller's CSpace root)
//   rsi = message info (see message.h)
//   rdx, r10, r8, r9 = message registers 0-3
// Out (rcx and r11 are clobbered by the CPU):
//   rax = ipc::Error (0 = success)
//   rdi = badge of the sender (receives only)
//   rsi = message info of what was received
//   rdx, r10, r8, r9 = message registers 0-3
// Words 4.. of a longer message travel in the thread's IPC buffer.

#include <cstdint>

namespace ipc {

enum class Syscall : uint64_t {
    DebugPrint = 0, // rdi = text, rsi = length: temporary console until the console server
    DebugExit = 1,  // rdi = status: ends the whole run (root task only)
    Call = 2,       // send to an Endpoint and wait for the reply, or invoke a kernel object
    Send = 3,       // blocking send to an Endpoint; signal on a Notification
    NBSend = 4,     // send only if a receiver waits (WouldBlock otherwise)
    Recv = 5,       // wait on an Endpoint or Notification
    NBRecv = 6,     // poll: WouldBlock if nothing is there
    Reply = 7,      // answer the caller held in the thread's reply slot
    ReplyRecv = 8,  // Reply, then Recv on rdi, in one kernel entry
    Yield = 9,
    DebugStats = 10, // rdi = KernelStats* to fill (accounting checks in tests)
    Null = 11,       // does nothing: the cost of entering and leaving the kernel (benchmarks)
    Count
};

inline constexpr uint64_t debug_print_max = 4096;

// What DebugStats reports: enough for tests to prove nothing leaked.
struct KernelStats {
    uint64_t frames_free;        // frame table: free frames
    uint64_t frames_mapped;      // frame table: sum of mapping counts
    uint64_t untyped_free_bytes; // all Untyped objects: bytes not yet retyped
    uint64_t objects_live;       // kernel objects currently alive
    uint64_t threads_live;
    uint64_t ticks;
};

} // namespace ipc
