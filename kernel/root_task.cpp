// The root task is the one program the kernel builds itself. Everything it
// needs is carved at boot from one region of free memory (the boot region,
// never given out again); every other free byte becomes an Untyped cap in
// its CSpace. Its image is copied eagerly; every later program is loaded
// lazily by userspace.
#include "root_task.h"
#include "log.h"
#include "mm/memory.h"
#include "object/cnode.h"
#include "object/derivation.h"
#include "object/lifecycle.h"
#include "object/tcb_ops.h"
#include "object/untyped.h"
#include "object/vspace_ops.h"
#include "panic.h"
#include "sched/scheduler.h"
#include <cstring>
#include <ipc/elf64.h>
#include <ipc/root_boot_info.h>

namespace kernel {

using ipc::ObjectType;
using ipc::PhysAddr;
using ipc::PhysRange;
using ipc::Rights;
using ipc::VirtAddr;

namespace {

constexpr uint64_t stack_top = 0x0000'7fff'ffff'f000;
constexpr uint64_t stack_pages = 16;
constexpr uint64_t boot_info_address = ipc::root_boot_info_address;
constexpr uint64_t ipc_buffer_address = ipc::root_ipc_buffer_address;
constexpr uint64_t modules_address = 0x0000'7f00'0000'0000;
constexpr uint8_t root_priority = 255;

struct Block {
    uint64_t base;
    unsigned bits;
};

Block g_untyped[ipc::RootBootInfo::max_untyped];
Slot* g_untyped_slots[ipc::RootBootInfo::max_untyped];
size_t g_untyped_count = 0;
Tcb* g_root_thread = nullptr;

// Splits [start, end) into maximal naturally aligned power-of-two blocks.
void add_untyped_run(uint64_t start, uint64_t end)
{
    while (end - start >= (uint64_t(1) << ipc::min_untyped_bits)) {
        unsigned align_bits = start ? unsigned(__builtin_ctzll(start)) : 63;
        unsigned size_bits = 63 - unsigned(__builtin_clzll(end - start));
        unsigned bits = align_bits < size_bits ? align_bits : size_bits;
        if (bits > ipc::max_untyped_bits)
            bits = ipc::max_untyped_bits;
        if (g_untyped_count == ipc::RootBootInfo::max_untyped) {
            log::warn("boot", "more than {} untyped blocks: {} bytes at {:x} left unused", g_untyped_count,
                      end - start, start);
            return;
        }
        g_untyped[g_untyped_count++] = Block { start, bits };
        start += uint64_t(1) << bits;
    }
}

// A bump allocator over the boot region; also the page-table source for
// the root task's initial mappings.
class BootRegion final : public arch::PageTableSource {
public:
    BootRegion(uint64_t start, uint64_t end) : m_next(start), m_end(end) { }
    void* allocate(uint64_t bytes)
    {
        uint64_t at = (m_next + bytes - 1) & ~(bytes - 1);
        if (at + bytes > m_end)
            panic("boot region exhausted: {} bytes wanted", bytes);
        m_next = at + bytes;
        void* memory = arch::phys_to_virt(PhysAddr(at));
        memset(memory, 0, bytes);
        return memory;
    }
    ipc::Result<PhysAddr> allocate_zeroed_page() override
    {
        return arch::physmap_to_phys(allocate(ipc::page_size));
    }
    uint64_t next() const { return m_next; }
    uint64_t end() const { return m_end; }

private:
    uint64_t m_next;
    uint64_t m_end;
};

void claim_free_memory(uint64_t& boot_start, uint64_t& boot_end)
{
    PhysRange runs[256];
    size_t run_count = 0;
    PhysRange largest {};
    mm::frames().claim_all_free([&](PhysRange run) {
        if (run.size > largest.size)
            largest = run;
        if (run_count < 256)
            runs[run_count++] = run;
        else
            log::warn("boot", "memory run at {:x} ({} bytes) left unused", run.base, run.size);
    });
    constexpr uint64_t boot_region_bytes = 2ull << 20;
    if (largest.size < boot_region_bytes)
        panic("no free memory run of {} bytes for the root task", boot_region_bytes);
    boot_start = largest.base.get();
    boot_end = boot_start + boot_region_bytes;
    for (size_t i = 0; i < run_count; ++i) {
        if (runs[i].base == largest.base)
            add_untyped_run(boot_end, largest.end());
        else
            add_untyped_run(runs[i].base.get(), runs[i].end());
    }
}

const bootinfo::Module* find_module(const bootinfo::BootInfo& boot, std::string_view name)
{
    for (size_t i = 0; i < boot.module_count; ++i) {
        std::string_view s(boot.modules[i].name);
        if (s.substr(0, s.find(' ')) == name)
            return &boot.modules[i];
    }
    return nullptr;
}

void map_boot_page(VSpace& space, PhysAddr frame, VirtAddr vaddr, arch::PageRights rights, BootRegion& tables)
{
    if (auto mapped = arch::map_user_page(space.pml4, vaddr, frame, rights, tables); mapped.is_error())
        panic("cannot map root task page {:x}: {}", vaddr, ipc::error_name(mapped.error()));
    VERIFY(!mm::frames().add_mapping(frame).is_error());
    ++space.pages_mapped;
}

void load_segment(VSpace& space, const ipc::elf::Segment& segment, const uint8_t* file, BootRegion& region)
{
    arch::PageRights rights { .write = segment.writable(), .execute = segment.executable() };
    uint64_t first = ipc::round_down_to_page(segment.vaddr);
    uint64_t end = ipc::round_up_to_page(segment.vaddr + segment.memsz);
    for (uint64_t page = first; page < end; page += ipc::page_size) {
        auto* bytes = static_cast<uint8_t*>(region.allocate(ipc::page_size));
        // The file bytes of this segment that land on this page; the rest stays zero (bss).
        uint64_t copy_from = page > segment.vaddr ? page : segment.vaddr;
        uint64_t copy_to = page + ipc::page_size < segment.vaddr + segment.filesz
            ? page + ipc::page_size
            : segment.vaddr + segment.filesz;
        if (copy_from < copy_to)
            memcpy(bytes + (copy_from - page), file + segment.file_offset + (copy_from - segment.vaddr),
                   copy_to - copy_from);
        map_boot_page(space, arch::physmap_to_phys(bytes), VirtAddr(page), rights, region);
    }
}

class RootBuilder {
public:
    RootBuilder(BootRegion& region, ipc::RootBootInfo& info) : m_region(region), m_info(info) { }

