#pragma once
// The frame table: one small record per physical frame, as Redox's PageInfo.
// It is both the physical allocator (a free list threaded through the
// records, O(1) allocate and free) and the bookkeeping that makes sharing and
// unmapping exact: a frame with mappings cannot be freed, and a frame that is
// free cannot gain a mapping.
//
// Pure logic over caller-provided storage, so it runs in host tests.

#include <cstddef>
#include <cstdint>
#include <ipc/addr.h>
#include <ipc/result.h>
#include <span>

namespace kernel::mm {

enum class FrameState : uint8_t {
    Reserved = 0, // firmware, kernel image, modules, boot info, the table itself, or a hole
    Free = 1,
    Allocated = 2,
};

struct FrameInfo {
    uint32_t next_free; // index of the next free frame, when Free
    uint16_t map_count; // number of page-table entries that map this frame
    FrameState state;
    uint8_t flags; // owner-defined bits (e.g. "page-table page")
};
static_assert(sizeof(FrameInfo) == 8);

class FrameTable {
public:
    static constexpr size_t storage_bytes(size_t frame_count) { return frame_count * sizeof(FrameInfo); }

    // Describes frames [0, frame_count). A frame becomes Free only if the
    // whole page lies inside one of `available` and touches none of
    // `reserved`; every other frame is Reserved forever.
    void build(FrameInfo* storage, size_t frame_count, std::span<const ipc::PhysRange> available,
               std::span<const ipc::PhysRange> reserved);

    [[nodiscard]] ipc::Result<ipc::PhysAddr> allocate(); // NoMemory when exhausted
    [[nodiscard]] ipc::Result<void>
        free(ipc::PhysAddr); // Busy if still mapped, InvalidArgument if not Allocated
    [[nodiscard]] ipc::Result<void> add_mapping(ipc::PhysAddr);    // InvalidArgument unless Allocated
    [[nodiscard]] ipc::Result<void> remove_mapping(ipc::PhysAddr); // InvalidArgument if not mapped

    // Boot: a Reserved frame (a boot module page) becomes Allocated, so it
    // can be handed to userspace as a Frame and mapped.
    [[nodiscard]] ipc::Result<void> adopt(ipc::PhysAddr);
    // Boot: every Free frame becomes Allocated (it now belongs to an
    // Untyped); `visit(range)` sees each maximal run, lowest first.
    template<typename Visit>
    void claim_all_free(Visit visit);

    // nullptr for an address beyond the table or not page-aligned.
    const FrameInfo* info(ipc::PhysAddr) const;

    size_t frame_count() const { return m_frame_count; }
    size_t free_count() const { return m_free_count; }
    size_t usable_count() const { return m_usable_count; } // frames that were Free after build()

private:
    static constexpr uint32_t no_frame = 0xffffffff;
    FrameInfo* m_frames { nullptr };
    size_t m_frame_count { 0 };
    size_t m_free_count { 0 };
    size_t m_usable_count { 0 };
    uint32_t m_free_head { no_frame };
};

template<typename Visit>
void FrameTable::claim_all_free(Visit visit)
{
    size_t run_start = 0, run_length = 0;
    for (size_t i = 0; i <= m_frame_count; ++i) {
        if (i < m_frame_count && m_frames[i].state == FrameState::Free) {
            m_frames[i].state = FrameState::Allocated;
            m_frames[i].next_free = no_frame;
            if (run_length++ == 0)
                run_start = i;
            continue;
        }
        if (run_length)
            visit(ipc::PhysRange { ipc::PhysAddr(run_start << ipc::page_shift),
                                   run_length << ipc::page_shift });
        run_length = 0;
    }
    m_free_head = no_frame;
    m_free_count = 0;
}

// Finds a page-aligned place for `bytes` of storage inside `available`, below
// `limit`, touching none of `reserved`. NoMemory if there is none.
ipc::Result<ipc::PhysAddr> find_free_range(std::span<const ipc::PhysRange> available,
                                           std::span<const ipc::PhysRange> reserved, uint64_t bytes,
                                           uint64_t limit);

} // namespace kernel::mm
