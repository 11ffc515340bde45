// mprotect_ro: maps two pages read-write, writes them, makes them read-only
// with mprotect, reads them back, then writes again: the pager must kill it
// with "protection violation" at the address written. Surviving the write is
// a bug (exit 1).
#include "common.h"
#include <mman.h>

int main(int, char**)
{
    constexpr size_t length = 2 * 4096;
    auto mapped = libc::mmap(nullptr, length, libc::Prot::read | libc::Prot::write,
                             libc::MapFlags::priv | libc::MapFlags::anonymous);
    if (mapped.is_error())
        programs::fail("mprotect_ro", "mmap", mapped.error());
    auto* memory = static_cast<volatile uint8_t*>(mapped.value());
    memory[0] = 0x11;
    memory[4096 + 100] = 0x22;
    auto protected_ = libc::mprotect(mapped.value(), length, libc::Prot::read);
    if (protected_.is_error())
        programs::fail("mprotect_ro", "mprotect to read-only", protected_.error());
    if (memory[0] != 0x11 || memory[4096 + 100] != 0x22)
        programs::fail("mprotect_ro", "the read-only pages lost their contents");
    volatile uint8_t* target = memory + 4096 + 8;
    programs::say("mprotect_ro: pages at {:x} are read-only and hold their values\n",
                  reinterpret_cast<uint64_t>(memory));
    programs::say("mprotect_ro: about to write to {:x}\n", reinterpret_cast<uint64_t>(target));
    *target = 0x33;
    programs::say("mprotect_ro: FAIL: the write to a read-only page succeeded\n");
    return 1;
}
