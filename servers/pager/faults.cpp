// Page faults: classify, then populate the page the way its region says,
// or kill with the reason. One log line per decision when verbose.
#include "file_cache.h"
#include "frames.h"
#include "server.h"
#include <ipc/proto/slots.h>
#include <pager/classifier.h>
#include <pager/policy.h>
#include <stdio.h>
#include <string.h>

namespace pager {

using ipc::CPtr;
using ipc::Error;
using ipc::Result;
using ipc::proto::pager::KillReason;

namespace {

Counters g_counters;
bool g_verbose = false;
const PagePolicy* g_policy = &lazy_policy();
bool g_policy_is_lazy = true; // lazy never adds a page: no need to ask it on every fault

const char* access_name(const FaultInfo& f)
{
    return f.is_write() ? "write" : f.is_execute() ? "exec" : "read";
}

void print_decision(uint64_t pid, const FaultInfo& f, const Region* region, const char* decision)
{
    libc::print("pager: pid {} fault {:x} {} ip {:x} region {} -> {}\n", pid, f.address, access_name(f), f.ip,
                region ? region_type_name(region->type) : "none", decision);
}

// The check inline, the printing out of line: this runs on every fault.
inline void log_decision(uint64_t pid, const FaultInfo& f, const Region* region, const char* decision)
{
    if (g_verbose)
        print_decision(pid, f, region, decision);
}

// The Stats counter of a fatal decision's kills.
uint64_t& kill_counter(FaultDecision decision)
{
    switch (decision) {
    case FaultDecision::GuardHit: return g_counters.guard_hits;
    case FaultDecision::ProtectionViolation: return g_counters.protection_violations;
    case FaultDecision::BadStackPointer: return g_counters.bad_stack_pointer_kills;
    case FaultDecision::FaultLoop: return g_counters.fault_loop_kills;
    case FaultDecision::InvalidAddress:
    case FaultDecision::ZeroFill:
    case FaultDecision::MapFromFile:
    case FaultDecision::CopyOnWrite:
    case FaultDecision::UpgradeRights:
    case FaultDecision::GrowStack: break;
    }
    return g_counters.invalid_addresses;
}

FaultAnswer kill(Client* client, KillReason reason, const FaultInfo& f, uint64_t distance)
{
    if (client)
        client->last_kill = KillRecord { reason, f.address.get(), distance, f.ip.get(), true };
    return FaultAnswer { .kill = true, .kill_word = ipc::proto::pager::encode_kill(reason, f.address.get()) };
}

uint8_t rights_of(const Region& region, bool allow_write)
{
    uint8_t bits = map_rights(region.prot).bits;
    if (!allow_write)
        bits &= uint8_t(~ipc::Rights::write);
    return bits;
}

void account(Region& region, bool dirty)
{
    ++region.resident_pages;
    if (dirty)
        ++region.dirty_private_pages;
    ++g_counters.lazy_by_type[unsigned(region.type) % 9];
}

// A private frame holding the file bytes `fill` describes and zeros after them.
Result<CPtr> private_file_page(Client& client, const Region& region, uint64_t page, PageFill fill)
{
    CPtr frame = TRY(frames().take_zeroed(SlotUse::Private, client.pid, page));
    if (fill.file_bytes == 0)
        return frame;
    if (fill.file_offset % ipc::page_size != 0) {
        frames().recycle(frame);
        return Error::Unsupported;
    }
    auto filled = fill_from_file(frame, region.backing.file.value - 1, fill.file_offset / ipc::page_size);
    if (filled.is_error()) {
        frames().recycle(frame);
        return filled.error();
    }
    ++g_counters.file_fills;
    if (fill.file_bytes < ipc::page_size) {
        auto window = Window::map(frame, 0, true);
        if (window.is_error())
            return window.error();
        memset(window.value().bytes() + fill.file_bytes, 0, fill.zero_bytes());
    }
    return frame;
}

// A copy of the page cache's master for a read-only (or shared) mapping.
// NoMemory when the cache is full of pages clients map: nothing is cached.
Result<CPtr> shared_file_page(Client& client, uint64_t file, uint64_t page, PageFill fill)
{
    if (fill.file_offset % ipc::page_size != 0)
        return Error::Unsupported;
    bool hit = false;
    CachedPage cached = TRY(cached_page(file, fill.file_offset / ipc::page_size, hit));
    if (!hit)
        ++g_counters.file_fills;
    CPtr copy = TRY(slots().allocate(SlotUse::SharedCopy, client.pid, page, cached.entry));
    Error e = kapi::cnode_copy(ipc::proto::process_slot_cnode, copy, 0, cached.master, ipc::Rights::all);
    if (e != Error::None) {
        slots().release(copy);
        return e;
    }
    return copy;
}

bool shares_file_pages(const Region& r)
{
    return r.type == RegionType::Text || r.type == RegionType::RoData
        || (r.type == RegionType::FileMmap && r.is_shared());
}

FaultAnswer copy_on_write(Client& client, Region& region, const FaultInfo& f, uint64_t page)
{
    CPtr old = slots().find_mapping(client.pid, page);
    if (!region.backing.is_file() || (old && slots().record(old).use == SlotUse::Private)) {
        // A frame of the client's own (we never share anonymous pages; a
        // file page may be private already, made when the page cache had
        // no room or before an mprotect): it only needs its write right back.
        if (!old)
            return kill(&client, KillReason::ProtectionViolation, f, 0);
        (void)kapi::vspace_unmap(client.vspace, old);
        return FaultAnswer { .frame = old, .address = page, .rights = rights_of(region, true) };
    }
    PageFill fill = page_fill(region, VirtAddr(page));
    bool hit = false;
    auto master = cached_page(region.backing.file.value - 1, fill.file_offset / ipc::page_size, hit);
    Result<CPtr> fresh = Error::NoMemory;
    if (master.is_error()) {
        // Not cached (the cache is full of mapped pages): read it afresh.
        fresh = private_file_page(client, region, page, fill);
    } else {
        fresh = frames().take_zeroed(SlotUse::Private, client.pid, page);
        if (!fresh.is_error()) {
            auto from = Window::map(master.value().master, 1, false);
            auto to = Window::map(fresh.value(), 2, true);
            if (from.is_error() || to.is_error()) {
                frames().recycle(fresh.value());
                fresh = Error::NoMemory;
            } else {
                memcpy(to.value().bytes(), from.value().bytes(), ipc::page_size);
            }
        }
    }
    if (fresh.is_error()) {
        ++g_counters.out_of_memory_kills;
        return kill(&client, KillReason::OutOfMemory, f, 0);
    }
    if (old) {
        (void)kapi::cnode_delete(ipc::proto::process_slot_cnode, old); // unmaps the shared page
        slots().release(old);
        --region.resident_pages;
    }
    ++g_counters.copy_on_write;
    account(region, true);
    return FaultAnswer { .frame = fresh.value(), .address = page, .rights = rights_of(region, true) };
}

struct Populated {
    CPtr frame;
    uint8_t rights;
    bool retype; // `frame` is an empty slot the MapNew reply fills
};

// Makes the frame for one page of a region, the way its type says, and
// accounts it. The caller maps it: the fault reply (`for_reply`: an
// anonymous page may then be left to MapNew to make), or directly.
Result<Populated> populate(Client& client, Region& region, uint64_t page, bool write, bool for_reply)
{
    Result<CPtr> frame = Error::NoMemory;
    bool retype = false;
    bool dirty = write;
    bool writable = true;
    // A page wholly past the file's bytes (the tail of a mapping longer than
    // its file) is a zero page of the client's own, never a page-cache page:
    // reading far past the end of a small file fills no cache.
    PageFill fill = region.backing.is_file() ? page_fill(region, VirtAddr(page)) : PageFill {};
    bool from_file = fill.file_bytes != 0;
    bool private_read = region.type == RegionType::FileMmap && !write && !region.is_shared();
    if (from_file && (shares_file_pages(region) || private_read)) {
        // Shared from the page cache; a private file mapping read first
        // shares the cached page until it is written.
        frame = shared_file_page(client, region.backing.file.value - 1, page, fill);
        if (!frame.is_error()) {
            writable = !private_read;
            dirty = false;
        } else if (frame.error() == Error::NoMemory) {
            frame = private_file_page(client, region, page, fill); // the cache is full of mapped pages
        }
    } else if (from_file) {
        frame = private_file_page(client, region, page, fill);
    } else if (for_reply) {
        auto taken = frames().take_for_reply(SlotUse::Private, client.pid, page);
        if (taken.is_error())
            return taken.error();
        frame = taken.value().slot;
        retype = taken.value().retype;
    } else {
        frame = frames().take_zeroed(SlotUse::Private, client.pid, page);
    }
    if (frame.is_error())
        return frame.error();
    account(region, dirty);
    return Populated { frame.value(), rights_of(region, writable), retype };
}

class ClientResidency final : public ResidencyQuery {
public:
    explicit ClientResidency(const Client& c) : m_client(c) { }
    bool is_resident(VirtAddr page) const override
    {
        return slots().find_mapping(m_client.pid, page.get()) != 0;
    }

private:
    const Client& m_client;
};

VirtAddr g_neighbours[PagePolicy::max_batch];

// The policy's extra pages for a fault at `fault_page` (in g_neighbours).
size_t select_neighbours(Client& client, Region& region, uint64_t fault_page)
{
    ClientResidency residency(client);
    return current_policy().select(region, VirtAddr(fault_page), residency, g_neighbours,
                                   PagePolicy::max_batch);
}

// The n selected pages, mapped straight into the client's VSpace. A page
// that cannot be had is simply left for its own fault later.
void populate_neighbours(Client& client, Region& region, size_t n)
{
    const VirtAddr* pages = g_neighbours;
    for (size_t i = 0; i < n; ++i) {
        auto populated = populate(client, region, pages[i].get(), false, false);
        if (populated.is_error())
            return;
        if (kapi::vspace_map(client.vspace, populated.value().frame, pages[i].get(), populated.value().rights)
            != Error::None) {
            --region.resident_pages;
            return;
        }
        ++g_counters.neighbours_populated;
    }
}

} // namespace

Counters& counters() { return g_counters; }

const PagePolicy& current_policy() { return *g_policy; }
void set_policy(const PagePolicy& policy)
{
    g_policy = &policy;
    g_policy_is_lazy = &policy == &lazy_policy();
}
void set_verbose(bool on) { g_verbose = on; }
bool verbose() { return g_verbose; }

FaultAnswer map_refused(uint64_t pid, const FaultInfo& f, const FaultAnswer& refused, Error error)
{
    if (refused.retype)
        frames().map_new_refused(refused.frame);
    // MapNew's NoMemory is our own memory running dry, the same silent kill
    // as a Retype that fails in populate(); any other refusal is worth a line.
    if (g_verbose || !refused.retype || error != Error::NoMemory)
        libc::print("pager: pid {}: mapping {:x} failed: {}; killing it\n", pid, refused.address,
                    ipc::error_name(error));
    ++g_counters.out_of_memory_kills;
    return kill(find_client(pid), KillReason::OutOfMemory, f, 0);
}

FaultAnswer malformed_fault(uint64_t pid, ipc::MessageInfo info, Error error)
{
    libc::print("pager: pid {}: malformed fault message (label {:x}, {} words): {}; killing it\n", pid,
                info.label(), info.length(), ipc::error_name(error));
    return kill(find_client(pid), KillReason::Exception, FaultInfo {}, 0);
}

FaultAnswer handle_exception(uint64_t pid, uint64_t vector, uint64_t ip)
{
    ++g_counters.exceptions;
    Client* client = find_client(pid);
    FaultInfo f { VirtAddr(ip), 0, VirtAddr(ip), VirtAddr() };
    if (g_verbose)
        libc::print("pager: pid {} exception vector {} ip {:x} -> kill\n", pid, vector, ip);
    return kill(client, KillReason::Exception, f, 0);
}

FaultAnswer handle_page_fault(uint64_t pid, const FaultInfo& f)
{
    ++g_counters.faults;
    Client* client = find_client(pid);
    if (!client) {
        log_decision(pid, f, nullptr, "kill (unknown client)");
        return kill(nullptr, KillReason::UnknownClient, f, 0);
    }
    ++client->faults;
    Classification c = classify(client->regions, f, client->loops);
    log_decision(pid, f, c.region, fault_decision_name(c.decision));
    uint64_t page = f.address.page_base().get();
    // The region holding the address, as classify() found it (for GuardHit
    // the guard itself, which is the region at the address too).
    Region* region = client->regions.writable(c.region);

    if (is_fatal(c.decision)) {
        ++kill_counter(c.decision);
        // guard_distance is 0 for everything but a guard hit.
        return kill(client, kill_reason(c.decision), f, c.guard_distance);
    }
    switch (c.decision) {
    case FaultDecision::GuardHit:
    case FaultDecision::ProtectionViolation:
    case FaultDecision::InvalidAddress:
    case FaultDecision::BadStackPointer:
    case FaultDecision::FaultLoop: break; // fatal: answered above
    case FaultDecision::CopyOnWrite: return copy_on_write(*client, *region, f, page);
    case FaultDecision::UpgradeRights: {
        CPtr slot = slots().find_mapping(client->pid, page);
        if (!slot)
            break; // not ours after all: populate afresh below
        (void)kapi::vspace_unmap(client->vspace, slot);
        return FaultAnswer { .frame = slot, .address = page, .rights = rights_of(*region, true) };
    }
    case FaultDecision::ZeroFill:
    case FaultDecision::GrowStack:
    case FaultDecision::MapFromFile: break;
    }

    if (!region)
        return kill(client, KillReason::InvalidAddress, f, 0);
    if (c.decision == FaultDecision::GrowStack)
        note_stack_growth(*region, VirtAddr(page));
    size_t neighbours = g_policy_is_lazy ? 0 : select_neighbours(*client, *region, page);
    // An anonymous page takes exactly one frame; file pages mostly take none.
    bool batch = neighbours != 0 && !region->backing.is_file();
    if (batch)
        frames().begin_batch(unsigned(neighbours + 1));
    auto populated = populate(*client, *region, page, f.is_write(), true);
    if (populated.is_error()) {
        if (batch)
            frames().end_batch();
        ++g_counters.out_of_memory_kills;
        if (g_verbose || populated.error() != Error::NoMemory)
            libc::print("pager: pid {} fault {:x}: cannot populate: {}\n", pid, f.address,
                        ipc::error_name(populated.error()));
        return kill(client, KillReason::OutOfMemory, f, 0);
    }
    populate_neighbours(*client, *region, neighbours);
    if (batch)
        frames().end_batch();
    return FaultAnswer { .frame = populated.value().frame,
                         .address = page,
                         .rights = populated.value().rights,
                         .retype = populated.value().retype };
}

} // namespace pager
