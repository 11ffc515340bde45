#pragma once
// One Client per process the pager serves: its regions, its VSpace (a cap
// init transferred, so the pager can map pages other than the faulting one),
// counters, and the last kill decision for the process manager to report.

#include <cstdint>
#include <ipc/message.h>
#include <ipc/proto/pager.h>
#include <ipc/result.h>
#include <pager/fault_loop.h>
#include <pager/region_map.h>

namespace pager {

struct KillRecord {
    ipc::proto::pager::KillReason reason { ipc::proto::pager::KillReason::InvalidAddress };
    uint64_t address { 0 };
    uint64_t distance { 0 };
    uint64_t ip { 0 };
    bool valid { false };
};

struct Client {
    bool used { false };
    bool traced { false };  // `trace PID on` (trace.cpp keeps the count)
    uint32_t pid { 0 };     // the identity in the client's badge
    ipc::CPtr vspace { 0 }; // our copy of the client's VSpace cap
    RegionMap regions;
    FaultLoopDetector loops;
    KillRecord last_kill;
    uint64_t faults { 0 };
};

// The most processes the pager serves at once; NewClient past it is
// refused with NoMemory (and init's spawn fails with that error).
inline constexpr unsigned max_clients = 32;

Client* find_client(uint64_t pid);
// A new client with an empty address space: OutOfRange for pid 0 or one
// past 32 bits, Busy if `pid` is a client already, NoMemory when the table
// is full.
ipc::Result<Client*> add_client(uint64_t pid);
// Gives back one mapping of the client: a private frame is unmapped and
// recycled, a copy of a page-cache master is deleted (which unmaps it).
void drop_mapping(Client&, ipc::CPtr slot);
// Every mapping of the client at pages in [start, end).
void release_pages(Client&, uint64_t start, uint64_t end);
// Everything the pager holds for the client goes back.
void remove_client(Client&);
template<typename Visit>
void for_each_client(Visit visit);

Client* client_table();

template<typename Visit>
void for_each_client(Visit visit)
{
    Client* table = client_table();
    for (unsigned i = 0; i < max_clients; ++i) {
        if (table[i].used)
            visit(table[i]);
    }
}

} // namespace pager