    void create_objects()
    {
        m_cnode = static_cast<Slot*>(
            m_region.allocate(uint64_t(1) << (ipc::root_cnode_radix + ipc::slot_size_bits)));
        auto* header = reinterpret_cast<ObjectHeader*>(m_cnode);
        header->type = ObjectType::CNode;
        header->info = ipc::root_cnode_radix;
        m_space = static_cast<VSpace*>(m_region.allocate(uint64_t(1) << ipc::vspace_size_bits));
        VERIFY(!init_vspace(*m_space).is_error());
        m_thread = static_cast<Tcb*>(m_region.allocate(uint64_t(1) << ipc::tcb_size_bits));
        init_tcb(*m_thread);
        put(ipc::root_slot_tcb,
            { .type = ObjectType::Tcb, .rights = Rights {}, .object = uint64_t(m_thread) });
        put(ipc::root_slot_cnode,
            { .type = ObjectType::CNode,
              .rights = Rights {},
              .extra = ipc::root_cnode_radix,
              .object = uint64_t(m_cnode) });
        put(ipc::root_slot_vspace,
            { .type = ObjectType::VSpace, .rights = Rights {}, .object = uint64_t(m_space) });
        put(ipc::root_slot_irq_control, { .type = ObjectType::IrqControl, .rights = Rights {} });
        put(ipc::root_slot_io_ports,
            { .type = ObjectType::IoPort, .rights = Rights {}, .data0 = 0, .data1 = 0xffff });
    }

    // A boot-region page as a Frame cap in `slot`, mapped in the root VSpace.
    void frame_in_slot(ipc::CPtr slot, void* memory, VirtAddr vaddr, Rights cap_rights)
    {
        put(slot,
            { .type = ObjectType::Frame,
              .rights = cap_rights,
              .object = arch::physmap_to_phys(memory).get() });
        map_recorded(m_cnode[slot].cap, vaddr, cap_rights.has(Rights::write));
    }

