// misrouted_fault (hostile): a program holds its own TCB cap, so it can set
// its thread's fault endpoint to its pager request cap (badged with its pid,
// not with the fault badge). Its next page fault then reaches the pager as
// a PageFault with a request badge: the pager refuses it, the kernel will
// not take an error as a fault's answer, and the pager kills the thread
// ("unknown client") rather than serving a fault it cannot trust, or
// leaving it blocked forever. Init must report the kill; the next program
// runs normally.
#include "common.h"

namespace {
alignas(4096) uint8_t g_untouched[2 * 4096];
constexpr uint8_t program_priority = 100; // init's for the programs it runs (we may not raise it)
}

int main(int, char**)
{
    using namespace ipc::proto;
    uint64_t page = (reinterpret_cast<uint64_t>(g_untouched) + 4095) & ~uint64_t(4095);
    // Said first: after the switch, any fault (a code or stack page too) ends us.
    programs::say("misrouted_fault: pointing our faults at the pager request cap, then touching {:x}\n",
                  page);
    ipc::Error e = kapi::tcb_configure(process_slot_tcb, process_slot_cnode, process_slot_vspace,
                                       process_slot_ipc_buffer, process_ipc_buffer_address,
                                       process_slot_pager, program_priority);
    if (e != ipc::Error::None) {
        programs::say("misrouted_fault: FAIL: TcbConfigure on our own TCB: {}\n", ipc::error_name(e));
        return 1;
    }
    *reinterpret_cast<volatile uint64_t*>(page) = 1;
    programs::say("misrouted_fault: FAIL: a fault through a request cap was served\n");
    return 1;
}
