#pragma once
// What the portable kernel needs from the CPU architecture. Everything that
// touches hardware lives behind these declarations, under arch/x86_64/.

#include <cstddef>
#include <cstdint>
#include <ipc/addr.h>
#include <ipc/fault.h>
#include <ipc/message.h>
#include <ipc/result.h>
#include "arch/x86_64/trap_frame.h"

namespace arch {

// Console (COM1) for the kernel log.
void console_init();
void console_write(const char* text, size_t length);

// Descriptor tables, exception and syscall entry, NX/W^X enforcement bits.
void cpu_init();

// Zeroes memory the kernel hands out (Retype's objects, page-table pages).
// Whole 512-byte blocks from a 16-byte-aligned start take the wide stores of
// x86_64/zero_memory.S; anything else is a plain memset. Inline, so that a
// page, the common size, costs no check.
extern "C" void zero_blocks(void* start, uint64_t blocks);
inline void zero_memory(void* start, size_t bytes)
{
    constexpr size_t block = 512;
    if (reinterpret_cast<uint64_t>(start) % 16 == 0 && bytes >= block && bytes % block == 0)
        zero_blocks(start, bytes / block);
    else
        __builtin_memset(start, 0, bytes);
}

// Periodic timer interrupt.
void timer_init(uint32_t hz);
uint64_t timer_ticks();

// The time-stamp counter (under QEMU -icount it counts guest instructions).
inline uint64_t cycle_counter()
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t(hi) << 32) | lo;
}

// The kernel runs with interrupts masked, on one stack; it takes them only
// here: they are opened, the CPU sleeps until one has been handled, and they
// are masked again. An interrupt taken in the kernel anywhere else is a bug
// (it would push its frame wherever the stack points, a thread's saved
// registers included) and panics.
void idle_until_interrupt();
void disable_interrupts();
[[noreturn]] void halt_forever();

// isa-debug-exit: QEMU exits with (value << 1) | 1.
enum class QemuExit : uint8_t {
    Success = 0x10, // QEMU exit code 33
    Panic = 0x11,   // 35
    Failure = 0x12, // 37
};
[[noreturn]] void qemu_exit(QemuExit);

// Deliberately take a CPU exception in kernel mode, or ("irq") an interrupt
// outside the idle wait (test.fault=...). Returns false if `kind` is unknown.
bool trigger_kernel_fault(const char* kind);

// The physmap: all RAM is mapped at this window in the kernel half.
inline constexpr uint64_t physmap_base = 0xffff'8000'0000'0000;
inline constexpr uint64_t kernel_virt_base = 0xffff'ffff'8000'0000;

template<typename T = void>
T* phys_to_virt(ipc::PhysAddr p)
{
    return reinterpret_cast<T*>(physmap_base + p.get());
}
inline ipc::PhysAddr physmap_to_phys(const void* p)
{
    return ipc::PhysAddr(reinterpret_cast<uint64_t>(p) - physmap_base);
}

// ---- Saved user state -----------------------------------------------------
using TrapFrame = x86_64::TrapFrame;

// The typed view of a saved frame's syscall and IPC registers, by role
// (the table is x86_64/trap_frame.h's): the portable kernel reads and
// writes message words, the badge, the info word and the error through
// this, and names no register.
class MessageRegisters {
public:
    static constexpr unsigned word_count = x86_64::message_register_count;
    static_assert(word_count == ipc::register_message_words);

    explicit MessageRegisters(TrapFrame& frame) : m_frame(frame) { }

