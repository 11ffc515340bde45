#include "object/vspace_ops.h"
#include "mm/memory.h"
#include "object/cnode.h"
#include "object/lifecycle.h"
#include "object/untyped.h"
#include "panic.h"

namespace kernel {

using ipc::Error;
using ipc::ObjectType;
using ipc::PhysAddr;
using ipc::Result;
using ipc::Rights;
using ipc::VirtAddr;

namespace {

// ASID 0 is never handed out, so a zero record means "not mapped".
VSpace* g_asid_table[max_vspaces];
uint32_t g_asid_generation[max_vspaces];
uint64_t g_vspace_count = 0;

// Page-table pages for one VSpace, carved from its bound Untyped pool.
class PoolSource final : public arch::PageTableSource {
public:
    explicit PoolSource(VSpace& space) : m_space(space) { }
    Result<PhysAddr> allocate_zeroed_page() override
    {
        if (m_space.pool.cap.type != ObjectType::Untyped)
            return Error::NoMemory;
        PhysAddr page = TRY(untyped_carve(m_space.pool.cap, ipc::page_size));
        ++m_space.tables_used;
        return page;
    }

private:
    VSpace& m_space;
};

bool is_current(const VSpace& space)
{
    return arch::current_address_space() == arch::physmap_to_phys(space.pml4);
}

void forget_all_mappings(VSpace& space)
{
    arch::clear_user_half(
        space.pml4, [](VirtAddr, PhysAddr frame) { VERIFY(!mm::frames().remove_mapping(frame).is_error()); });
    space.pages_mapped = 0;
    space.tables_used = 0;
    // Every Frame cap record naming the old generation is now stale.
    space.generation = ++g_asid_generation[space.asid];
    if (is_current(space))
        arch::load_address_space(arch::physmap_to_phys(space.pml4)); // flush the TLB
}

void record_mapping(Capability& frame, const VSpace& space, VirtAddr vaddr, Rights rights)
{
    frame.data0 = vaddr.get();
    frame.data1 = space.asid | (uint64_t(space.generation) << 32);
    frame.extra = rights.bits;
}

void clear_record(Capability& frame) { frame.data0 = frame.data1 = frame.extra = 0; }

// Everything a mapping needs once its page table entry is written. Inline:
// every fault reply runs it.
[[gnu::always_inline]] inline void note_mapped(VSpace& space, Capability& frame, VirtAddr vaddr,
                                               Rights rights)
{
    VERIFY(!mm::frames().add_mapping(PhysAddr(frame.object)).is_error());
    ++space.pages_mapped;
    record_mapping(frame, space, vaddr, rights);
}

arch::PageRights page_rights(Rights r)
{
    return arch::PageRights { .write = r.has(Rights::write), .execute = r.has(Rights::execute) };
}

Result<void> check_rights(const Capability& frame, Rights requested)
{
    uint8_t mapping_bits = requested.bits & (Rights::read | Rights::write | Rights::execute);
    if (!frame.rights.has(mapping_bits))
        return Error::InsufficientRights;
    return {};
}

} // namespace

Result<void> init_vspace(VSpace& space)
{
    for (uint32_t asid = 1; asid < max_vspaces; ++asid) {
        if (!g_asid_table[asid]) {
            g_asid_table[asid] = &space;
            space.asid = asid;
            space.generation = ++g_asid_generation[asid];
            space.header.type = ObjectType::VSpace;
            arch::init_user_pml4(space.pml4);
            ++g_vspace_count;
            return {};
        }
    }
    return Error::NoMemory;
}

void destroy_vspace(VSpace& space)
{
    forget_all_mappings(space);
    if (is_current(space))
        arch::load_address_space(arch::kernel_root());
    g_asid_table[space.asid] = nullptr;
    ++g_asid_generation[space.asid];
    --g_vspace_count;
    space.pool.cap.data1 = 0; // unbind first, so deleting the pool does not call back
    delete_cap(space.pool);
}

void vspace_pool_lost(VSpace& space) { forget_all_mappings(space); }

Result<void> bind_pool(VSpace& space, Slot& untyped)
{
    if (!space.pool.is_empty())
        return Error::Busy;
    if (untyped.cap.data1)
        return Error::Busy; // already some VSpace's pool
    move_cap(untyped, space.pool);
    space.pool.cap.data1 = reinterpret_cast<uint64_t>(&space);
    return {};
}

VSpace* mapped_vspace(const Capability& frame)
{
    if (!frame.data0)
        return nullptr;
    uint32_t asid = uint32_t(frame.data1);
    uint32_t generation = uint32_t(frame.data1 >> 32);
    if (asid == 0 || asid >= max_vspaces || g_asid_generation[asid] != generation)
        return nullptr;
    return g_asid_table[asid];
}

Result<void> vspace_map(VSpace& space, Capability& frame, VirtAddr vaddr, Rights rights)
{
    PoolSource source(space);
    return vspace_map_with(space, frame, vaddr, rights, source);
}

Result<void> vspace_map_with(VSpace& space, Capability& frame, VirtAddr vaddr, Rights rights,
                             arch::PageTableSource& source)
{
    if (!vaddr.is_page_aligned() || !ipc::is_user_range(vaddr.get(), ipc::page_size))
        return Error::OutOfRange;
    if (mapped_vspace(frame))
        return Error::AlreadyMapped;
    TRY(check_rights(frame, rights));
    PhysAddr phys(frame.object);
    TRY(arch::map_user_page(space.pml4, vaddr, phys, page_rights(rights), source));
    note_mapped(space, frame, vaddr, rights);
    return {};
}

void frame_cap_unmap(Capability& frame)
{
    VSpace* space = mapped_vspace(frame);
    if (space) {
        VirtAddr vaddr(frame.data0);
        if (!arch::unmap_user_page(space->pml4, vaddr, PhysAddr(frame.object)).is_error()) {
            VERIFY(!mm::frames().remove_mapping(PhysAddr(frame.object)).is_error());
            --space->pages_mapped;
            if (is_current(*space))
                arch::flush_tlb_page(vaddr);
        }
    }
    clear_record(frame);
}

Result<void> vspace_unmap(VSpace& space, Capability& frame)
{
    if (mapped_vspace(frame) != &space)
        return Error::NotMapped;
    frame_cap_unmap(frame);
    return {};
}

Result<void> vspace_protect(VSpace& space, Capability& frame, Rights rights)
{
    if (mapped_vspace(frame) != &space)
        return Error::NotMapped;
    TRY(check_rights(frame, rights));
    VirtAddr vaddr(frame.data0);
    TRY(arch::protect_user_page(space.pml4, vaddr, page_rights(rights)));
    if (is_current(space))
        arch::flush_tlb_page(vaddr);
    frame.extra = rights.bits;
    return {};
}

Result<void> map_for_fault(Tcb& replier, Tcb& faulter, uint64_t frame_cptr, VirtAddr vaddr, Rights rights)
{
    Slot* frame = TRY(lookup_typed(replier, frame_cptr, ObjectType::Frame));
    const Capability& vspace = faulter.slot(tcb_slot_vspace).cap;
    if (vspace.type != ObjectType::VSpace)
        return Error::Deleted;
    return vspace_map(*vspace.as<VSpace>(), frame->cap, vaddr, rights);
}

bool map_for_fault_in_place(Tcb& replier, Tcb& faulter, uint64_t frame_cptr, VirtAddr vaddr, Rights rights)
{
    auto slot = cnode_slot(replier.slot(tcb_slot_cspace).cap, frame_cptr);
    if (slot.is_error())
        return false;
    Capability& frame = slot.value()->cap;
    const Capability& vspace = faulter.slot(tcb_slot_vspace).cap;
    if (frame.type != ObjectType::Frame || vspace.type != ObjectType::VSpace || mapped_vspace(frame)
        || check_rights(frame, rights).is_error())
        return false;
    VSpace& space = *vspace.as<VSpace>();
    PhysAddr phys(frame.object);
    if (!arch::map_user_page_in_place(space.pml4, vaddr, phys, page_rights(rights)))
        return false;
    note_mapped(space, frame, vaddr, rights);
    return true;
}

Result<void> map_new_for_fault(Tcb& replier, Tcb& faulter, uint64_t frame_slot, uint64_t untyped_cptr,
                               VirtAddr vaddr, Rights rights)
{
    Slot* untyped = TRY(lookup_typed(replier, untyped_cptr, ObjectType::Untyped));
    PreparedFrame frame = TRY(prepare_frame(replier, *untyped, frame_slot));
    const Capability& vspace = faulter.slot(tcb_slot_vspace).cap;
    if (vspace.type != ObjectType::VSpace)
        return Error::Deleted;
    // A new Frame cap has every right, so check_rights has nothing to refuse;
    // map_user_page refuses an unaligned or kernel-half address (OutOfRange).
    VSpace& space = *vspace.as<VSpace>();
    if (!arch::map_user_page_in_place(space.pml4, vaddr, frame.base, page_rights(rights))) {
        PoolSource source(space);
        TRY(arch::map_user_page(space.pml4, vaddr, frame.base, page_rights(rights), source));
    }
    // The entry points at memory no object owns yet, but nothing runs before
    // make_frame has zeroed it and made it the new Frame.
    note_mapped(space, make_frame(frame), vaddr, rights);
    return {};
}

uint64_t vspace_count() { return g_vspace_count; }

} // namespace kernel