    void give_untyped()
    {
        m_info.first_untyped = m_next_slot;
        for (size_t i = 0; i < g_untyped_count; ++i) {
            m_info.untyped[i] = ipc::UntypedDescriptor { .physical_address = g_untyped[i].base,
                                                         .size_bits = uint8_t(g_untyped[i].bits),
                                                         .padding = {} };
            g_untyped_slots[i] = &m_cnode[m_next_slot];
            put(m_next_slot++,
                { .type = ObjectType::Untyped,
                  .rights = Rights {},
                  .extra = g_untyped[i].bits,
                  .object = g_untyped[i].base });
        }
        m_info.untyped_count = g_untyped_count;
    }

    void give_modules(const bootinfo::BootInfo& boot)
    {
        uint64_t vaddr = modules_address;
        for (size_t i = 0; i < boot.module_count && i < ipc::RootBootInfo::max_modules; ++i) {
            const auto& module = boot.modules[i];
            auto& out = m_info.modules[m_info.module_count++];
            size_t n = 0;
            for (; module.name[n] && n < sizeof(out.name) - 1; ++n)
                out.name[n] = module.name[n];
            out.size = module.range.size;
            out.first_frame = m_next_slot;
            out.mapped_at = vaddr + module.range.base.offset_in_page();
            uint64_t first = module.range.base.page_base().get();
            uint64_t end = ipc::round_up_to_page(module.range.end());
            for (uint64_t page = first; page < end; page += ipc::page_size) {
                (void)mm::frames().adopt(
                    PhysAddr(page)); // may already be adopted: a page shared by two modules
                put(m_next_slot,
                    { .type = ObjectType::Frame,
                      .rights = Rights { Rights::read | Rights::grant },
                      .object = page });
                map_recorded(m_cnode[m_next_slot++].cap, VirtAddr(vaddr), false);
                vaddr += ipc::page_size;
                ++out.frame_count;
            }
            vaddr += ipc::page_size; // a gap between modules
        }
    }

    void configure_thread(uint64_t entry)
    {
        auto copy = [&](TcbSlot which, ipc::CPtr from) {
            Capability cap = m_cnode[from].cap;
            if (cap.type == ObjectType::Frame)
                cap.data0 = cap.data1 = cap.extra = 0;
            install_cap(m_thread->slot(which), cap, &m_cnode[from]);
        };
        copy(tcb_slot_cspace, ipc::root_slot_cnode);
        copy(tcb_slot_vspace, ipc::root_slot_vspace);
        copy(tcb_slot_ipc_buffer, ipc::root_slot_ipc_buffer);
        m_thread->ipc_buffer_address = ipc_buffer_address;
        m_thread->priority = root_priority;
        arch::make_user_frame(m_thread->frame, entry, stack_top, 0);
        arch::MessageRegisters(m_thread->frame).set_entry_argument(boot_info_address);
        m_info.first_free_slot = m_next_slot;
    }

    VSpace& space() { return *m_space; }
    Tcb& thread() { return *m_thread; }

private:
    void put(ipc::CPtr slot, const Capability& cap) { install_cap(m_cnode[slot], cap, nullptr); }

    void map_recorded(Capability& frame, VirtAddr vaddr, bool writable)
    {
        Rights rights { uint8_t(Rights::read | (writable ? Rights::write : 0)) };
        if (auto mapped = vspace_map_with(*m_space, frame, vaddr, rights, m_region); mapped.is_error())
            panic("cannot map root task page {:x}: {}", vaddr, ipc::error_name(mapped.error()));
    }