    // In (at kernel entry).
    uint64_t syscall_number() const { return m_frame.*x86_64::syscall_number_register; }
    uint64_t cptr() const { return m_frame.*x86_64::cptr_register; }
    ipc::MessageInfo info() const { return ipc::MessageInfo::from_raw(m_frame.*x86_64::info_register); }
    // The debug syscalls' plain arguments: 0 and 1 (the cptr and info registers).
    uint64_t debug_argument(unsigned i) const
    {
        return i == 0 ? m_frame.*x86_64::cptr_register : m_frame.*x86_64::info_register;
    }
    uint64_t word(unsigned i) const { return m_frame.*x86_64::message_registers[i]; }
    // The first min(N, word_count) message words; the rest of `words` is left alone.
    template<unsigned N>
    void read_words(uint64_t (&words)[N]) const
    {
        constexpr unsigned count = N < word_count ? N : word_count;
#pragma GCC unroll 4 // constant indices: each word is one load, no table look-up
        for (unsigned i = 0; i < count; ++i)
            words[i] = word(i);
    }

    // Out (what the thread sees when it returns).
    void set_error(ipc::Error e) { m_frame.*x86_64::error_register = uint64_t(e); }
    void set_badge(uint64_t badge) { m_frame.*x86_64::badge_register = badge; }
    void set_info(ipc::MessageInfo info) { m_frame.*x86_64::info_register = info.raw(); }
    void set_word(unsigned i, uint64_t value) { m_frame.*x86_64::message_registers[i] = value; }
    // The first min(N, word_count) words of `words` go to registers.
    template<unsigned N>
    void write_words(const uint64_t (&words)[N])
    {
        constexpr unsigned count = N < word_count ? N : word_count;
#pragma GCC unroll 4
        for (unsigned i = 0; i < count; ++i)
            set_word(i, words[i]);
    }
    // A received message: error None, the badge, the info and its register words.
    template<unsigned N>
    void set_message(uint64_t badge, ipc::MessageInfo info, const uint64_t (&words)[N])
    {
        write_words(words);
        set_info(info);
        set_badge(badge);
        set_error(ipc::Error::None);
    }
    // Copies the message registers (not the info or badge) of `from`.
    void copy_words_from(const MessageRegisters& from)
    {
#pragma GCC unroll 4
        for (unsigned i = 0; i < word_count; ++i)
            set_word(i, from.word(i));
    }
    // The program's first argument when it starts (the root task's boot info).
    void set_entry_argument(uint64_t value) { m_frame.*x86_64::entry_argument_register = value; }

private:
    TrapFrame& m_frame;
};

// TcbReadRegisters / TcbWriteRegisters: the general registers after rip,
// rsp and rflags, in the order of the ABI's register list.
inline constexpr unsigned general_register_count = x86_64::general_register_count;
inline uint64_t& general_register(TrapFrame& frame, unsigned i)
{
    return frame.*x86_64::general_registers[i];
}

const char* exception_name(uint64_t vector);

// The fault message for the user exception saved in `frame`, taken at
// `timestamp`; `fault_address` is CR2 (meaningful for a page fault only).
// The access bits are the error code's, which ipc::FaultAccess names.
inline ipc::FaultMessage user_fault(const TrapFrame& frame, uint64_t fault_address, uint64_t timestamp)
{
    constexpr uint64_t page_fault_vector = 14;
    if (frame.vector == page_fault_vector)
        return ipc::PageFault { .address = ipc::VirtAddr(fault_address),
                                .ip = ipc::VirtAddr(frame.rip),
                                .sp = ipc::VirtAddr(frame.rsp),
                                .access = frame.error_code & ipc::FaultAccess::all,
                                .timestamp = timestamp };
    return ipc::Exception { .vector = frame.vector,
                            .ip = ipc::VirtAddr(frame.rip),
                            .sp = ipc::VirtAddr(frame.rsp),
                            .error_code = frame.error_code,
                            .timestamp = timestamp };
}

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
    explicit AddressSpace(ipc::PhysAddr root) : m_root(root) { }

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
// Copies into the current user address space; BadAddress unless every byte
// is mapped user-writable (checked before anything is written).
ipc::Result<void> copy_to_user(ipc::VirtAddr destination, const void* source, size_t length);

