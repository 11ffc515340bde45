#pragma once
// Every kernel object that can be destroyed starts its bookkeeping with an
// ObjectHeader: how many capabilities name it (the last one going destroys
// it) and a link for the destroy work list, so destroying objects that hold
// capabilities to other objects never recurses.

#include <cstdint>
#include <ipc/object.h>

namespace kernel {

struct ObjectHeader {
    ipc::ObjectType type;
    uint8_t dying;
    uint16_t info; // per type: a CNode's radix
    uint32_t cap_count;
    ObjectHeader* next_pending;
};
static_assert(sizeof(ObjectHeader) == 16);

} // namespace kernel
