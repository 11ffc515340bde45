#pragma once
// What the root task manages for everyone: the slots of its CNode, its
// Untyped memory (cut into reusable per-process blocks), and a scratch
// window in its own address space for filling frames it hands out.

#include <cstdint>
#include <ipc/result.h>
#include <ipc/root_boot_info.h>
#include <kernel_api.h>

namespace init {

class SlotAllocator {
public:
    void init(ipc::CPtr first_free, unsigned radix);
    ipc::Result<ipc::CPtr> allocate();
    void free(ipc::CPtr);

private:
    static constexpr unsigned max_recycled = 256;
    ipc::CPtr m_next { 0 };
    ipc::CPtr m_end { 0 };
    ipc::CPtr m_recycled[max_recycled] {};
    unsigned m_recycled_count { 0 };
};

SlotAllocator& slots();

// Carves child Untyped blocks of a given size from the boot Untyped caps.
// A block is revoked and reused whole (a process's memory comes back at
// once), never split further by this allocator.
ipc::Result<ipc::CPtr> carve_untyped(unsigned size_bits);
// Moves the largest remaining boot Untyped into `destination` slot of our
// CNode-relative `cnode` (for the pager's frame memory). Returns its size bits.
ipc::Result<unsigned> take_largest_untyped(ipc::CPtr& cptr);
void init_untyped(const ipc::RootBootInfo&);

// Retypes one object of `type` from `untyped` into a fresh slot of ours.
ipc::Result<ipc::CPtr> retype(ipc::CPtr untyped, ipc::ObjectType type, unsigned size_bits = 0);

// Maps a copy of `frame` into our own address space, writable, for the
// duration of a fill; unmapped and deleted again by ScratchMapping's end.
class ScratchMapping {
public:
    static ipc::Result<ScratchMapping> map(ipc::CPtr frame);
    ScratchMapping(ScratchMapping&& other) : m_copy(other.m_copy), m_address(other.m_address)
    {
        other.m_copy = 0;
    }
    ScratchMapping(const ScratchMapping&) = delete;
    ~ScratchMapping();
    uint8_t* bytes() const { return reinterpret_cast<uint8_t*>(m_address); }

private:
    ScratchMapping(ipc::CPtr copy, uint64_t address) : m_copy(copy), m_address(address) { }
    ipc::CPtr m_copy;
    uint64_t m_address;
};
// Gives our own VSpace a page-table pool so scratch mappings can be made.
ipc::Result<void> init_scratch();

} // namespace init
