#pragma once
// The pager protocol. Clients hold the pager endpoint badged with their pid;
// the process manager holds it badged with `control_badge`. Faults arrive
// on the same endpoint (the kernel sends them with the faulting thread's
// fault endpoint badge, the pid) with the labels of <ipc/fault.h>.
//
// Control (process manager only):
//   NewClient  w0 = pid, w1 = file id, w2 = file size, w3 = argv length,
//              w4.. = argv (NUL-separated), cap = the client's VSpace
//                                   -> w0 = entry point, w1 = initial stack pointer,
//                                      w2 = argc, w3 = argv (the strings are on the stack)
//   EndClient  w0 = pid             -> frees everything the pager holds for it
//   KillInfo   w0 = pid             -> the last kill decision: w0 = KillReason, w1 = address,
//                                      w2 = distance (guard hits), w3 = ip
// Clients:
//   Mmap       w0 = address hint, w1 = length, w2 = Prot, w3 = MapFlags, w4 = file id, w5 = offset
//                                   -> w0 = address (a shared writable file mapping is refused:
//                                      InsufficientRights; files are read-only)
//   Munmap     w0 = address, w1 = length
//   Mprotect   w0 = address, w1 = length, w2 = Prot
//   Brk        w0 = new break (0 asks)  -> w0 = the break
//   Query      w0 = pid (0 = self), w1 = region index
//                                   -> w0 = start, w1 = end, w2 = RegionType, w3 = Prot,
//                                      w4 = resident pages, w5 = dirty private pages, w6 = file id
//   Stats                           -> the counters, in the order of StatsWord below

#include <cstdint>

