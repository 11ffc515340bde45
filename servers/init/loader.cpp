#include "loader.h"
#include "resources.h"
#include <ipc/addr.h>
#include <ipc/proto/slots.h>
#include <string.h>

namespace init {

using ipc::CPtr;
using ipc::Error;
using ipc::ObjectType;
using ipc::Result;
using ipc::Rights;
namespace slots_abi = ipc::proto;

namespace {

constexpr unsigned pool_bits = 18; // 256 KiB of page tables

Result<void> check(Error e)
{
    if (e != Error::None)
        return e;
    return {};
}

// A fresh frame from the block, filled by `fill(bytes)` through a scratch
// mapping, then mapped into the process and moved into its CNode.
template<typename Fill>
Result<void> place_page(ProcessObjects& p, uint64_t vaddr, uint8_t rights, Fill fill)
{
    CPtr frame = TRY(retype(p.block, ObjectType::Frame));
    {
        auto scratch = ScratchMapping::map(frame);
        if (scratch.is_error())
            return scratch.error();
        fill(scratch.value().bytes());
    }
    TRY(check(kapi::vspace_map(p.vspace, frame, vaddr, rights)));
    TRY(check(kapi::cnode_move(p.cnode, p.take_backing_slot(), 0, frame)));
    slots().free(frame);
    return {};
}

} // namespace

Result<void> give_cap(const ProcessObjects& p, CPtr process_slot, CPtr ours, uint8_t rights, uint64_t badge)
{
    Error e = badge ? kapi::cnode_mint(p.cnode, process_slot, 0, ours, rights, badge)
                    : kapi::cnode_copy(p.cnode, process_slot, 0, ours, rights);
    return check(e);
}

Result<ProcessObjects> create_process(CPtr block, unsigned cnode_radix)
{
    ProcessObjects p;
    p.block = block;
    p.cnode = TRY(retype(block, ObjectType::CNode, cnode_radix));
    p.vspace = TRY(retype(block, ObjectType::VSpace));
    p.tcb = TRY(retype(block, ObjectType::Tcb));
    p.ipc_frame = TRY(retype(block, ObjectType::Frame));
    CPtr pool = TRY(retype(block, ObjectType::Untyped, pool_bits));
    TRY(check(kapi::vspace_bind_pool(p.vspace, pool)));
    slots().free(pool); // the cap moved into the VSpace
    TRY(check(kapi::vspace_map(p.vspace, p.ipc_frame, slots_abi::process_ipc_buffer_address,
                               Rights::read | Rights::write)));
    TRY(give_cap(p, slots_abi::process_slot_tcb, p.tcb, Rights::all));
    TRY(give_cap(p, slots_abi::process_slot_cnode, p.cnode, Rights::all));
    TRY(give_cap(p, slots_abi::process_slot_vspace, p.vspace, Rights::all));
    TRY(give_cap(p, slots_abi::process_slot_ipc_buffer, p.ipc_frame, Rights::read | Rights::write));
    p.next_backing_slot = (CPtr(1) << cnode_radix) - 1;
    return p;
}

Result<uint64_t> load_eagerly(ProcessObjects& p, const uint8_t* elf, size_t size, unsigned stack_pages)
{
    auto image = ipc::elf::Image::parse(elf, size);
    if (image.is_error())
        return Error::Malformed;
    for (size_t i = 0; i < image.value().segment_count(); ++i) {
        const ipc::elf::Segment& s = image.value().segment(i);
        uint8_t rights
            = Rights::read | (s.writable() ? Rights::write : 0) | (s.executable() ? Rights::execute : 0);
        for (uint64_t page = ipc::round_down_to_page(s.vaddr); page < s.vaddr + s.memsz;
             page += ipc::page_size) {
            TRY(place_page(p, page, rights, [&](uint8_t* bytes) {
                uint64_t from = page > s.vaddr ? page : s.vaddr;
                uint64_t to
                    = page + ipc::page_size < s.vaddr + s.filesz ? page + ipc::page_size : s.vaddr + s.filesz;
                if (from < to)
                    memcpy(bytes + (from - page), elf + s.file_offset + (from - s.vaddr), to - from);
            }));
        }
    }
    for (unsigned i = 1; i <= stack_pages; ++i)
        TRY(place_page(p, slots_abi::process_stack_top - i * ipc::page_size, Rights::read | Rights::write,
                       [](uint8_t*) {}));
    return image.value().entry();
}

Result<void> start_thread(const ProcessObjects& p, const ThreadStart& start)
{
    TRY(check(kapi::tcb_configure(p.tcb, p.cnode, p.vspace, p.ipc_frame,
                                  slots_abi::process_ipc_buffer_address, start.fault_endpoint,
                                  start.priority)));
    if (start.supervisor)
        TRY(check(kapi::tcb_set_supervisor(p.tcb, start.supervisor)));
    kapi::Registers regs {};
    regs.rip = start.entry;
    regs.rsp = start.stack_pointer;
    regs.rdi = start.arg0;
    regs.rsi = start.arg1;
    TRY(check(kapi::tcb_write_registers(p.tcb, regs)));
    return check(kapi::tcb_resume(p.tcb));
}

void destroy_process(ProcessObjects& p)
{
    // Revoking the block deletes every cap derived from it, ours and the
    // process's alike, which destroys every object made from it.
    (void)kapi::cnode_revoke(ipc::root_slot_cnode, p.block);
    for (CPtr slot : { p.tcb, p.cnode, p.vspace, p.ipc_frame })
        slots().free(slot);
    p = ProcessObjects { .block = p.block };
}

} // namespace init
