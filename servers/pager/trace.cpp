#include "trace.h"
#include <ipc/proto/pager.h>
#include <stdio.h>

namespace pager::trace {

namespace {

constexpr unsigned max_traced = 16;
bool g_all = false;
uint64_t g_pids[max_traced];
// Whether anything is traced at all: every fault asks, and the answer is
// nearly always no, so it must not cost a walk of g_pids and a rdtsc.
bool g_any = false;
uint64_t g_next_id = 0;

struct Current {
    bool active;
    uint64_t id;
    uint64_t started;
} g_current;

const char* access_name(const FaultInfo& f) { return f.is_write() ? "write" : f.is_execute() ? "exec" : "read"; }

void update_any()
{
    g_any = g_all;
    for (uint64_t p : g_pids)
        g_any = g_any || p != 0;
}

void set_one(uint64_t pid, bool on)
{
    if (pid == 0) {
        g_all = on;
        if (!on) {
            for (auto& p : g_pids)
                p = 0;
        }
        return;
    }
    for (auto& p : g_pids) {
        if (p == pid) {
            if (!on)
                p = 0;
            return;
        }
    }
    if (!on)
        return;
    for (auto& p : g_pids) {
        if (!p) {
            p = pid;
            return;
        }
    }
}

} // namespace

void set(uint64_t pid, bool on)
{
    set_one(pid, on);
    update_any();
}

bool enabled_for(uint64_t pid)
{
    if (!g_any)
        return false;
    if (g_all)
        return true;
    for (uint64_t p : g_pids) {
        if (p && p == pid)
            return true;
    }
    return false;
}

void fault_received(uint64_t pid, const FaultInfo& f, uint64_t kernel_timestamp)
{
    ++g_next_id; // every fault has its id, traced or not
    if (!enabled_for(pid)) {
        g_current.active = false;
        return;
    }
    uint64_t start = now();
    g_current = Current { true, g_next_id, start };
    if (kernel_timestamp)
        libc::print("trace: #{} kernel->pager pid {} {} {:x} ip {:x} (+{} tsc in the kernel)\n", g_current.id, pid,
                    access_name(f), f.address, f.ip, start - kernel_timestamp);
    else
        libc::print("trace: #{} kernel->pager pid {} {} {:x} ip {:x}\n", g_current.id, pid, access_name(f), f.address, f.ip);
}

void fs_request(uint64_t file, uint64_t page)
{
    if (g_current.active)
        libc::print("trace: #{} pager->fs fill file {} page {}\n", g_current.id, file, page);
}

void fs_reply(uint64_t bytes, uint64_t started)
{
    if (g_current.active)
        libc::print("trace: #{} fs->pager {} bytes (+{} tsc)\n", g_current.id, bytes, now() - started);
}

void answer_map(uint64_t address, uint8_t rights, bool new_frame)
{
    if (!g_current.active)
        return;
    char r[4] = { (rights & 1) ? 'r' : '-', (rights & 2) ? 'w' : '-', (rights & 4) ? 'x' : '-', 0 };
    libc::print("trace: #{} pager->kernel MAP {:x} {}{} (+{} tsc in the pager)\n", g_current.id, address, r,
                new_frame ? " new" : "", now() - g_current.started);
    g_current.active = false;
}

void answer_kill(uint64_t kill_word)
{
    if (!g_current.active)
        return;
    namespace proto = ipc::proto::pager;
    libc::print("trace: #{} pager->kernel KILL {} at {:x} (+{} tsc in the pager)\n", g_current.id,
                proto::kill_reason_name(proto::kill_reason(kill_word)), proto::kill_address(kill_word), now() - g_current.started);
    g_current.active = false;
}

} // namespace pager::trace
