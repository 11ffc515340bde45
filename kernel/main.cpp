// kernel_main: from the first 64-bit instruction to the root task.
#include "arch/arch.h"
#include "boot_options.h"
#include "bootinfo/multiboot1.h"
#include "bootinfo/multiboot2.h"
#include "cmdline.h"
#include "ipc/fastpath.h"
#include "log.h"
#include "mm/memory.h"
#include "panic.h"
#include "root_task.h"
#include <cstring>

void run_global_constructors();

namespace {

constexpr const char* kernel_version = "0.1.0";
constexpr uint32_t default_timer_hz = 100;
// The PIT's divisor is 16 bits: 19 Hz is the slowest rate it makes. Above
// 10 kHz an emulated machine spends its time in the tick.
constexpr uint32_t min_timer_hz = 19, max_timer_hz = 10000;
constexpr uint64_t boot_physmap_limit = 1ull << 30;

kernel::bootinfo::BootInfo g_boot_info;

// Multiboot2 is one block; its strings stay where the loader put them, in
// the range mm::init keeps reserved.
kernel::bootinfo::BootInfo parse_multiboot2_at(uint64_t boot_info_phys)
{
    using namespace kernel::bootinfo;
    if (boot_info_phys + 8 > boot_physmap_limit)
        panic("boot information at {:x} is above 1 GiB", boot_info_phys);
    const auto* bytes = arch::phys_to_virt<const uint8_t>(ipc::PhysAddr(boot_info_phys));
    uint32_t total_size;
    memcpy(&total_size, bytes, sizeof(total_size));
    if (boot_info_phys + total_size > boot_physmap_limit)
        panic("boot information at {:x} ({} bytes) extends above 1 GiB", boot_info_phys, total_size);
    auto parsed = parse_multiboot2(bytes, total_size);
    if (parsed.is_error())
        panic("malformed multiboot2 boot information: {}", ipc::error_name(parsed.error()));
    return parsed.value();
}

// Multiboot 1 (QEMU's -kernel loader) scatters its pieces over memory the
// boot page tables map; the strings are copied out, since the frame
// allocator does not know where the loader put them.
kernel::bootinfo::BootStrings g_boot_strings;

kernel::bootinfo::BootInfo parse_multiboot1_at(uint64_t boot_info_phys)
{
    using namespace kernel::bootinfo;
    PhysicalWindow boot_mapped { 0, arch::phys_to_virt<const uint8_t>(ipc::PhysAddr(0)), boot_physmap_limit };
    auto parsed = parse_multiboot1(boot_mapped, boot_info_phys, g_boot_strings);
    if (parsed.is_error())
        panic("malformed multiboot boot information at {:x}: {}", boot_info_phys,
              ipc::error_name(parsed.error()));
    return parsed.value();
}

void parse_boot_info(uint32_t magic, uint64_t boot_info_phys)
{
    using namespace kernel::bootinfo;
    if (magic == multiboot2_bootloader_magic)
        g_boot_info = parse_multiboot2_at(boot_info_phys);
    else if (magic == multiboot1_bootloader_magic)
        g_boot_info = parse_multiboot1_at(boot_info_phys);
    else
        panic("not started by a multiboot2 or multiboot boot loader (magic {:x})", magic);
}

// A command-line word as a C string for the log, cut to fit.
template<size_t N>
void copy_word(char (&out)[N], std::string_view word)
{
    size_t n = word.size() < N - 1 ? word.size() : N - 1;
    memcpy(out, word.data(), n);
    out[n] = '\0';
}

// timer.hz=N: a faster tick makes races with interrupts show up (a test
// boots with one); a bad value is reported and the default used.
uint32_t timer_rate(const kernel::CommandLine& command_line)
{
    auto hz = command_line.number("timer.hz", default_timer_hz, min_timer_hz, max_timer_hz);
    if (hz.is_error()) {
        char text[24];
        copy_word(text, command_line.value("timer.hz"));
        kernel::log::warn("timer", "timer.hz={} is not a whole number in [{}, {}]: using {} Hz", text,
                          min_timer_hz, max_timer_hz, default_timer_hz);
        return default_timer_hz;
    }
    return uint32_t(hz.value());
}

void log_modules()
{
    for (size_t i = 0; i < g_boot_info.module_count; ++i) {
        const auto& m = g_boot_info.modules[i];
        kernel::log::info("boot", "module {}: {} bytes at {:x}", m.name, m.range.size, m.range.base);
    }
    if (g_boot_info.module_count == 0)
        kernel::log::warn("boot", "no boot modules");
}

} // namespace

extern "C" [[noreturn]] void kernel_main(uint32_t magic, uint64_t boot_info_phys)
{
    using namespace kernel;
    run_global_constructors();
    arch::console_init();
    arch::cpu_init();
    log::write_raw("\n"); // GRUB may leave the cursor mid-line: start the log on a line of its own
    log::info("kernel", "faultline {} booting", kernel_version);

    parse_boot_info(magic, boot_info_phys);
    CommandLine command_line(g_boot_info.command_line);
    log::set_threshold(boot_options::log_level(command_line));
    log::info("boot", "command line \"{}\"", g_boot_info.command_line);
    boot_options::check(command_line, [](const char* problem) { log::warn("boot", "{}", problem); });
    log::debug("boot", "loaded by {}", g_boot_info.bootloader_name);
    log_modules();

    mm::init(g_boot_info, { ipc::PhysAddr(boot_info_phys), g_boot_info.total_size });
    mm::BootFrameSource page_tables;
    if (auto paged = arch::paging_init(mm::ram_end(), page_tables); paged.is_error())
        panic("cannot build the kernel page tables: {}", ipc::error_name(paged.error()));
    log::info("mm", "kernel page tables active: text R-X, rodata R, data RW+NX, physmap RW+NX");

    uint32_t hz = timer_rate(command_line);
    arch::timer_init(hz);
    // Prove the tick arrives before anything depends on it. A machine
    // without a working timer stops here, visibly, rather than later.
    while (arch::timer_ticks() < 2)
        arch::idle_until_interrupt();
    log::info("timer", "PIT at {} Hz, ticking", hz);

    std::string_view fault = boot_options::test_fault(command_line);
    if (!fault.empty()) {
        char kind[8];
        copy_word(kind, fault);
        log::warn("kernel", "test.fault={}: taking a kernel exception on purpose", kind);
        if (!arch::trigger_kernel_fault(kind))
            panic("test.fault: unknown kind \"{}\" (use pf, gp, ud, de, df, wtext, xdata or irq)", kind);
        panic("test.fault={} did not fault", kind);
    }

    // fastpath=off: every IPC takes the general path (ktest-slowpath tests it alone).
    set_fastpath_enabled(boot_options::fastpath_on(command_line));
    if (!fastpath_enabled())
        log::info("kernel", "IPC fast path off");

    start_root_task(g_boot_info, command_line.value("init", default_root_task));
}
