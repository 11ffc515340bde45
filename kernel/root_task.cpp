// The root task is the one program the kernel loads itself; every later
// program is loaded lazily by userspace. Its segments are copied eagerly
// into fresh frames, and it gets a fixed stack at the top of the user half.
#include "root_task.h"
#include "log.h"
#include "mm/memory.h"
#include "panic.h"
#include <cstring>
#include <ipc/elf64.h>

namespace kernel {

using ipc::PhysAddr;
using ipc::VirtAddr;

namespace {

constexpr uint64_t root_stack_top = 0x0000'7fff'ffff'f000;
constexpr uint64_t root_stack_pages = 16;

// The first word of a module's string is its name.
std::string_view module_name(const bootinfo::Module& module)
{
    std::string_view s(module.name);
    size_t space = s.find(' ');
    return space == std::string_view::npos ? s : s.substr(0, space);
}

const bootinfo::Module* find_module(const bootinfo::BootInfo& boot, std::string_view name)
{
    for (size_t i = 0; i < boot.module_count; ++i) {
        if (module_name(boot.modules[i]) == name)
            return &boot.modules[i];
    }
    return nullptr;
}

// Allocates, fills and maps one user page; `fill` copies its initial bytes.
template <typename Fill>
PhysAddr map_fresh_page(arch::AddressSpace& space, VirtAddr page, arch::PageRights rights, Fill fill)
{
    mm::BootFrameSource source;
    auto frame = source.allocate_zeroed_page();
    if (frame.is_error())
        panic("out of memory loading the root task");
    fill(arch::phys_to_virt<uint8_t>(frame.value()));
    if (auto mapped = space.map(page, frame.value(), rights, source); mapped.is_error())
        panic("cannot map root task page {:x}: {}", page, ipc::error_name(mapped.error()));
    VERIFY(!mm::frames().add_mapping(frame.value()).is_error());
    return frame.value();
}

size_t load_segment(arch::AddressSpace& space, const ipc::elf::Segment& segment, const uint8_t* file)
{
    arch::PageRights rights { .write = segment.writable(), .execute = segment.executable() };
    uint64_t first = ipc::round_down_to_page(segment.vaddr);
    uint64_t end = ipc::round_up_to_page(segment.vaddr + segment.memsz);
    for (uint64_t page = first; page < end; page += ipc::page_size) {
        map_fresh_page(space, VirtAddr(page), rights, [&](uint8_t* bytes) {
            // The file bytes of this segment that land on this page; the rest stays zero (bss).
            uint64_t copy_from = page > segment.vaddr ? page : segment.vaddr;
            uint64_t copy_to = page + ipc::page_size;
            if (copy_to > segment.vaddr + segment.filesz)
                copy_to = segment.vaddr + segment.filesz;
            if (copy_from < copy_to)
                memcpy(bytes + (copy_from - page), file + segment.file_offset + (copy_from - segment.vaddr),
                       copy_to - copy_from);
        });
    }
    return (end - first) / ipc::page_size;
}

void list_modules(const bootinfo::BootInfo& boot)
{
    log::raw("boot modules:");
    for (size_t i = 0; i < boot.module_count; ++i)
        log::raw(" \"{}\"", boot.modules[i].name);
    log::raw(boot.module_count ? "\n" : " none\n");
}

} // namespace

[[noreturn]] void start_root_task(const bootinfo::BootInfo& boot, std::string_view name)
{
    // string_view is not NUL-terminated; keep a copy for messages.
    char printable[64] {};
    memcpy(printable, name.data(), name.size() < sizeof(printable) - 1 ? name.size() : sizeof(printable) - 1);

    const bootinfo::Module* module = find_module(boot, name);
    if (!module) {
        list_modules(boot);
        panic("root task module \"{}\" not found", printable);
    }
    const auto* file = arch::phys_to_virt<const uint8_t>(module->range.base);
    auto image = ipc::elf::Image::parse(file, module->range.size);
    if (image.is_error())
        panic("root task \"{}\": bad ELF: {}", printable, ipc::elf::elf_error_name(image.error()));

    mm::BootFrameSource source;
    auto created = arch::AddressSpace::create_user(source);
    if (created.is_error())
        panic("out of memory creating the root task's address space");
    arch::AddressSpace space = created.release_value();

    size_t pages = 0;
    for (size_t i = 0; i < image.value().segment_count(); ++i)
        pages += load_segment(space, image.value().segment(i), file);
    arch::PageRights stack_rights { .write = true, .execute = false };
    for (uint64_t i = 1; i <= root_stack_pages; ++i)
        map_fresh_page(space, VirtAddr(root_stack_top - i * ipc::page_size), stack_rights, [](uint8_t*) {});

    log::info("kernel", "starting root task \"{}\" (entry {:x}, {} image pages, {} stack pages)", printable,
              image.value().entry(), pages, root_stack_pages);
    arch::enter_user_mode(space, VirtAddr(image.value().entry()), VirtAddr(root_stack_top));
}

} // namespace kernel
