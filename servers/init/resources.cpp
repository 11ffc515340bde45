#include "resources.h"
#include <stdio.h>

namespace init {

using ipc::CPtr;
using ipc::Error;
using ipc::ObjectType;
using ipc::Result;

namespace {

SlotAllocator g_slots;

struct BootUntyped {
    CPtr cptr;
    unsigned size_bits;
    bool taken;    // moved away whole
    uint64_t used; // bytes carved so far (we never revoke these parents)
};
BootUntyped g_untyped[ipc::RootBootInfo::max_untyped];
unsigned g_untyped_count = 0;

// Scratch window: one page per concurrent fill is all init ever needs.
constexpr uint64_t scratch_base = 0x0000'6000'0000'0000;
constexpr unsigned scratch_pages = 8;
bool g_scratch_busy[scratch_pages];

} // namespace

void SlotAllocator::init(CPtr first_free, unsigned radix)
{
    m_next = first_free;
    m_end = CPtr(1) << radix;
}

Result<CPtr> SlotAllocator::allocate()
{
    if (m_recycled_count)
        return m_recycled[--m_recycled_count];
    if (m_next >= m_end)
        return Error::NoMemory;
    return m_next++;
}

void SlotAllocator::free(CPtr slot)
{
    if (m_recycled_count < max_recycled)
        m_recycled[m_recycled_count++] = slot;
}

SlotAllocator& slots() { return g_slots; }

void init_untyped(const ipc::RootBootInfo& info)
{
    for (uint64_t i = 0; i < info.untyped_count; ++i)
        g_untyped[g_untyped_count++]
            = BootUntyped { info.first_untyped + i, info.untyped[i].size_bits, false, 0 };
}

Result<CPtr> carve_untyped(unsigned size_bits)
{
    // Smallest boot block that still fits: keep big blocks for big needs.
    BootUntyped* best = nullptr;
    uint64_t bytes = uint64_t(1) << size_bits;
    for (unsigned i = 0; i < g_untyped_count; ++i) {
        BootUntyped& u = g_untyped[i];
        uint64_t start = (u.used + bytes - 1) & ~(bytes - 1);
        if (u.taken || u.size_bits < size_bits || start + bytes > (uint64_t(1) << u.size_bits))
            continue;
        if (!best || u.size_bits < best->size_bits)
            best = &u;
    }
    if (!best)
        return Error::NoMemory;
    CPtr slot = TRY(g_slots.allocate());
    Error e = kapi::untyped_retype(best->cptr, ObjectType::Untyped, size_bits, 0, slot, 1);
    if (e != Error::None) {
        g_slots.free(slot);
        return e;
    }
    best->used = ((best->used + bytes - 1) & ~(bytes - 1)) + bytes;
    return slot;
}

Result<unsigned> take_largest_untyped(CPtr& cptr)
{
    BootUntyped* best = nullptr;
    for (unsigned i = 0; i < g_untyped_count; ++i) {
        if (!g_untyped[i].taken && g_untyped[i].used == 0
            && (!best || g_untyped[i].size_bits > best->size_bits))
            best = &g_untyped[i];
    }
    if (!best)
        return Error::NoMemory;
    best->taken = true;
    cptr = best->cptr;
    return best->size_bits;
}

Result<CPtr> retype(CPtr untyped, ObjectType type, unsigned size_bits)
{
    CPtr slot = TRY(g_slots.allocate());
    Error e = kapi::untyped_retype(untyped, type, size_bits, 0, slot, 1);
    if (e != Error::None) {
        g_slots.free(slot);
        return e;
    }
    return slot;
}

Result<void> init_scratch()
{
    CPtr pool = TRY(carve_untyped(16));
    Error e = kapi::vspace_bind_pool(ipc::root_slot_vspace, pool);
    if (e != Error::None)
        return e;
    return {};
}

Result<ScratchMapping> ScratchMapping::map(CPtr frame)
{
    unsigned page = 0;
    while (page < scratch_pages && g_scratch_busy[page])
        ++page;
    if (page == scratch_pages)
        return Error::Busy;
    CPtr copy = TRY(g_slots.allocate());
    Error e = kapi::cnode_copy(ipc::root_slot_cnode, copy, 0, frame, ipc::Rights::all);
    uint64_t address = scratch_base + page * ipc::page_size;
    if (e == Error::None)
        e = kapi::vspace_map(ipc::root_slot_vspace, copy, address, ipc::Rights::read | ipc::Rights::write);
    if (e != Error::None) {
        (void)kapi::cnode_delete(ipc::root_slot_cnode, copy);
        g_slots.free(copy);
        return e;
    }
    g_scratch_busy[page] = true;
    return ScratchMapping(copy, address);
}

ScratchMapping::~ScratchMapping()
{
    if (!m_copy)
        return;
    // Deleting the cap unmaps it.
    (void)kapi::cnode_delete(ipc::root_slot_cnode, m_copy);
    g_slots.free(m_copy);
    g_scratch_busy[(m_address - scratch_base) / ipc::page_size] = false;
}

} // namespace init
