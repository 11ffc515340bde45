#include "trace.h"
#include "clients.h"
#include "trace_channel.h"
#include "trace_record.h"
#include <ipc/proto/pager.h>
#include <stdio.h>

namespace pager::trace {

namespace {

bool g_all = false;
unsigned g_traced_clients = 0; // clients with their own trace on
// Whether anything is traced at all: every fault asks, and the answer is
// nearly always no, so it must not cost a walk of the clients and a rdtsc.
bool g_any = false;
uint64_t g_next_id = 0;

// The host records of the current fault wait here until its answer is
// timed, so that writing COM2 (a system call per byte) falls in no figure
// and in no span of the records. A fault with more file-server hops than
// fit is the exception: the records are sent when the room runs out, and
// that write is in the pager's figure.
constexpr unsigned max_waiting_fs_hops = 64;

struct WaitingFsHop {
    Hop hop;
    FsRequest request; // when hop is PagerToFs
    FsReply reply;     // when hop is FsToPager
};

struct Current {
    bool active;
    FaultHeader header;
    uint64_t started;
    // Records waiting for the host channel (only while it is open).
    bool received_waiting;
    FaultReceived received;
    unsigned fs_hops_waiting;
    WaitingFsHop fs_hops[max_waiting_fs_hops];
} g_current;

void update_any() { g_any = g_all || g_traced_clients != 0; }

// At the first `trace on`: says why records will not reach the host, if they will not.
void open_host_channel()
{
    HostChannel& channel = host_channel();
    if (channel.state() != ChannelState::Unopened)
        return;
    switch (channel.open()) {
    case ChannelState::NoPortCap:
        libc::print("pager: no COM2 port capability: trace records go to the console only\n");
        return;
    case ChannelState::NoUart:
        libc::print("pager: no UART at COM2: trace records go to the console only\n");
        return;
    case ChannelState::Unopened:
    case ChannelState::Open:
    case ChannelState::Stopped: return;
    }
}

template<typename Record>
void send(const Record& record)
{
    HostChannel& channel = host_channel();
    if (!channel.is_open())
        return;
    JsonLine line;
    std::string_view text = encode(line, g_current.header, record);
    if (text.empty()) {
        libc::print("pager: trace record of fault #{} does not fit in {} bytes: not sent to the host\n",
                    g_current.header.id, JsonLine::capacity);
        return;
    }
    if (!channel.write(text))
        libc::print("pager: COM2 stopped taking bytes: trace records no longer go to the host\n");
}

void send_waiting()
{
    if (g_current.received_waiting)
        send(g_current.received);
    for (unsigned i = 0; i < g_current.fs_hops_waiting; ++i) {
        const WaitingFsHop& h = g_current.fs_hops[i];
        if (h.hop == Hop::PagerToFs)
            send(h.request);
        else
            send(h.reply);
    }
    g_current.received_waiting = false;
    g_current.fs_hops_waiting = 0;
}

void wait_fs_hop(const WaitingFsHop& hop)
{
    if (!host_channel().is_open())
        return;
    if (g_current.fs_hops_waiting == max_waiting_fs_hops)
        send_waiting();
    g_current.fs_hops[g_current.fs_hops_waiting++] = hop;
}

} // namespace

void set_all(bool on)
{
    g_all = on;
    if (!on) {
        for_each_client([](Client& c) { set_client(c, false); });
    }
    update_any();
    if (on)
        open_host_channel();
}

void set_client(Client& client, bool on)
{
    if (client.traced != on) {
        client.traced = on;
        if (on)
            ++g_traced_clients;
        else
            --g_traced_clients;
    }
    update_any();
    if (on)
        open_host_channel();
}

bool enabled_for(uint64_t pid)
{
    if (!g_any)
        return false;
    if (g_all)
        return true;
    const Client* client = find_client(pid);
    return client && client->traced;
}

namespace {

// Kept out of line so that fault_received, called on every fault, stays
// small enough to be inlined into the fault loop: when nothing is traced a
// fault pays for the id and one test, as before the host channel existed.
[[gnu::noinline]] void start_traced_fault(uint64_t pid, const FaultInfo& f, uint64_t kernel_timestamp)
{
    uint64_t start = now();
    g_current.active = true;
    g_current.header = FaultHeader { g_next_id, pid, f.address, access_name(f), f.ip };
    g_current.started = start;
    g_current.received = kernel_timestamp ? FaultReceived { kernel_timestamp, start - kernel_timestamp, true }
                                          : FaultReceived { start, 0, false };
    g_current.received_waiting = host_channel().is_open();
    g_current.fs_hops_waiting = 0;
    if (kernel_timestamp)
        libc::print("trace: #{} kernel->pager pid {} {} {:x} ip {:x} (+{} tsc in the kernel)\n",
                    g_current.header.id, pid, access_name(f), f.address, f.ip, start - kernel_timestamp);
    else
        libc::print("trace: #{} kernel->pager pid {} {} {:x} ip {:x}\n", g_current.header.id, pid,
                    access_name(f), f.address, f.ip);
}

} // namespace

void fault_received(uint64_t pid, const FaultInfo& f, uint64_t kernel_timestamp)
{
    ++g_next_id; // every fault has its id, traced or not
    g_current.active = false;
    if (enabled_for(pid))
        start_traced_fault(pid, f, kernel_timestamp);
}

void fs_request(uint64_t file, uint64_t page)
{
    if (!g_current.active)
        return;
    libc::print("trace: #{} pager->fs fill file {} page {}\n", g_current.header.id, file, page);
    wait_fs_hop(WaitingFsHop { Hop::PagerToFs, FsRequest { file, page, now() }, {} });
}

void fs_reply(uint64_t bytes, uint64_t started)
{
    if (!g_current.active)
        return;
    uint64_t figure = now() - started;
    libc::print("trace: #{} fs->pager {} bytes (+{} tsc)\n", g_current.header.id, bytes, figure);
    wait_fs_hop(WaitingFsHop { Hop::FsToPager, {}, FsReply { bytes, started, figure } });
}

void answer_map(uint64_t address, uint8_t rights, bool new_frame)
{
    if (!g_current.active)
        return;
    uint64_t figure = now() - g_current.started;
    libc::print("trace: #{} pager->kernel MAP {:x} {}{} (+{} tsc in the pager)\n", g_current.header.id,
                address, rights_letters(rights).text, new_frame ? " new" : "", figure);
    send_waiting();
    send(MapAnswer { ipc::VirtAddr(address), rights, new_frame, g_current.started, figure });
    g_current.active = false;
}

void answer_kill(uint64_t kill_word)
{
    if (!g_current.active)
        return;
    namespace proto = ipc::proto::pager;
    uint64_t figure = now() - g_current.started;
    const char* reason = proto::kill_reason_name(proto::kill_reason(kill_word));
    uint64_t at = proto::kill_address(kill_word);
    libc::print("trace: #{} pager->kernel KILL {} at {:x} (+{} tsc in the pager)\n", g_current.header.id,
                reason, at, figure);
    send_waiting();
    send(KillAnswer { reason, ipc::VirtAddr(at), g_current.started, figure });
    g_current.active = false;
}

} // namespace pager::trace