namespace ipc::proto::pager {

enum class Label : uint32_t {
    NewClient = 0x200,
    EndClient = 0x201,
    KillInfo = 0x202,
    Mmap = 0x210,
    Munmap = 0x211,
    Mprotect = 0x212,
    Brk = 0x213,
    Query = 0x214,
    Stats = 0x215,
};

inline constexpr uint64_t control_badge = uint64_t(1) << 62;

// The words of a Stats reply, in order.
enum class StatsWord : unsigned {
    Faults = 0,
    LazyByRegionType = 1, // 9 words: pages populated per RegionType (text .. rodata)
    GuardHits = 10,
    ProtectionViolations = 11,
    InvalidAddresses = 12,
    OutOfMemoryKills = 13,
    BadStackPointerKills = 14,
    FaultLoopKills = 15,
    FileFills = 16, // pages read through the file server
    CopyOnWrite = 17,
    CachePages = 18, // page-cache frames (one per file page, shared by all clients)
    FramesRetyped = 19,
    FramesRecycled = 20, // waiting for reuse
    UntypedBytesLeft = 21,
    NeighboursPopulated = 22, // pages the policy mapped besides the faulting ones
    Count = 23
};

struct Prot {
    static constexpr uint64_t none = 0, read = 1, write = 2, exec = 4;
};

struct MapFlags {
    static constexpr uint64_t shared = 1, priv = 2, fixed = 4, anonymous = 8, stack = 16;
};

// Why the pager killed a client: the Kill reply's reason word is
// (KillReason << 56) | detail, where detail is the fault address.
enum class KillReason : uint64_t {
    GuardHit = 1,
    ProtectionViolation = 2,
    InvalidAddress = 3,
    OutOfMemory = 4,
    BadStackPointer = 5,
    FaultLoop = 6,
    UnknownClient = 7,
    Exception = 8,
    Killed = 9, // by the process manager, on request
};

constexpr uint64_t encode_kill(KillReason reason, uint64_t address)
{
    return (uint64_t(reason) << 56) | (address & ((uint64_t(1) << 56) - 1));
}
constexpr KillReason kill_reason(uint64_t word) { return KillReason(word >> 56); }
constexpr uint64_t kill_address(uint64_t word) { return word & ((uint64_t(1) << 56) - 1); }

constexpr const char* kill_reason_name(KillReason r)
{
    switch (r) {
    case KillReason::GuardHit: return "guard page hit";
    case KillReason::ProtectionViolation: return "protection violation";
    case KillReason::InvalidAddress: return "invalid address";
    case KillReason::OutOfMemory: return "out of memory";
    case KillReason::BadStackPointer: return "stack pointer outside any stack region";
    case KillReason::FaultLoop: return "fault loop";
    case KillReason::UnknownClient: return "unknown client";
    case KillReason::Exception: return "CPU exception";
    case KillReason::Killed: return "killed on request";
    }
    return "unknown reason";
}

// What the pager decides for one fault (the classifier's answer); the
// shell's `why` reports it for a read, a write and an execute.
enum class FaultDecision : uint8_t {
    ZeroFill,            // map a fresh zeroed frame with the region's rights
    MapFromFile,         // map a frame filled as page_fill() says
    CopyOnWrite,         // map a private writable copy of the present page
    UpgradeRights,       // map the present frame again with the region's rights
    GrowStack,           // ZeroFill, then lower the stack's populated bottom
    GuardHit,            // kill: an overflow into a guard region
    ProtectionViolation, // kill: the region forbids this access
    InvalidAddress,      // kill: no region holds the address
    BadStackPointer,     // kill: sp is not inside a stack
    FaultLoop,           // kill: the same fault keeps coming back after answers
};

constexpr const char* fault_decision_name(FaultDecision decision)
{
    switch (decision) {
    case FaultDecision::ZeroFill: return "zero-fill";
    case FaultDecision::MapFromFile: return "map-from-file";
    case FaultDecision::CopyOnWrite: return "copy-on-write";
    case FaultDecision::UpgradeRights: return "upgrade-rights";
    case FaultDecision::GrowStack: return "grow-stack";
    case FaultDecision::GuardHit: return "guard-hit";
    case FaultDecision::ProtectionViolation: return "protection-violation";
    case FaultDecision::InvalidAddress: return "invalid-address";
    case FaultDecision::BadStackPointer: return "bad-stack-pointer";
    case FaultDecision::FaultLoop: return "fault-loop";
    }
    return "unknown";
}

// Whether the answer is Kill rather than Map.

// What a region is, in the Query and Why replies (the pager keeps its
// regions by these types; servers/pager/region.h). Append only.
enum class RegionType : uint8_t {
    Text = 0,     // executable image code: read/execute, file-backed, shareable between clients
    Data = 1,     // the pages of a writable ELF segment that hold file bytes: private copy of the file
    Bss = 2,      // the rest of a writable segment: anonymous, zero-filled
    Heap = 3,     // grown and shrunk by brk; anonymous
    Stack = 4,    // a thread stack: the main stack (grows_down) or one made by mmap(MAP_STACK)
    AnonMmap = 5, // mmap(MAP_ANONYMOUS)
    FileMmap = 6, // mmap of a file, private or shared
    Guard = 7,    // never accessible; catches overflows of the region it guards
    RoData = 8,   // read-only, non-executable image data: file-backed, shareable
};

constexpr const char* region_type_name(RegionType type)
{
    switch (type) {
    case RegionType::Text: return "text";
    case RegionType::RoData: return "rodata";
    case RegionType::Data: return "data";
    case RegionType::Bss: return "bss";
    case RegionType::Heap: return "heap";
    case RegionType::Stack: return "stack";
    case RegionType::AnonMmap: return "anon-mmap";
    case RegionType::FileMmap: return "file-mmap";
    case RegionType::Guard: return "guard";
    }
    return "unknown";
}

// The name of a reply word that should hold a RegionType ("unknown" if not).
constexpr const char* region_type_name(uint64_t word)
{
    return word > 0xff ? "unknown" : region_type_name(RegionType(word));
}

} // namespace ipc::proto::pager

// Shell support, same conventions:
//   Why       w0 = pid, w1 = address   -> w0 = region index (~0 = none), w1 = start, w2 = end,
//                                         w3 = RegionType, w4 = Prot, w5..w7 = the FaultDecision
//                                         for a read, a write and an execute there (FaultDecision
//                                         below), w8 = length, w9.. = the three reasons packed
//                                         as "read reason\0write reason\0exec reason"
//   Policy    w0 = 0: get, or w0 = name length, w1.. = name: set ("lazy", "eager", "around=N")
//                                      -> w0 = name length, w1.. = the policy now in force
//   Policies  w0 = index               -> w0 = name length, w1.. = name (NotFound past the end)
//   Trace     w0 = pid (0 = every client), w1 = 1 on / 0 off
namespace ipc::proto::pager {
enum class ShellLabel : uint32_t {
    Why = 0x220,
    Policy = 0x221,
    Policies = 0x222,
    Trace = 0x223,
};
} // namespace ipc::proto::pager
