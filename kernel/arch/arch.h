#pragma once
// What the portable kernel needs from the CPU architecture. Everything that
// touches hardware lives behind these declarations, under arch/x86_64/.

#include <cstddef>
#include <cstdint>
#include <ipc/addr.h>
#include <ipc/result.h>
#include "arch/x86_64/trap_frame.h"

namespace arch {

// Console (COM1) for the kernel log.
void console_init();
void console_write(const char* text, size_t length);

// Descriptor tables, exception and syscall entry, NX/W^X enforcement bits.
void cpu_init();

// Periodic timer interrupt.
void timer_init(uint32_t hz);
uint64_t timer_ticks();

void enable_interrupts();
void disable_interrupts();
// Sleeps until the next interrupt (interrupts must be enabled).
void wait_for_interrupt();
[[noreturn]] void halt_forever();

// isa-debug-exit: QEMU exits with (value << 1) | 1.
enum class QemuExit : uint8_t {
    Success = 0x10, // QEMU exit code 33
    Panic = 0x11,   // 35
    Failure = 0x12, // 37
};
[[noreturn]] void qemu_exit(QemuExit);

// Deliberately take a CPU exception in kernel mode (test.fault=...).
// Returns false if `kind` is unknown.
bool trigger_kernel_fault(const char* kind);

// The physmap: all RAM is mapped at this window in the kernel half.
inline constexpr uint64_t physmap_base = 0xffff'8000'0000'0000;
inline constexpr uint64_t kernel_virt_base = 0xffff'ffff'8000'0000;

template <typename T = void>
T* phys_to_virt(ipc::PhysAddr p) { return reinterpret_cast<T*>(physmap_base + p.get()); }

// ---- Saved user state -----------------------------------------------------
using TrapFrame = x86_64::TrapFrame;

// Typed view of the syscall registers: number in rax, arguments in rdi, rsi,
// rdx, r10, r8, r9, result back in rax.
class SyscallRegisters {
public:
    explicit SyscallRegisters(TrapFrame& frame) : m_frame(frame) {}
    uint64_t number() const { return m_frame.rax; }
    uint64_t arg(unsigned i) const
    {
        switch (i) {
        case 0: return m_frame.rdi;
        case 1: return m_frame.rsi;
        case 2: return m_frame.rdx;
        case 3: return m_frame.r10;
        case 4: return m_frame.r8;
        default: return m_frame.r9;
        }
    }
    void set_result(uint64_t value) { m_frame.rax = value; }

private:
    TrapFrame& m_frame;
};

const char* exception_name(uint64_t vector);

// ---- Address spaces -------------------------------------------------------
struct PageRights {
    bool write { false };
    bool execute { false };
    bool user { true };
};

// Where page-table pages come from. The caller decides (boot-time pool now,
// user-provided Untyped memory once capabilities exist).
class PageTableSource {
public:
    virtual ipc::Result<ipc::PhysAddr> allocate_zeroed_page() = 0;

protected:
    ~PageTableSource() = default;
};

class AddressSpace {
public:
    // A new address space whose kernel half is the kernel's own.
    static ipc::Result<AddressSpace> create_user(PageTableSource&);

    ipc::Result<void> map(ipc::VirtAddr, ipc::PhysAddr, PageRights, PageTableSource&);
    // The frame mapped at a user address, if the mapping allows the access.
    ipc::Result<ipc::PhysAddr> translate_user(ipc::VirtAddr, bool write) const;
    ipc::PhysAddr root() const { return m_root; }
    void activate() const;
    // The address space whose root table is at `root` (e.g. the current CR3).
    explicit AddressSpace(ipc::PhysAddr root) : m_root(root) {}

private:
    ipc::PhysAddr m_root;
};

// Builds the kernel's own page tables (physmap of [0, ram_end) read-write
// no-execute; kernel text R-X, rodata R, data RW, all else unmapped) and
// switches to them. The boot identity map is gone afterwards.
ipc::Result<void> paging_init(uint64_t ram_end, PageTableSource&);

// Copies from the current user address space; BadAddress if any byte is
// outside the user half or not mapped user-readable. Never faults.
ipc::Result<void> copy_from_user(void* destination, ipc::VirtAddr source, size_t length);

// Starts the first user thread: never returns to the caller.
[[noreturn]] void enter_user_mode(const AddressSpace&, ipc::VirtAddr entry, ipc::VirtAddr stack_top);

} // namespace arch
