// The pager's inspection commands: vm, stats, why, trace, pager policy.
// They use the pager protocol (<ipc/proto/pager.h>) through the shell's own
// pager cap (process_slot_pager, badged with our pid): the pager answers
// Query, Why and Trace about any pid.
#include "commands.h"
#include "io.h"
#include <ipc/proto/pager.h>
#include <ipc/proto/slots.h>
#include <ipc/syscall.h>

namespace shell {

using ipc::Error;
namespace pager = ipc::proto::pager;

namespace {

constexpr ipc::CPtr pager_slot = ipc::proto::process_slot_pager;
constexpr uint64_t no_region = ~uint64_t(0);

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

kapi::SyscallResult pager_request(uint32_t label, std::initializer_list<uint64_t> args)
{
    return request(pager_slot, label, args);
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
    if (!pid_argument("vm", line.argv[1], pid))
        return;
    uint64_t total_pages = 0, resident = 0, dirty = 0, index = 0;
    for (;; ++index) {
        auto r = pager_request(uint32_t(pager::Label::Query), { pid, index });
        if (Error e = kapi::call_error(r); e != Error::None) {
            if (e != Error::NotFound || index == 0)
                report_pid_error("vm", pid, e);
            if (index == 0)
                return;
            break;
        }
        uint64_t start = r.words[0], end = r.words[1], type = r.words[2], prot = r.words[3];
        uint64_t pages_resident = kapi::message_word(r, 4), pages_dirty = kapi::message_word(r, 5);
        uint64_t file = kapi::message_word(r, 6);
        char backing[24];
        ipc::fmt::BufferSink sink(backing, sizeof(backing));
        if (file == ~uint64_t(0))
            ipc::fmt::format(sink, "anon");
        else
            ipc::fmt::format(sink, "file {}", file);
        print("{}-{} {:9} {} {:8} resident {:5} dirty {:5}\n", hex16(start).text, hex16(end).text,
              region_type_name(type), rights_string(prot).text, backing, pages_resident, pages_dirty);
        total_pages += (end - start) / 4096;
        resident += pages_resident;
        dirty += pages_dirty;
    }
    print("pid {}: {} regions, {} pages, {} resident ({} KiB), {} dirty private\n", pid, index, total_pages,
          resident, resident * 4, dirty);
}

void cmd_stats(const CommandLine&)
{
    auto r = pager_request(uint32_t(pager::Label::Stats), {});
    if (Error e = kapi::call_error(r); e != Error::None) {
        print("stats: {}\n", ipc::error_name(e));
        return;
    }
    uint64_t w[ipc::max_message_words] {};
    unsigned n = r.info.clamped_length();
    for (unsigned i = 0; i < n; ++i)
        w[i] = kapi::message_word(r, i);
    using W = pager::StatsWord;
    auto at = [&](W word, unsigned offset = 0) { return w[unsigned(word) + offset]; };
    // Pages populated per RegionType (text 0 .. rodata 8; guards never are).
    auto by_type = [&](unsigned type) { return at(W::LazyByRegionType, type); };
    print("faults            {}\n", at(W::Faults));
    print("populated by type text {} data {} bss {} heap {} stack {} anon-mmap {} file-mmap {} rodata {}\n",
          by_type(0), by_type(1), by_type(2), by_type(3), by_type(4), by_type(5), by_type(6), by_type(8));
    print("kills             guard {} protection {} invalid-address {} out-of-memory {} bad-sp {} fault-loop "
          "{}\n",
          at(W::GuardHits), at(W::ProtectionViolations), at(W::InvalidAddresses), at(W::OutOfMemoryKills),
          at(W::BadStackPointerKills), at(W::FaultLoopKills));
    print("file fills        {}\n", at(W::FileFills));
    print("copy-on-write     {}\n", at(W::CopyOnWrite));
    print("fault-around      {} neighbour pages\n", at(W::NeighboursPopulated));
    print("page cache        {} pages\n", at(W::CachePages));
    uint64_t retyped = at(W::FramesRetyped), recycled = at(W::FramesRecycled);
    uint64_t in_use = retyped >= recycled ? retyped - recycled : 0;
    print("pager memory      {} KiB used ({} frames), {} KiB free for reuse, {} KiB not yet retyped\n",
          in_use * 4, in_use, recycled * 4, at(W::UntypedBytesLeft) / 1024);
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
    auto r = pager_request(uint32_t(pager::ShellLabel::Why), { pid, address });
    if (Error e = kapi::call_error(r); e != Error::None) {
        report_pid_error("why", pid, e);
        return;
    }
    // Everything out of the reply before printing (a Write reuses the IPC buffer).
    uint64_t w[ipc::max_message_words] {};
    unsigned n = r.info.clamped_length();
    for (unsigned i = 0; i < n; ++i)
        w[i] = kapi::message_word(r, i);
    // Reasons: w8 = length, w9.. = "read\0write\0exec\0" (may be absent).
    char reasons[200] {};
    size_t reasons_length = n > 9 ? reply_string(r, 8, reasons, sizeof(reasons)) : 0;
    if (w[0] == no_region)
        print("{:x}: in no region of pid {}\n", address, pid);
    else
        print("{:x}: region {} of pid {}: {}-{} {} {}\n", address, w[0], pid, hex16(w[1]).text,
              hex16(w[2]).text, region_type_name(w[3]), rights_string(w[4]).text);
    const char* reason = reasons;
    const char* const access[3] = { "read", "write", "execute" };
    for (unsigned i = 0; i < 3; ++i) {
        auto d = pager::FaultDecision(w[5 + i]);
        const char* why = reason < reasons + reasons_length && *reason ? reason : fallback_reason(d);
        print("  {:8} {:21} {}{}\n", access[i], pager::fault_decision_name(d), is_kill(d) ? "kill: " : "",
              why);
        while (reason < reasons + reasons_length && *reason)
            ++reason;
        if (reason < reasons + reasons_length)
            ++reason; // past the NUL
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
    if (pid) {
        // The pager accepts any pid here; say so if it names nobody.
        auto known = pager_request(uint32_t(pager::Label::Query), { pid, 0 });
        if (Error e = kapi::call_error(known); e != Error::None) {
            report_pid_error("trace", pid, e);
            return;
        }
    }
    auto r = pager_request(uint32_t(pager::ShellLabel::Trace), { pid, on ? 1u : 0u });
    if (Error e = kapi::call_error(r); e != Error::None) {
        print("trace: {}\n", ipc::error_name(e));
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
    char current[40];
    auto got = pager_request(uint32_t(pager::ShellLabel::Policy), { 0 });
    if (Error e = kapi::call_error(got); e != Error::None) {
        print("pager: {}\n", ipc::error_name(e));
        return;
    }
    reply_string(got, 0, current, sizeof(current));
    if (line.argc == 2) {
        char listing[200];
        ipc::fmt::BufferSink sink(listing, sizeof(listing));
        for (uint64_t index = 0;; ++index) {
            auto r = pager_request(uint32_t(pager::ShellLabel::Policies), { index });
            if (kapi::call_error(r) != Error::None)
                break;
            char name[40];
            reply_string(r, 0, name, sizeof(name));
            ipc::fmt::format(sink, " {}", name);
        }
        print("policies:{}\n", listing);
        print("current:  {}\n", current);
        return;
    }
    auto set = request_with_string(pager_slot, uint32_t(pager::ShellLabel::Policy), line.argv[2]);
    if (Error e = kapi::call_error(set); e != Error::None) {
        if (e == Error::NotFound)
            print("pager: no such policy '{}' (see: pager policy)\n", line.argv[2]);
        else
            print("pager: {}: {}\n", line.argv[2], ipc::error_name(e));
        return;
    }
    char now[40];
    reply_string(set, 0, now, sizeof(now));
    print("pager policy: {} (was {})\n", now, current);
}

} // namespace shell
