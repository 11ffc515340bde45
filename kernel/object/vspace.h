#pragma once
// A VSpace is an address space: its PML4 page, then one page of
// bookkeeping. Page tables below the PML4 are carved from the Untyped pool
// bound to it (never from a hidden kernel pool). Frame caps record their
// mapping as (asid, generation, vaddr); the ASID table turns that back into
// a VSpace only while that very VSpace is alive, so a stale record is inert.

#include "arch/arch.h"
#include "object/capability.h"
#include "object/header.h"

namespace kernel {

struct VSpace {
    uint64_t pml4[512];
    ObjectHeader header;
    uint32_t asid;
    uint32_t generation;
    uint64_t pages_mapped;
    uint64_t tables_used;
    Slot pool; // the bound Untyped, moved in by VSpaceBindPool
};
static_assert(sizeof(VSpace) <= (1u << 13));

inline constexpr unsigned max_vspaces = 1024;

} // namespace kernel