    BootRegion& m_region;
    ipc::RootBootInfo& m_info;
    Slot* m_cnode { nullptr };
    VSpace* m_space { nullptr };
    Tcb* m_thread { nullptr };
    ipc::CPtr m_next_slot { ipc::root_slot_first_dynamic };
};

void copy_command_line(const bootinfo::BootInfo& boot, ipc::RootBootInfo& info)
{
    size_t n = 0;
    for (; boot.command_line[n] && n < sizeof(info.command_line) - 1; ++n)
        info.command_line[n] = boot.command_line[n];
}

void list_modules(const bootinfo::BootInfo& boot)
{
    log::raw("boot modules:");
    for (size_t i = 0; i < boot.module_count; ++i)
        log::raw(" \"{}\"", boot.modules[i].name);
    log::raw(boot.module_count ? "\n" : " none\n");
}

} // namespace

Tcb* root_thread() { return g_root_thread; }

uint64_t root_untyped_free_bytes()
{
    uint64_t total = 0;
    for (size_t i = 0; i < g_untyped_count; ++i) {
        const Slot* slot = g_untyped_slots[i];
        if (!slot || slot->cap.type != ObjectType::Untyped || slot->cap.object != g_untyped[i].base)
            continue;
        bool in_use = cdt::has_children(*slot) || slot->cap.data1;
        total += untyped_size(slot->cap) - (in_use ? slot->cap.data0 : 0);
    }
    return total;
}

void note_untyped_moved(const Slot& from, Slot& to)
{
    for (size_t i = 0; i < g_untyped_count; ++i) {
        if (g_untyped_slots[i] == &from)
            g_untyped_slots[i] = &to;
    }
}

[[noreturn]] void start_root_task(const bootinfo::BootInfo& boot, std::string_view name)
{
    char printable[64] {};
    memcpy(printable, name.data(), name.size() < sizeof(printable) - 1 ? name.size() : sizeof(printable) - 1);
    const bootinfo::Module* module = find_module(boot, name);
    // init=NAME that names no module is a bad value like any other: said in
    // one line, then the default. Only when that is missing too is there
    // nothing to start.
    if (!module && name != default_root_task) {
        module = find_module(boot, default_root_task);
        if (module) {
            log::warn("boot", "\"init={}\": no boot module has that name; using {}", printable,
                      default_root_task);
            memcpy(printable, default_root_task, sizeof(default_root_task));
        }
    }
    if (!module) {
        list_modules(boot);
        panic("root task module \"{}\" not found", printable);
    }
    const auto* file = arch::phys_to_virt<const uint8_t>(module->range.base);
    auto image = ipc::elf::Image::parse(file, module->range.size);
    if (image.is_error())
        panic("root task \"{}\": bad ELF: {}", printable, ipc::elf::elf_error_name(image.error()));

    uint64_t boot_start, boot_end;
    claim_free_memory(boot_start, boot_end);
    BootRegion region(boot_start, boot_end);
    auto* info = static_cast<ipc::RootBootInfo*>(region.allocate(ipc::page_size));
    info->magic = ipc::RootBootInfo::magic_value;
    info->cnode_radix = ipc::root_cnode_radix;
    info->ipc_buffer_address = ipc_buffer_address;
    copy_command_line(boot, *info);

    RootBuilder root(region, *info);
    root.create_objects();
    root.frame_in_slot(ipc::root_slot_boot_info, info, VirtAddr(boot_info_address),
                       Rights { Rights::read | Rights::grant });
    root.frame_in_slot(ipc::root_slot_ipc_buffer, region.allocate(ipc::page_size),
                       VirtAddr(ipc_buffer_address), Rights {});
    for (size_t i = 0; i < image.value().segment_count(); ++i)
        load_segment(root.space(), image.value().segment(i), file, region);
    for (uint64_t i = 1; i <= stack_pages; ++i)
        map_boot_page(root.space(), arch::physmap_to_phys(region.allocate(ipc::page_size)),
                      VirtAddr(stack_top - i * ipc::page_size), { .write = true, .execute = false }, region);
    root.give_untyped();
    root.give_modules(boot);
    root.configure_thread(image.value().entry());
    g_root_thread = &root.thread();

    log::info("kernel",
              "starting root task \"{}\" (entry {:x}, {} untyped blocks, {} KiB of boot region used)",
              printable, image.value().entry(), g_untyped_count, (region.next() - boot_start) >> 10);
    sched::make_ready(root.thread());
    arch::enter_trap_frame(sched::resume_next());
}

} // namespace kernel
