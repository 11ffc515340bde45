#pragma once
// Live tracing of fault traffic: one line per IPC hop, each carrying the
// fault's id so one fault's chain reads together, with the guest
// instructions each hop took (rdtsc; exact under QEMU -icount).
//
//   trace: #12 kernel->pager pid 3 read 0x401000 ip 0x401000 (+850 tsc in the kernel)
//   trace: #12 pager->fs fill file 2 page 1
//   trace: #12 fs->pager 4096 bytes (+5300 tsc)
//   trace: #12 pager->kernel MAP 0x401000 r-x (+9100 tsc in the pager)
//   trace: #14 pager->kernel MAP 0x7ffffffe000 rw- new (+1900 tsc in the pager)
//   trace: #13 pager->kernel KILL guard page hit at 0x7ffffeffff00 (+2100 tsc in the pager)
//
// Each hop also goes to the host as one JSON record per line on COM2
// (trace_record.h, trace_channel.h), written after the fault's answer is
// timed; docs/tracing.md describes both.

#include <cstdint>
#include <pager/fault_info.h>

namespace pager {
struct Client;
}

namespace pager::trace {

// Whether each client is traced is a flag of its own (Client::traced), so
// no table fills up however many programs trace themselves.
void set_all(bool on); // off also turns off every client's own trace
void set_client(Client&, bool on);
bool enabled_for(uint64_t pid);

// Around one fault's handling; the hops in between print only when active.
void fault_received(uint64_t pid, const FaultInfo&, uint64_t kernel_timestamp);
void fs_request(uint64_t file, uint64_t page);
void fs_reply(uint64_t bytes, uint64_t started);
// new_frame: a MapNew, the kernel makes the frame as it maps it.
void answer_map(uint64_t address, uint8_t rights, bool new_frame);
void answer_kill(uint64_t kill_word);

inline uint64_t now()
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t(hi) << 32) | lo;
}

} // namespace pager::trace
