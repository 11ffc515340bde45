#pragma once
// Who may ask what of the pager: the caller's authority is the badge the
// kernel stamped on its cap (<ipc/proto/badges.h>), never a word of the
// message. The table (docs/protocols.md says the same):
//
//   Scope          requests                               needs
//   Control        NewClient, EndClient, KillInfo         the control bit (init)
//   OwnSpace       Mmap, Munmap, Mprotect, Brk            a client identity (a pid)
//   Inspect(pid)   Query, Why, Trace of one process       pid 0 or the caller's own: nothing;
//                                                         another pid: the operator bit
//   MachineWide    Policy set, Trace of every process     the operator bit
//   Anyone         Stats, Policies, Policy get            nothing
//
// A badge with bits no server gives out, or with the fault or exit-notice
// bit (those caps sit in TCBs: only the kernel sends with them), may ask
// nothing. Pure logic, tested on the host (tests/unit/pager).

#include <cstdint>
#include <ipc/error.h>
#include <ipc/proto/badges.h>

namespace pager {

enum class Scope : uint8_t { Control, OwnSpace, Inspect, MachineWide, Anyone };

// None if `caller` may make a request of `scope` (about `target`, for
// Inspect: 0 = the caller itself), else NotPermitted.
ipc::Error authorize(ipc::proto::Badge caller, Scope scope, uint64_t target = 0);

} // namespace pager
