#pragma once
// Parser for the multiboot (version 1) information that QEMU's own loader
// hands the kernel (`-kernel kernel.elf -initrd "init.elf init,..."`): the
// direct boot of the tests and benchmarks, with no firmware menu and no
// GRUB. Pure logic, no hardware access, like the multiboot2 parser beside it,
// whose BootInfo it fills.
//
// Unlike multiboot2, version 1 is not one block: the information structure
// holds physical addresses of the memory map, the module list and each
// string. So the parser reads through a PhysicalWindow, which refuses every
// range outside the memory the caller can read, and copies the strings it
// keeps into a BootStrings store that the caller owns and keeps: the
// loader's copies lie in memory the frame allocator may hand out later.
//
// Conventions of version 1 (QEMU and GRUB alike): the command line starts
// with the kernel image's path, and each module string with the module's
// path. The BootInfo command line is what follows the first word; a
// module's name is what follows its path, or the path's last component when
// nothing follows.

#include <bootinfo/multiboot2.h>
#include <cstddef>
#include <cstdint>
#include <ipc/result.h>
#include <string_view>

namespace kernel::bootinfo {

inline constexpr uint32_t multiboot1_bootloader_magic = 0x2badb002;

// The physical memory [base, base + size) that is readable at `bytes`.
struct PhysicalWindow {
    uint64_t base { 0 };
    const uint8_t* bytes { nullptr };
    uint64_t size { 0 };

    // [address, address + length) inside the window, or nullptr.
    const uint8_t* at(uint64_t address, uint64_t length) const;
};

// NUL-terminated copies of the strings BootInfo points at. Storage for the
// command line, the boot loader's name and every module name of one boot.
class BootStrings {
public:
    static constexpr size_t capacity = 4096;
    // A copy of `text`, or OutOfRange when the store is full (never cut short).
    ipc::Result<const char*> keep(std::string_view text);

private:
    char m_bytes[capacity];
    size_t m_used { 0 };
};

// Parses the information structure at physical `info_address`. Errors:
// Truncated (the structure, the memory map, the module list or a string
// runs outside `memory`, or a string has no NUL before it does), Malformed
// (a module with end < start, a memory map entry smaller than its fields or
// overrunning the map), OutOfRange (more modules or memory regions than
// BootInfo holds, or more string bytes than BootStrings holds).
// BootInfo::total_size is the size of the information structure itself.
ipc::Result<BootInfo> parse_multiboot1(const PhysicalWindow& memory, uint64_t info_address,
                                       BootStrings& strings);

} // namespace kernel::bootinfo
