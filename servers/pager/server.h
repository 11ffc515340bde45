#pragma once
// The pager server's request handlers. Each returns what to answer: for a
// fault, a Map (frame, address, rights) or a Kill (reason word); for a
// protocol request, an error (the reply label) and result words.

#include "clients.h"
#include <cstdint>
#include <ipc/error.h>
#include <ipc/message.h>
#include <kernel_api.h>
#include <pager/fault_info.h>

namespace pager {

struct FaultAnswer {
    bool kill { false };
    uint64_t kill_word { 0 };
    ipc::CPtr frame { 0 };
    uint64_t address { 0 };
    uint8_t rights { 0 };
    bool retype { false }; // `frame` is an empty slot: answer MapNew, not Map
};

struct RequestAnswer {
    ipc::Error error { ipc::Error::None };
    unsigned length { 0 };
    uint64_t words[ipc::max_message_words] {};
    void push(uint64_t w) { words[length++] = w; }
};

FaultAnswer handle_page_fault(uint64_t pid, const FaultInfo&);
FaultAnswer handle_exception(uint64_t pid, uint64_t vector, uint64_t ip);
// The kernel refused the Map or MapNew in `refused` with `error`: the
// client still waits for its fault. Gives back what the answer held and
// returns the Kill to answer instead.
FaultAnswer map_refused(uint64_t pid, const FaultInfo&, const FaultAnswer& refused, ipc::Error error);
// A message with the fault badge that is no fault message the kernel sends
// (it never happens unless the kernel and we disagree on ipc/fault.h): the
// Kill to answer.
FaultAnswer malformed_fault(uint64_t pid, ipc::MessageInfo, ipc::Error error);
// `received_cap` is the slot a transferred cap landed in (NewClient), or 0.
RequestAnswer handle_request(uint64_t badge, const kapi::SyscallResult&, ipc::CPtr received_cap,
                             bool& cap_taken);

struct Counters {
    uint64_t faults;
    uint64_t lazy_by_type[9];
    uint64_t file_fills;
    uint64_t copy_on_write;
    uint64_t guard_hits;
    uint64_t protection_violations;
    uint64_t invalid_addresses;
    uint64_t out_of_memory_kills;
    uint64_t bad_stack_pointer_kills;
    uint64_t fault_loop_kills;
    uint64_t exceptions;
    uint64_t neighbours_populated; // pages mapped by the policy besides the faulting one
};
Counters& counters();
void set_verbose(bool);
class PagePolicy;
const PagePolicy& current_policy();
void set_policy(const PagePolicy&);
bool verbose();

} // namespace pager
