#pragma once
// A capability is a small value (NOVA's Capability, seL4's cap_t): object
// type, object reference, rights, and two type-specific words. A Slot holds
// one capability and its place in the derivation tree.
//
// Per type, `object` / `data0` / `data1` / `extra` mean:
//   Untyped       physical base / bytes used (free index) / bound VSpace / size bits
//   CNode         CNode*        /                        /              / radix
//   Tcb           Tcb*
//   Endpoint      Endpoint*     / badge
//   Notification  Notification* / badge
//   VSpace        VSpace*
//   Frame         physical addr / mapped vaddr (0 = none) / asid | generation << 32 / mapped rights
//   IrqHandler    irq number
//   IoPort        first port    / last port
//   Reply         caller Tcb*

#include <cstddef>
#include <cstdint>
#include <ipc/object.h>

namespace kernel {

struct Capability {
    ipc::ObjectType type { ipc::ObjectType::Null };
    ipc::Rights rights { 0 };
    uint16_t flags { 0 };
    uint32_t extra { 0 };
    uint64_t object { 0 };
    uint64_t data0 { 0 };
    uint64_t data1 { 0 };

    bool is_null() const { return type == ipc::ObjectType::Null; }
    template<typename T>
    T* as() const
    {
        return reinterpret_cast<T*>(object);
    }
};
static_assert(sizeof(Capability) == 32);

// One capability slot and its links in the derivation tree (CDT). Children
// of a slot are the caps copied, minted, retyped or transferred from it.
struct Slot {
    Capability cap;
    Slot* parent { nullptr };
    Slot* first_child { nullptr };
    Slot* next_sibling { nullptr };
    Slot* prev_sibling { nullptr };

    bool is_empty() const { return cap.is_null(); }
};
static_assert(sizeof(Slot) == 64);

} // namespace kernel
