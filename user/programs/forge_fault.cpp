// forge_fault (hostile): pretends to be the kernel. It Calls its own pager
// cap (badged with its pid, the cap every program holds) with the fault
// protocol's messages: a PageFault and an Exception with plausible words
// (an untouched page of its own bss, its own ip and sp), and the fault
// handler's replies (Map, MapNew, Kill) and ThreadExit as if they were
// requests. Only the kernel sends faults (with the fault badge init puts on
// the TCB's fault endpoint cap), so the pager must answer each with an
// error, never with Map or MapNew, and book nothing: the forged page must
// still fault in normally afterwards, and so must every later program's.
#include "common.h"
#include <ipc/fault.h>

namespace {

using ipc::MessageInfo;

constexpr uint64_t page_size = ipc::page_size;
// Two pages, so that one of them is surely page-aligned and untouched.
alignas(4096) uint8_t g_untouched[2 * 4096];

uint64_t current_sp()
{
    uint64_t sp;
    asm volatile("mov %%rsp, %0" : "=r"(sp));
    return sp;
}

// Sends one forged message to the pager; true if it was refused with an
// error (what must happen), false (and a FAIL line) otherwise.
template<unsigned N>
bool forge(const char* what, const ipc::Encoded<N>& message)
{
    uint64_t words[ipc::max_message_words] {};
    for (unsigned i = 0; i < N; ++i)
        words[i] = message.words[i];
    auto answer = kapi::send_message(ipc::Syscall::Call, ipc::proto::process_slot_pager, message.info, words);
    if (!answer.ok()) {
        programs::say("forge_fault: FAIL: {}: the Call itself failed: {}\n", what,
                      ipc::error_name(answer.error));
        return false;
    }
    uint32_t label = answer.info.label();
    if (label == 0 || ipc::is_fault_protocol_label(label)) {
        programs::say("forge_fault: FAIL: {}: the pager answered label {:x} ({} words), not an error\n", what,
                      label, answer.info.length());
        return false;
    }
    programs::say("forge_fault: {}: refused ({})\n", what, ipc::error_name(ipc::Error(label)));
    return true;
}

} // namespace

int main(int, char**)
{
    uint64_t page = (reinterpret_cast<uint64_t>(g_untouched) + page_size - 1) & ~(page_size - 1);
    uint64_t ip = reinterpret_cast<uint64_t>(&main);
    uint64_t sp = current_sp();
    programs::say("forge_fault: forging faults for {:x} to the pager\n", page);

    bool ok = true;
    ipc::PageFault write_fault { .address = ipc::VirtAddr(page),
                                 .ip = ipc::VirtAddr(ip),
                                 .sp = ipc::VirtAddr(sp),
                                 .access = ipc::FaultAccess::write | ipc::FaultAccess::user,
                                 .timestamp = 1 };
    ok &= forge("PageFault (write, 5 words)", write_fault.encode());
    ok &= forge("PageFault (write, 4 words)", write_fault.encode(false));
    ipc::PageFault read_fault = write_fault;
    read_fault.access = ipc::FaultAccess::user;
    read_fault.address = ipc::VirtAddr(page + page_size / 2);
    ok &= forge("PageFault (read)", read_fault.encode());
    ipc::Exception exception {
        .vector = 6, .ip = ipc::VirtAddr(ip), .sp = ipc::VirtAddr(sp), .error_code = 0
    };
    ok &= forge("Exception", exception.encode());
    ok &= forge(
        "Map as a request",
        ipc::MapReply { .frame = 1, .address = ipc::VirtAddr(page), .rights = ipc::Rights { 3 } }.encode());
    ok &= forge(
        "MapNew as a request",
        ipc::MapNewReply {
            .frame_slot = 40, .address = ipc::VirtAddr(page), .rights = ipc::Rights { 3 }, .untyped = 1 }
            .encode());
    ok &= forge("Kill as a request", ipc::KillReply { .reason = 1 }.encode());
    ok &= forge("ThreadExit as a request",
                ipc::ThreadExit { .cause = ipc::ExitCause::Killed, .reason = 1, .address = page }.encode());

    // The forged page was never mapped or booked: a real fault maps it now.
    volatile uint64_t* word = reinterpret_cast<volatile uint64_t*>(page);
    if (*word != 0) {
        programs::say("forge_fault: FAIL: the untouched page reads {:x}, not 0\n", *word);
        return 1;
    }
    *word = 0xf0f0;
    if (*word != 0xf0f0) {
        programs::say("forge_fault: FAIL: the page did not keep a write\n");
        return 1;
    }
    programs::say("forge_fault: the page at {:x} faulted in normally after the forgeries\n", page);
    if (!ok)
        return 1;
    programs::say("forge_fault: every forged message was refused\n");
    return 0;
}
