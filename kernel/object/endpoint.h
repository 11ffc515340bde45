#pragma once
// An Endpoint is a queue of threads that all wait to do the same thing:
// either send (Send, Call, faults, exit notices) or receive.

#include "object/header.h"

namespace kernel {

struct Tcb;

enum class EndpointState : uint8_t { Idle, Sending, Receiving };

struct Endpoint {
    ObjectHeader header;
    Tcb* head;
    Tcb* tail;
    EndpointState state;
};
static_assert(sizeof(Endpoint) <= 64);

struct Notification {
    ObjectHeader header;
    uint64_t word; // OR of pending signal badges
    Tcb* head;     // waiters
    Tcb* tail;
};
static_assert(sizeof(Notification) <= 64);

} // namespace kernel
