// Four-level x86_64 page tables. Page-table pages are reached through the
// physmap, so no temporary mappings are needed. User mappings are 4 KiB;
// the physmap uses 2 MiB pages.
#include "arch/arch.h"
#include "cpu.h"
#include <cstring>

extern "C" char __text_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[], __data_end[];

namespace arch {

using ipc::Error;
using ipc::PhysAddr;
using ipc::Result;
using ipc::VirtAddr;

namespace {

constexpr uint64_t pte_present = 1ull << 0;
constexpr uint64_t pte_writable = 1ull << 1;
constexpr uint64_t pte_user = 1ull << 2;
constexpr uint64_t pte_large = 1ull << 7;
constexpr uint64_t pte_global = 1ull << 8;
constexpr uint64_t pte_no_execute = 1ull << 63;
constexpr uint64_t pte_address_mask = 0x000f'ffff'ffff'f000ull;
constexpr uint64_t large_page_size = 2ull << 20;
constexpr unsigned kernel_half_first_entry = 256;
constexpr uint64_t cr4_pge = 1ull << 7;

PhysAddr g_kernel_root;

uint64_t* table_at(PhysAddr p) { return phys_to_virt<uint64_t>(p); }

unsigned index_at(uint64_t virt, unsigned level) { return (virt >> (12 + 9 * level)) & 511; }

// Returns the table that entry `index` of `table` points to, creating it if
// asked. Intermediate entries are permissive (writable, user when the leaf
// is user); the leaf decides the real rights.
Result<uint64_t*> next_table(uint64_t* table, unsigned index, bool user, PageTableSource* source)
{
    uint64_t entry = table[index];
    if (entry & pte_present) {
        if (entry & pte_large)
            return Error::AlreadyMapped;
        return table_at(PhysAddr(entry & pte_address_mask));
    }
    if (!source)
        return Error::NotMapped;
    PhysAddr page = TRY(source->allocate_zeroed_page());
    table[index] = page.get() | pte_present | pte_writable | (user ? pte_user : 0);
    return table_at(page);
}

uint64_t leaf_bits(PageRights rights)
{
    return pte_present | (rights.write ? pte_writable : 0) | (rights.execute ? 0 : pte_no_execute)
        | (rights.user ? pte_user : pte_global);
}

Result<void> map_page(PhysAddr root, uint64_t virt, uint64_t phys, PageRights rights, PageTableSource& source)
{
    uint64_t* table = table_at(root);
    for (unsigned level = 3; level > 0; --level)
        table = TRY(next_table(table, index_at(virt, level), rights.user, &source));
    uint64_t& leaf = table[index_at(virt, 0)];
    if (leaf & pte_present)
        return Error::AlreadyMapped;
    leaf = phys | leaf_bits(rights);
    return {};
}

Result<void> map_large_page(PhysAddr root, uint64_t virt, uint64_t phys, PageTableSource& source)
{
    uint64_t* table = table_at(root);
    for (unsigned level = 3; level > 1; --level)
        table = TRY(next_table(table, index_at(virt, level), false, &source));
    table[index_at(virt, 1)] = phys | pte_present | pte_writable | pte_large | pte_global | pte_no_execute;
    return {};
}

Result<void> map_kernel_section(PhysAddr root, const char* start, const char* end, PageRights rights,
                                PageTableSource& source)
{
    for (uint64_t virt = uint64_t(start); virt < uint64_t(end); virt += ipc::page_size)
        TRY(map_page(root, virt, virt - kernel_virt_base, rights, source));
    return {};
}

} // namespace

Result<void> paging_init(uint64_t ram_end, PageTableSource& source)
{
    PhysAddr root = TRY(source.allocate_zeroed_page());
    for (uint64_t phys = 0; phys < ram_end; phys += large_page_size)
        TRY(map_large_page(root, physmap_base + phys, phys, source));

    PageRights text { .write = false, .execute = true, .user = false };
    PageRights rodata { .write = false, .execute = false, .user = false };
    PageRights data { .write = true, .execute = false, .user = false };
    TRY(map_kernel_section(root, __text_start, __text_end, text, source));
    TRY(map_kernel_section(root, __rodata_start, __rodata_end, rodata, source));
    TRY(map_kernel_section(root, __data_start, __data_end, data, source));

    x86_64::write_cr4(x86_64::read_cr4() | cr4_pge);
    x86_64::write_cr3(root.get());
    g_kernel_root = root;
    return {};
}

PhysAddr kernel_root() { return g_kernel_root; }
PhysAddr current_address_space() { return PhysAddr(x86_64::read_cr3() & pte_address_mask); }
void load_address_space(PhysAddr root) { x86_64::write_cr3(root.get()); }
void flush_tlb_page(VirtAddr v) { x86_64::invlpg(v.get()); }

void init_user_pml4(uint64_t* pml4)
{
    const uint64_t* kernel = table_at(g_kernel_root);
    for (unsigned i = 0; i < kernel_half_first_entry; ++i)
        pml4[i] = 0;
    for (unsigned i = kernel_half_first_entry; i < 512; ++i)
        pml4[i] = kernel[i];
}

Result<void> map_user_page(uint64_t* pml4, VirtAddr virt, PhysAddr phys, PageRights rights,
                           PageTableSource& source)
{
    if (!virt.is_page_aligned() || !phys.is_page_aligned() || !ipc::is_user_range(virt.get(), ipc::page_size))
        return Error::OutOfRange;
    rights.user = true;
    return map_page(physmap_to_phys(pml4), virt.get(), phys.get(), rights, source);
}

bool map_user_page_in_place(uint64_t* pml4, VirtAddr virt, PhysAddr phys, PageRights rights)
{
    if (!virt.is_page_aligned() || !phys.is_page_aligned() || !ipc::is_user_range(virt.get(), ipc::page_size))
        return false;
    uint64_t* table = pml4;
    for (unsigned level = 3; level > 0; --level) {
        uint64_t entry = table[index_at(virt.get(), level)];
        if (!(entry & pte_present) || (entry & pte_large))
            return false;
        table = table_at(PhysAddr(entry & pte_address_mask));
    }
    uint64_t& leaf = table[index_at(virt.get(), 0)];
    if (leaf & pte_present)
        return false;
    rights.user = true;
    leaf = phys.get() | leaf_bits(rights);
    return true;
}

// The last-level entry for a user page, or nullptr if no table covers it.
static uint64_t* user_leaf(uint64_t* pml4, VirtAddr virt)
{
    uint64_t* table = pml4;
    for (unsigned level = 3; level > 0; --level) {
        auto next = next_table(table, index_at(virt.get(), level), true, nullptr);
        if (next.is_error())
            return nullptr;
        table = next.value();
    }
    return &table[index_at(virt.get(), 0)];
}

Result<PhysAddr> unmap_user_page(uint64_t* pml4, VirtAddr virt, PhysAddr expected)
{
    if (!ipc::is_user_range(virt.get(), ipc::page_size))
        return Error::OutOfRange;
    uint64_t* leaf = user_leaf(pml4, virt);
    if (!leaf || !(*leaf & pte_present) || (*leaf & pte_address_mask) != expected.get())
        return Error::NotMapped;
    *leaf = 0;
    return expected;
}

Result<void> protect_user_page(uint64_t* pml4, VirtAddr virt, PageRights rights)
{
    if (!ipc::is_user_range(virt.get(), ipc::page_size))
        return Error::OutOfRange;
    uint64_t* leaf = user_leaf(pml4, virt);
    if (!leaf || !(*leaf & pte_present))
        return Error::NotMapped;
    rights.user = true;
    *leaf = (*leaf & pte_address_mask) | leaf_bits(rights);
    return {};
}

Result<AddressSpace> AddressSpace::create_user(PageTableSource& source)
{
    PhysAddr root = TRY(source.allocate_zeroed_page());
    uint64_t* table = table_at(root);
    const uint64_t* kernel = table_at(g_kernel_root);
    for (unsigned i = kernel_half_first_entry; i < 512; ++i)
        table[i] = kernel[i];
    return AddressSpace(root);
}

Result<void> AddressSpace::map(VirtAddr virt, PhysAddr phys, PageRights rights, PageTableSource& source)
{
    if (!virt.is_page_aligned() || !phys.is_page_aligned() || !ipc::is_user_range(virt.get(), ipc::page_size))
        return Error::OutOfRange;
    rights.user = true;
    return map_page(m_root, virt.get(), phys.get(), rights, source);
}

Result<PhysAddr> AddressSpace::translate_user(VirtAddr virt, bool write) const
{
    if (!ipc::is_user_range(virt.get(), 1))
        return Error::BadAddress;
    uint64_t* table = table_at(m_root);
    for (unsigned level = 3;; --level) {
        uint64_t entry = table[index_at(virt.get(), level)];
        if (!(entry & pte_present) || !(entry & pte_user) || (write && !(entry & pte_writable)))
            return Error::BadAddress;
        if (level == 0)
            return PhysAddr((entry & pte_address_mask) | virt.offset_in_page());
        if (entry & pte_large)
            return Error::BadAddress; // user space never uses large pages
        table = table_at(PhysAddr(entry & pte_address_mask));
    }
}

void AddressSpace::activate() const { x86_64::write_cr3(m_root.get()); }

Result<void> copy_to_user(VirtAddr destination, const void* source, size_t length)
{
    if (!ipc::is_user_range(destination.get(), length))
        return Error::BadAddress;
    AddressSpace current(current_address_space());
    // Check every page first, so a bad pointer never leaves a partial write.
    for (uint64_t page = destination.page_base().get(); page < destination.get() + length;
         page += ipc::page_size)
        TRY(current.translate_user(VirtAddr(page), true));
    auto* in = static_cast<const char*>(source);
    while (length) {
        PhysAddr phys = TRY(current.translate_user(destination, true));
        size_t chunk = ipc::page_size - destination.offset_in_page();
        if (chunk > length)
            chunk = length;
        memcpy(phys_to_virt<char>(phys), in, chunk);
        in += chunk;
        destination = destination.offset(chunk);
        length -= chunk;
    }
    return {};
}

Result<void> copy_from_user(void* destination, VirtAddr source, size_t length)
{
    if (!ipc::is_user_range(source.get(), length))
        return Error::BadAddress;
    AddressSpace current(PhysAddr(x86_64::read_cr3() & pte_address_mask));
    auto* out = static_cast<char*>(destination);
    while (length) {
        PhysAddr phys = TRY(current.translate_user(source, false));
        size_t chunk = ipc::page_size - source.offset_in_page();
        if (chunk > length)
            chunk = length;
        memcpy(out, phys_to_virt<char>(phys), chunk);
        out += chunk;
        source = source.offset(chunk);
        length -= chunk;
    }
    return {};
}

} // namespace arch
