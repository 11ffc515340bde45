#pragma once
// A region: one contiguous, page-aligned piece of a client's address space
// with one type, one protection and one source of contents. The pager keeps
// every region of every client (see region_map.h) and decides each fault from
// the region that holds the faulting address (see classifier.h).
//
// Pure data plus a few helpers; no syscalls, so it builds for host tests.

#include <cstdint>
#include <ipc/addr.h>
#include <ipc/object.h>
#include <ipc/proto/pager.h>
#include <ipc/result.h>

namespace pager {

using ipc::VirtAddr;

// The region types are protocol: the Query and Why replies carry them.
using ipc::proto::pager::region_type_name;
using ipc::proto::pager::RegionType;

// What the client may do with the region's pages. Empty = PROT_NONE.
struct Protection {
    static constexpr uint8_t read = 1, write = 2, execute = 4;
    uint8_t bits { 0 };

    constexpr bool is_none() const { return bits == 0; }
    constexpr bool readable() const { return bits & read; }
    constexpr bool writable() const { return bits & write; }
    constexpr bool executable() const { return bits & execute; }
    constexpr bool operator==(const Protection&) const = default;
};

inline constexpr Protection prot_none { 0 };
inline constexpr uint8_t protection_bits = Protection::read | Protection::write | Protection::execute;
inline constexpr Protection prot_read { Protection::read };
inline constexpr Protection prot_read_write { Protection::read | Protection::write };
inline constexpr Protection prot_read_execute { Protection::read | Protection::execute };

// From the pager protocol's Prot word (the same bits): InvalidArgument for
// any unknown bit.
ipc::Result<Protection> protection_from_bits(uint64_t bits);

// The frame rights a Map reply asks for. The bit values are the same by
// design; this keeps the two vocabularies apart in the types.
constexpr ipc::Rights map_rights(Protection prot)
{
    static_assert(Protection::read == ipc::Rights::read && Protection::write == ipc::Rights::write
                  && Protection::execute == ipc::Rights::execute);
    return ipc::Rights { prot.bits };
}

// Three characters, "rwx" style, for listings and traces.
struct ProtectionString {
    char text[4];
};
constexpr ProtectionString protection_string(Protection prot)
{
    return { { prot.readable() ? 'r' : '-', prot.writable() ? 'w' : '-', prot.executable() ? 'x' : '-', 0 } };
}

struct RegionFlags {
    static constexpr uint8_t grows_down = 1, // the main stack: population moves down from its top
        eager = 2,                           // populate every page up front instead of on fault
        map_stack = 4,                       // made by mmap(MAP_STACK): a valid place for sp
        shared = 8;                          // MAP_SHARED: writes reach the file / other clients
    uint8_t bits { 0 };

    constexpr bool has(uint8_t flag) const { return (bits & flag) == flag; }
    constexpr bool operator==(const RegionFlags&) const = default;
};

// Names a file of the file server; 0 means "no file".
struct FileId {
    uint32_t value { 0 };
    constexpr bool is_valid() const { return value != 0; }
    constexpr bool operator==(const FileId&) const = default;
};

// Where a region's contents come from. A file-backed region's byte at
// `start + n` is file byte `offset + n` while n < `size`, and zero after
// that: an ELF data page that ends mid-page, and the tail of a file mapping
// past the end of the file, read as zeros.
struct Backing {
    FileId file;           // invalid = anonymous (zero-filled)
    uint64_t offset { 0 }; // file offset of the region's first byte (page aligned)
    uint64_t size { 0 };   // bytes of file data from `offset`; may be less than the region

    constexpr bool is_file() const { return file.is_valid(); }
    constexpr bool operator==(const Backing&) const = default;
};

struct Region {
    VirtAddr start; // page aligned, inclusive
    VirtAddr end;   // page aligned, exclusive
    RegionType type { RegionType::AnonMmap };
    Protection prot;
    RegionFlags flags;
    Backing backing;

    // Lowest page populated so far of a grows_down stack (its end while
    // untouched): a fault below it grows the stack. Unused by other types.
    VirtAddr stack_bottom;

    // Statistics the pager keeps as it populates and evicts pages. The map
    // cannot see which pages are resident: a split keeps the sum (neither
    // part over its page count), a merge adds, and the pager corrects the
    // parts if it needs exact per-region numbers.
    uint64_t resident_pages { 0 };
    uint64_t dirty_private_pages { 0 };

    static constexpr Region anonymous(RegionType type, VirtAddr start, VirtAddr end, Protection prot,
                                      RegionFlags flags = {})
    {
        Region region;
        region.start = start;
        region.end = end;
        region.type = type;
        region.prot = prot;
        region.flags = flags;
        region.stack_bottom = end;
        return region;
    }
    static constexpr Region file_backed(RegionType type, VirtAddr start, VirtAddr end, Protection prot,
                                        Backing backing, RegionFlags flags = {})
    {
        Region region = anonymous(type, start, end, prot, flags);
        region.backing = backing;
        return region;
    }

    constexpr uint64_t size() const { return end.get() - start.get(); }
    constexpr uint64_t page_count() const { return size() >> ipc::page_shift; }
    constexpr bool contains(VirtAddr address) const { return start <= address && address < end; }
    constexpr bool is_shared() const { return flags.has(RegionFlags::shared); }

    // Only what mmap created may be unmapped or reprotected: the image, the
    // heap, the main stack and guards belong to the process layout.
    constexpr bool is_user_mapped() const
    {
        return type == RegionType::AnonMmap || type == RegionType::FileMmap
            || (type == RegionType::Stack && flags.has(RegionFlags::map_stack));
    }
};

// A page-aligned, half-open range of user addresses, as munmap, mprotect
// and brk name them.
struct PageRange {
    VirtAddr start;
    VirtAddr end;

    // From a client's (address, length): the address must be page aligned
    // (InvalidArgument), the length is rounded up to whole pages and must not
    // be zero (InvalidArgument), and the range must lie in the user half
    // (OutOfRange).
    static ipc::Result<PageRange> from_user(uint64_t address, uint64_t length);

    constexpr uint64_t size() const { return end.get() - start.get(); }
    constexpr bool is_valid() const
    {
        return start.is_page_aligned() && end.is_page_aligned() && start < end
            && ipc::is_user_range(start.get(), size());
    }
    constexpr bool operator==(const PageRange&) const = default;
};

// How to populate one page of a region: copy `file_bytes` bytes from the
// file at `file_offset` to the start of the frame and zero the rest.
// Anonymous regions, and pages wholly past the file data, copy nothing.
struct PageFill {
    uint64_t file_offset { 0 };
    uint64_t file_bytes { 0 };

    constexpr uint64_t zero_bytes() const { return ipc::page_size - file_bytes; }
    constexpr bool operator==(const PageFill&) const = default;
};

// `page` is any address inside the region; its page is described.
PageFill page_fill(const Region&, VirtAddr page);

// The right part of `region` from `at` (page aligned, strictly inside) on;
// `region` keeps the left part. File offsets and statistics follow the cut.
Region split_region(Region& region, VirtAddr at);

// Whether `right`, starting where `left` ends, continues `left` so exactly
// that one region could stand for both; merge_into() then makes it so.
bool can_merge(const Region& left, const Region& right);
void merge_into(Region& left, const Region& right);

} // namespace pager