// Makes `frame` (inside a TCB) the place the CPU saves user state on the
// next kernel entry, and loads the thread's address space.
void activate_thread(ipc::PhysAddr address_space_root, TrapFrame* frame);
// Returns into the thread whose frame is given (first start of the first thread).
[[noreturn]] void enter_trap_frame(TrapFrame*);
// Sanitises user-writable fields of a frame: user selectors, IF set, IOPL 0.
void make_user_frame(TrapFrame&, uint64_t rip, uint64_t rsp, uint64_t rflags);

// Interrupt lines (legacy PIC), for IRQ handler caps.
inline constexpr unsigned irq_count = 16;
void irq_mask(unsigned irq);
void irq_unmask(unsigned irq);
uint8_t port_in8(uint16_t port);
void port_out8(uint16_t port, uint8_t value);

// Page-table helpers for VSpaces: maps one user page in a PML4 whose
// intermediate tables come from `source`; unmap returns the frame that was
// mapped. All user mappings are 4 KiB.
ipc::Result<void> map_user_page(uint64_t* pml4, ipc::VirtAddr, ipc::PhysAddr, PageRights, PageTableSource&);
// The same when every table on the way exists and the page is free;
// otherwise false, with nothing changed (the IPC fast path's fault reply).
bool map_user_page_in_place(uint64_t* pml4, ipc::VirtAddr, ipc::PhysAddr, PageRights);
// Removes the mapping at the address only if it maps `expected`.
ipc::Result<ipc::PhysAddr> unmap_user_page(uint64_t* pml4, ipc::VirtAddr, ipc::PhysAddr expected);
ipc::Result<void> protect_user_page(uint64_t* pml4, ipc::VirtAddr, PageRights);
// Calls visit(vaddr, frame) for every user page mapped in the PML4, then
// clears every user-half entry; the intermediate tables are abandoned to
// whoever owns their memory.
template<typename Visit>
void clear_user_half(uint64_t* pml4, Visit visit);
void init_user_pml4(uint64_t* pml4); // copies the kernel half into a fresh PML4
ipc::PhysAddr kernel_root();
void flush_tlb_page(ipc::VirtAddr);
void load_address_space(ipc::PhysAddr root);
ipc::PhysAddr current_address_space();

namespace detail {
inline constexpr uint64_t pte_present = 1, pte_large = 1ull << 7;
inline constexpr uint64_t pte_address_mask = 0x000f'ffff'ffff'f000ull;
}

template<typename Visit>
void clear_user_half(uint64_t* pml4, Visit visit)
{
    using namespace detail;
    for (unsigned i4 = 0; i4 < 256; ++i4) {
        if (!(pml4[i4] & pte_present))
            continue;
        auto* pdpt = phys_to_virt<uint64_t>(ipc::PhysAddr(pml4[i4] & pte_address_mask));
        for (unsigned i3 = 0; i3 < 512; ++i3) {
            if (!(pdpt[i3] & pte_present) || (pdpt[i3] & pte_large))
                continue;
            auto* pd = phys_to_virt<uint64_t>(ipc::PhysAddr(pdpt[i3] & pte_address_mask));
            for (unsigned i2 = 0; i2 < 512; ++i2) {
                if (!(pd[i2] & pte_present) || (pd[i2] & pte_large))
                    continue;
                auto* pt = phys_to_virt<uint64_t>(ipc::PhysAddr(pd[i2] & pte_address_mask));
                for (unsigned i1 = 0; i1 < 512; ++i1) {
                    if (!(pt[i1] & pte_present))
                        continue;
                    uint64_t vaddr = (uint64_t(i4) << 39) | (uint64_t(i3) << 30) | (uint64_t(i2) << 21)
                        | (uint64_t(i1) << 12);
                    visit(ipc::VirtAddr(vaddr), ipc::PhysAddr(pt[i1] & pte_address_mask));
                }
            }
        }
        pml4[i4] = 0;
    }
}

} // namespace arch
