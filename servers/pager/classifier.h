#pragma once
// The fault classifier: from a client's region map and one fault, what
// happens next. One FaultDecision per outcome (SerenityOS PageFaultResponse
// style); the pager acts on it and its trace prints fault_decision_name().
//
// Checks, in order (the first that applies decides):
//   1. the address is in a Guard region          -> GuardHit (names the region guarded)
//   2. sp is not in (or at the top of) a Stack   -> BadStackPointer
//   3. no region holds the address               -> InvalidAddress
//   4. PROT_NONE, or the access needs a right the region lacks
//      (write without w, execute without x = NX; any right allows a read,
//      as on x86 hardware)                       -> ProtectionViolation
//   5. the page is present (mapped with fewer rights than the access needs):
//      write to a private region                 -> CopyOnWrite
//      otherwise (shared write, read, execute)   -> UpgradeRights
//   6. the page is not present:
//      file-backed region (Text, RoData, Data, FileMmap)    -> MapFromFile
//      grows_down Stack below its populated bottom          -> GrowStack
//      anything else (Bss, Heap, Stack, AnonMmap)           -> ZeroFill
// A guard hit is reported before the stack-pointer check because an overflow
// that moved sp into the guard is better named "stack overflow".
// FaultLoop comes from the FaultLoopDetector overload, before all of these.
//
// Stacks: the main stack is one Stack region of fixed maximum size, flagged
// grows_down, with a Guard region right below. Population is lazy: a fault
// anywhere inside it gets a zeroed page. Faults below the lowest page
// populated so far (Region::stack_bottom) are GrowStack, and the pager then
// lowers stack_bottom to that page (note_stack_growth); faults above it
// (pages skipped by a big frame) are ZeroFill. Both map a zeroed page.
// Stacks made by mmap(MAP_STACK) are not grows_down: always ZeroFill.
//
// Rights and copying: Text and RoData are never writable, so a write there
// is a ProtectionViolation, never a copy; their frames can be shared by every
// client running the same file. CopyOnWrite is for a present read-only page
// in a writable private region: a file page the pager mapped shared from the
// page cache (Data, private FileMmap) or the shared zero page (Bss, Heap,
// Stack, AnonMmap); the pager maps a private writable copy (or just the same
// frame writable when it knows the frame is already private to the client).
//
// The fault's user bit is not consulted: the kernel never takes a page fault
// on a user pointer itself, so every fault the pager sees came from user mode.

#include <cstdint>
#include <ipc/proto/pager.h>
#include <pager/fault_info.h>
#include <pager/fault_loop.h>
#include <pager/region_map.h>

namespace pager {

// FaultDecision and fault_decision_name are part of the pager protocol (the
// shell's `why` shows them), so they live in <ipc/proto/pager.h>.
using ipc::proto::pager::fault_decision_name;
using ipc::proto::pager::FaultDecision;

constexpr bool is_fatal(FaultDecision decision)
{
    switch (decision) {
    case FaultDecision::ZeroFill:
    case FaultDecision::MapFromFile:
    case FaultDecision::CopyOnWrite:
    case FaultDecision::UpgradeRights:
    case FaultDecision::GrowStack: return false;
    case FaultDecision::GuardHit:
    case FaultDecision::ProtectionViolation:
    case FaultDecision::InvalidAddress:
    case FaultDecision::BadStackPointer:
    case FaultDecision::FaultLoop: return true;
    }
    return true;
}

// The pager protocol's kill reason for a fatal decision (Kill's reason word
// is encode_kill(kill_reason(d), address)). Only for is_fatal() decisions.
constexpr ipc::proto::pager::KillReason kill_reason(FaultDecision decision)
{
    using ipc::proto::pager::KillReason;
    switch (decision) {
    case FaultDecision::GuardHit: return KillReason::GuardHit;
    case FaultDecision::ProtectionViolation: return KillReason::ProtectionViolation;
    case FaultDecision::BadStackPointer: return KillReason::BadStackPointer;
    case FaultDecision::FaultLoop: return KillReason::FaultLoop;
    case FaultDecision::InvalidAddress: return KillReason::InvalidAddress;
    case FaultDecision::ZeroFill: // not fatal: no kill to report
    case FaultDecision::MapFromFile:
    case FaultDecision::CopyOnWrite:
    case FaultDecision::UpgradeRights:
    case FaultDecision::GrowStack: break;
    }
    return KillReason::InvalidAddress;
}

struct Classification {
    FaultDecision decision { FaultDecision::InvalidAddress };
    const Region* region { nullptr };  // the region holding the address (the guard itself for GuardHit)
    const Region* guarded { nullptr }; // GuardHit: the region the guard protects, if any
    // GuardHit: how far past the guarded region's boundary the access went:
    // guarded->start - address for a region above the guard (a stack), and
    // address - guarded->end + 1 for one below it, so the first byte beyond
    // the boundary is 1 either way.
    uint64_t guard_distance { 0 };
    const char* reason { "" }; // short and static, for the trace and the kill report
};

Classification classify(const RegionMap&, const FaultInfo&);
// The same, but first asks `loops` whether this fault keeps repeating.
Classification classify(const RegionMap&, const FaultInfo&, FaultLoopDetector& loops);

// After GrowStack: the stack is now populated down to `page`'s page.
void note_stack_growth(Region& stack, VirtAddr page);

} // namespace pager
