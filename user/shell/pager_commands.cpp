// The pager's inspection commands: vm, stats, why, trace, pager policy.
// They use the pager protocol (<ipc/proto/pager.h>, through libc's
// <pager_client.h>) on the shell's own pager cap (process_slot_pager): its
// badge carries the operator right init gives the programs of its run list,
// so the pager answers Query, Why and Trace about any pid and lets the
// shell switch the policy. Without that right the pager says "not permitted".
#include "commands.h"
#include "io.h"
#include <ipc/proto/pager.h>
#include <pager_client.h>

namespace shell {

using ipc::Error;
namespace pager = ipc::proto::pager;

namespace {

using ipc::proto::pager::region_type_name;

struct Rights {
    char text[4];
};
Rights rights_string(uint64_t prot)
{
    return { { prot & pager::Prot::read ? 'r' : '-', prot & pager::Prot::write ? 'w' : '-',
               prot & pager::Prot::exec ? 'x' : '-', 0 } };
}

// 16 hex digits, no 0x: the /proc/PID/maps look, and what `why` accepts back.
struct Hex {
    char text[17];
};
Hex hex16(uint64_t value)
{
    Hex h;
    for (int i = 15; i >= 0; --i, value >>= 4)
        h.text[i] = "0123456789abcdef"[value & 15];
    h.text[16] = 0;
    return h;
}

// Pids are 32-bit identities: a larger number names no process.
bool known_pid_range(const char* command, uint64_t pid)
{
    if (pid <= ipc::proto::Badge::identity_mask)
        return true;
    print("{}: no such process {}\n", command, pid);
    return false;
}

// "no such process N" for NotFound, the error's name otherwise.
void report_pid_error(const char* command, uint64_t pid, Error e)
{
    if (e == Error::NotFound)
        print("{}: no such process {}\n", command, pid);
    else
        print("{}: pid {}: {}\n", command, pid, ipc::error_name(e));
}

// A short reason when the pager sends none.
const char* fallback_reason(pager::FaultDecision d)
{
    switch (d) {
    case pager::FaultDecision::ZeroFill: return "not present: a fresh zeroed page";
    case pager::FaultDecision::MapFromFile: return "not present: a page of the file";
    case pager::FaultDecision::CopyOnWrite:
        return "present read-only in a private writable region: a private copy";
    case pager::FaultDecision::UpgradeRights:
        return "present with fewer rights: mapped again with the region's";
    case pager::FaultDecision::GrowStack: return "below the stack's lowest page: the stack grows";
    case pager::FaultDecision::GuardHit: return "a guard page: an overflow of the region it guards";
    case pager::FaultDecision::ProtectionViolation: return "the region forbids this access";
    case pager::FaultDecision::InvalidAddress: return "no region holds the address";
    case pager::FaultDecision::BadStackPointer: return "the stack pointer is outside every stack";
    case pager::FaultDecision::FaultLoop: return "the same fault keeps coming back";
    }
    return "";
}

bool is_kill(pager::FaultDecision d)
{
    switch (d) {
    case pager::FaultDecision::ZeroFill:
    case pager::FaultDecision::MapFromFile:
    case pager::FaultDecision::CopyOnWrite:
    case pager::FaultDecision::UpgradeRights:
    case pager::FaultDecision::GrowStack: return false;
    default: return true;
    }
}

} // namespace

void cmd_vm(const CommandLine& line)
{
    uint64_t pid;
    if (!pid_argument("vm", line.argv[1], pid) || !known_pid_range("vm", pid))
        return;
    uint64_t total_pages = 0, resident = 0, dirty = 0, index = 0;
    for (;; ++index) {
        auto row = libc::pager::query(uint32_t(pid), index);
        if (row.is_error()) {
            if (row.error() != Error::NotFound || index == 0)
                report_pid_error("vm", pid, row.error());
            if (index == 0)
                return;
            break;
        }
        const pager::RegionRow& r = row.value();
        char backing[24];
        ipc::fmt::BufferSink sink(backing, sizeof(backing));
        if (r.is_file())
            ipc::fmt::format(sink, "file {}", r.file);
        else
            ipc::fmt::format(sink, "anon");
        print("{}-{} {:9} {} {:8} resident {:5} dirty {:5}\n", hex16(r.start).text, hex16(r.end).text,
              region_type_name(r.type), rights_string(r.prot).text, backing, r.resident_pages,
              r.dirty_private_pages);
        total_pages += r.pages();
        resident += r.resident_pages;
        dirty += r.dirty_private_pages;
    }
    print("pid {}: {} regions, {} pages, {} resident ({} KiB), {} dirty private\n", pid, index, total_pages,
          resident, resident * 4, dirty);
}

void cmd_stats(const CommandLine&)
{
    auto reply = libc::pager::stats();
    if (reply.is_error()) {
        print("stats: {}\n", ipc::error_name(reply.error()));
        return;
    }
    const pager::StatsReply& s = reply.value();
    // Pages populated per RegionType (text 0 .. rodata 8; guards never are).
    auto by_type = [&](pager::RegionType type) { return s.populated_by_type[unsigned(type)]; };
    using T = pager::RegionType;
    print("faults            {}\n", s.faults);
    print("populated by type text {} data {} bss {} heap {} stack {} anon-mmap {} file-mmap {} rodata {}\n",
          by_type(T::Text), by_type(T::Data), by_type(T::Bss), by_type(T::Heap), by_type(T::Stack),
          by_type(T::AnonMmap), by_type(T::FileMmap), by_type(T::RoData));
    print("kills             guard {} protection {} invalid-address {} out-of-memory {} bad-sp {} fault-loop "
          "{}\n",
          s.guard_hits, s.protection_violations, s.invalid_addresses, s.out_of_memory_kills,
          s.bad_stack_pointer_kills, s.fault_loop_kills);
    print("file fills        {}\n", s.file_fills);
    print("copy-on-write     {}\n", s.copy_on_write);
    print("fault-around      {} neighbour pages\n", s.neighbours_populated);
    print("page cache        {} pages, {} evicted\n", s.cache_pages, s.cache_evictions);
    uint64_t in_use = s.frames_retyped >= s.frames_recycled ? s.frames_retyped - s.frames_recycled : 0;
    print("pager memory      {} KiB used ({} frames), {} KiB free for reuse, {} KiB not yet retyped\n",
          in_use * 4, in_use, s.frames_recycled * 4, s.untyped_bytes_left / 1024);
    ipc::KernelStats k {};
    if (kapi::debug_stats(&k) == Error::None)
        print("kernel memory     {} KiB free (untyped), {} frames mapped, {} objects, {} threads\n",
              k.untyped_free_bytes / 1024, k.frames_mapped, k.objects_live, k.threads_live);
}

void cmd_why(const CommandLine& line)
{
    uint64_t pid, address;
    if (!pid_argument("why", line.argv[1], pid))
        return;
    if (!parse_address(line.argv[2], address)) {
        print("why: bad address '{}' (hexadecimal, 0x optional)\n", line.argv[2]);
        return;
    }
    if (!known_pid_range("why", pid))
        return;
    auto reply = libc::pager::why(uint32_t(pid), address);
    if (reply.is_error()) {
        report_pid_error("why", pid, reply.error());
        return;
    }
    const pager::WhyReply& w = reply.value();
    if (!w.has_region())
        print("{:x}: in no region of pid {}\n", address, pid);
    else
        print("{:x}: region {} of pid {}: {}-{} {} {}\n", address, w.region_index, pid, hex16(w.start).text,
              hex16(w.end).text, region_type_name(w.type), rights_string(w.prot).text);
    const char* const access[pager::WhyReply::accesses] = { "read", "write", "execute" };
    for (unsigned i = 0; i < pager::WhyReply::accesses; ++i) {
        pager::FaultDecision d = w.decisions[i];
        const char* why = w.reasons[i].length ? w.reasons[i].c_str() : fallback_reason(d);
        print("  {:8} {:21} {}{}\n", access[i], pager::fault_decision_name(d), is_kill(d) ? "kill: " : "",
              why);
    }
}

void cmd_trace(const CommandLine& line)
{
    uint64_t pid = 0;
    bool on = true;
    for (size_t i = 1; i < line.argc; ++i) {
        const char* arg = line.argv[i];
        if (same(arg, "on") && i + 1 == line.argc) {
            on = true;
        } else if (same(arg, "off") && i + 1 == line.argc) {
            on = false;
        } else if (i == 1 && parse_decimal(arg, pid) && pid != 0) {
            continue;
        } else {
            print("usage: trace [PID] [on|off]\n");
            return;
        }
    }
    if (pid && !known_pid_range("trace", pid))
        return;
    if (auto traced = libc::pager::trace(uint32_t(pid), on); traced.is_error()) {
        if (pid)
            report_pid_error("trace", pid, traced.error());
        else
            print("trace: {}\n", ipc::error_name(traced.error()));
        return;
    }
    if (pid)
        print("trace: {} for pid {}\n", on ? "on" : "off", pid);
    else
        print("trace: {} for every process\n", on ? "on" : "off");
}

void cmd_pager(const CommandLine& line)
{
    if (!same(line.argv[1], "policy")) {
        print("usage: pager policy [NAME]\n");
        return;
    }
    auto current = libc::pager::policy();
    if (current.is_error()) {
        print("pager: {}\n", ipc::error_name(current.error()));
        return;
    }
    if (line.argc == 2) {
        char listing[200];
        ipc::fmt::BufferSink sink(listing, sizeof(listing));
        for (uint64_t index = 0;; ++index) {
            auto name = libc::pager::policy_listing(index);
            if (name.is_error())
                break;
            ipc::fmt::format(sink, " {}", name.value().name.c_str());
        }
        print("policies:{}\n", listing);
        print("current:  {}\n", current.value().name.c_str());
        return;
    }
    auto set = libc::pager::policy(line.argv[2]);
    if (set.is_error()) {
        if (set.error() == Error::NotFound || set.error() == Error::OutOfRange)
            print("pager: no such policy '{}' (see: pager policy)\n", line.argv[2]);
        else
            print("pager: {}: {}\n", line.argv[2], ipc::error_name(set.error()));
        return;
    }
    print("pager policy: {} (was {})\n", set.value().name.c_str(), current.value().name.c_str());
}

} // namespace shell
