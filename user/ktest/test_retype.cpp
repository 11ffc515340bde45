// Untyped: Retype of every type and size, its errors, zeroing, describe, reuse.
#include "ktest.h"

using namespace ktest;

namespace {

// A child Untyped of the case's untyped, in a fresh slot.
CPtr small_untyped_at(const char* file, int line, unsigned bits)
{
    return make_object_at(file, line, ObjectType::Untyped, bits);
}
#define KT_UNTYPED(var, bits)                                                                                \
    CPtr var = small_untyped_at(__FILE__, __LINE__, bits);                                                   \
    if (ktest::failed())                                                                                     \
    return

} // namespace

KTEST(retype_every_type)
{
    struct Kind {
        ObjectType type;
        unsigned bits;
    } kinds[] = {
        { ObjectType::Untyped, 12 }, { ObjectType::Untyped, 16 }, { ObjectType::Untyped, 20 },
        { ObjectType::CNode, 1 },    { ObjectType::CNode, 4 },    { ObjectType::CNode, 10 },
        { ObjectType::Tcb, 0 },      { ObjectType::Endpoint, 0 }, { ObjectType::Notification, 0 },
        { ObjectType::VSpace, 0 },   { ObjectType::Frame, 0 },
    };
    for (const Kind& k : kinds) {
        CPtr slot = alloc_slot();
        KT_OK(kapi::untyped_retype(env().case_untyped, k.type, k.bits, 0, slot, 1));
        auto d = kapi::cnode_describe(env().cnode, slot);
        KT_OK(d);
        KT_CHECK(d.value().type == k.type, "retyped a {} (bits {}), describe says {}", type_name(k.type),
                 k.bits, type_name(d.value().type));
        KT_EQ(d.value().rights, ALL);
        KT_EQ(d.value().badge, 0);
        if (k.type == ObjectType::Untyped) {
            auto u = kapi::untyped_describe(slot);
            KT_OK(u);
            KT_EQ(u.value().size_bits, k.bits);
            KT_EQ(u.value().free_bytes, uint64_t(1) << k.bits);
            KT_EQ(u.value().physical_address & ((uint64_t(1) << k.bits) - 1), 0);
        }
    }
}

KTEST(retype_count_many)
{
    // Four endpoints in one call land in four consecutive slots.
    CPtr first = alloc_slots(4);
    KT_OK(kapi::untyped_retype(env().case_untyped, ObjectType::Endpoint, 0, 0, first, 4));
    for (CPtr s = first; s < first + 4; ++s)
        KT_EXPECT_TYPE(s, ObjectType::Endpoint);
    // Three frames: distinct, page-aligned, inside the untyped.
    auto u = kapi::untyped_describe(env().case_untyped);
    KT_OK(u);
    CPtr frames = alloc_slots(3);
    KT_OK(kapi::untyped_retype(env().case_untyped, ObjectType::Frame, 0, 0, frames, 3));
    uint64_t phys[3];
    for (unsigned i = 0; i < 3; ++i) {
        auto f = kapi::frame_describe(frames + i);
        KT_OK(f);
        phys[i] = f.value().physical_address;
        KT_EQ(phys[i] & 0xfff, 0);
        KT_CHECK(phys[i] >= u.value().physical_address
                     && phys[i] < u.value().physical_address + (uint64_t(1) << u.value().size_bits),
                 "frame {} at {:x} is outside its untyped [{:x}, 2^{})", i, phys[i],
                 u.value().physical_address, u.value().size_bits);
        KT_EQ(f.value().mapped, 0);
    }
    KT_CHECK(phys[0] != phys[1] && phys[1] != phys[2] && phys[0] != phys[2],
             "frames share memory: {:x} {:x} {:x}", phys[0], phys[1], phys[2]);
}

KTEST(retype_alignment_and_free_bytes)
{
    KT_UNTYPED(u, 16);
    auto d = kapi::untyped_describe(u);
    KT_OK(d);
    KT_EQ(d.value().free_bytes, 65536);
    // 64-byte endpoint at 0, then a frame aligned to 4 KiB (at 4096), then an 8 KiB VSpace at 8192.
    KT_NEW(ep, ObjectType::Endpoint, 0, u);
    auto d2 = kapi::untyped_describe(u);
    KT_OK(d2);
    KT_EQ(d2.value().free_bytes, 65536 - 64);
    KT_NEW(frame, ObjectType::Frame, 0, u);
    auto f = kapi::frame_describe(frame);
    KT_OK(f);
    KT_EQ(f.value().physical_address - d2.value().physical_address, 4096);
    auto d3 = kapi::untyped_describe(u);
    KT_OK(d3);
    KT_EQ(d3.value().free_bytes, 65536 - 8192);
    KT_NEW(vs, ObjectType::VSpace, 0, u);
    auto d4 = kapi::untyped_describe(u);
    KT_OK(d4);
    KT_EQ(d4.value().free_bytes, 65536 - 16384);
    KT_NEW(tcb, ObjectType::Tcb, 0, u); // 1 KiB at 16384
    auto d5 = kapi::untyped_describe(u);
    KT_OK(d5);
    KT_EQ(d5.value().free_bytes, 65536 - 16384 - 1024);
    (void)ep;
    (void)vs;
    (void)tcb;
}

KTEST(retype_too_big_no_memory)
{
    KT_UNTYPED(u, 12);
    CPtr a = alloc_slot(), b = alloc_slot();
    KT_EXPECT_ERR(kapi::untyped_retype(u, ObjectType::VSpace, 0, 0, a, 1), Error::NoMemory);
    KT_EXPECT_EMPTY(a);
    // A child bigger than its parent: "too small" (NoMemory) or "bad size" (InvalidArgument).
    KT_EXPECT_ERR2(kapi::untyped_retype(u, ObjectType::Untyped, 13, 0, a, 1), Error::NoMemory,
                   Error::InvalidArgument);
    KT_EXPECT_EMPTY(a);
    // Two frames do not fit in 4 KiB: nothing is created, not even the first.
    KT_EXPECT_ERR(kapi::untyped_retype(u, ObjectType::Frame, 0, 0, a, 2), Error::NoMemory);
    KT_EXPECT_EMPTY(a);
    KT_EXPECT_EMPTY(b);
    auto d = kapi::untyped_describe(u);
    KT_OK(d);
    KT_EQ(d.value().free_bytes, 4096);
    KT_OK(kapi::untyped_retype(u, ObjectType::Frame, 0, 0, a, 1));
    KT_EXPECT_ERR(kapi::untyped_retype(u, ObjectType::Endpoint, 0, 0, b, 1), Error::NoMemory);
    KT_EXPECT_EMPTY(b);
    // Bigger than the whole case untyped.
    KT_EXPECT_ERR2(
        kapi::untyped_retype(env().case_untyped, ObjectType::Untyped, env().case_untyped_bits + 1, 0, b, 1),
        Error::NoMemory, Error::InvalidArgument);
    // 4095 frames (16 MiB) into a radix-12 CNode: the slots exist, the memory does not.
    KT_NEW(big_cnode, ObjectType::CNode, 12);
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Frame, 0, big_cnode, 1, 4095),
                  Error::NoMemory);
    KT_TRUE(slot_empty(1, big_cnode));
    KT_EXPECT_EMPTY(b);
}

KTEST(retype_occupied_slot)
{
    KT_NEW(ep, ObjectType::Endpoint);
    auto before = kapi::untyped_describe(env().case_untyped);
    KT_OK(before);
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Notification, 0, 0, ep, 1),
                  Error::Busy);
    KT_EXPECT_TYPE(ep, ObjectType::Endpoint);
    // Three slots, the middle one taken: nothing is done.
    CPtr s = alloc_slots(3);
    KT_OK(kapi::untyped_retype(env().case_untyped, ObjectType::Endpoint, 0, 0, s + 1, 1));
    auto mid = kapi::untyped_describe(env().case_untyped);
    KT_OK(mid);
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Notification, 0, 0, s, 3),
                  Error::Busy);
    KT_EXPECT_EMPTY(s);
    KT_EXPECT_EMPTY(s + 2);
    KT_EXPECT_TYPE(s + 1, ObjectType::Endpoint);
    auto after = kapi::untyped_describe(env().case_untyped);
    KT_OK(after);
    KT_EQ(after.value().free_bytes, mid.value().free_bytes);
}

KTEST(retype_slot_out_of_range)
{
    uint64_t slots = uint64_t(1) << env().boot->cnode_radix;
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Endpoint, 0, 0, slots, 1),
                  Error::OutOfRange);
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Endpoint, 0, 0, 1ull << 63, 1),
                  Error::OutOfRange);
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Endpoint, 0, 0, ~0ull, 1),
                  Error::OutOfRange);
    // The run crosses the end: nothing is created in the slots that exist.
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Endpoint, 0, 0, slots - 2, 3),
                  Error::OutOfRange);
    KT_EXPECT_EMPTY(slots - 2);
    KT_EXPECT_EMPTY(slots - 1);
    // first + count overflowing 64 bits (count is also above 4096).
    KT_EXPECT_ERR2(kapi::untyped_retype(env().case_untyped, ObjectType::Endpoint, 0, 0, slots - 1, ~0ull),
                   Error::InvalidArgument, Error::OutOfRange);
    KT_EXPECT_EMPTY(slots - 1);
    // Slot 0 is never used.
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Endpoint, 0, 0, 0, 1),
                  Error::OutOfRange);
    // Out of range in a small CNode.
    KT_NEW(cn, ObjectType::CNode, 3);
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Endpoint, 0, cn, 8, 1),
                  Error::OutOfRange);
    KT_OK(kapi::untyped_retype(env().case_untyped, ObjectType::Endpoint, 0, cn, 7, 1));
}

KTEST(retype_bad_type)
{
    const uint64_t bad[] = { uint64_t(ObjectType::Null),
                             uint64_t(ObjectType::IrqHandler),
                             uint64_t(ObjectType::IoPort),
                             uint64_t(ObjectType::Reply),
                             uint64_t(ObjectType::IrqControl),
                             uint64_t(ObjectType::Count),
                             200,
                             (1ull << 32) | uint64_t(ObjectType::Endpoint),
                             0x100 | uint64_t(ObjectType::Frame) };
    CPtr slot = alloc_slot();
    for (uint64_t type : bad) {
        auto r = kapi::invoke(env().case_untyped, ipc::Invocation::UntypedRetype, { type, 0, 0, slot, 1 });
        KT_CHECK(r.error == Error::InvalidArgument, "Retype with type {:x}: expected {}, got {}", type,
                 ename(Error::InvalidArgument), ename(r.error));
        KT_EXPECT_EMPTY(slot);
    }
}

KTEST(retype_bad_size_bits)
{
    CPtr slot = alloc_slot();
    struct Bad {
        ObjectType type;
        uint64_t bits;
    } bad[] = {
        { ObjectType::Untyped, ipc::min_untyped_bits - 1 },
        { ObjectType::Untyped, ipc::max_untyped_bits + 1 },
        { ObjectType::Untyped, 64 },
        { ObjectType::Untyped, (1ull << 32) | 12 },
        { ObjectType::CNode, 0 },
        { ObjectType::CNode, ipc::max_cnode_radix + 1 },
        { ObjectType::CNode, (1ull << 32) | 4 },
    };
    for (const Bad& b : bad) {
        Error e = kapi::untyped_retype(env().case_untyped, b.type, b.bits, 0, slot, 1);
        KT_CHECK(e == Error::InvalidArgument, "Retype {} with size bits {:x}: expected {}, got {}",
                 type_name(b.type), b.bits, ename(Error::InvalidArgument), ename(e));
        KT_EXPECT_EMPTY(slot);
    }
}

KTEST(retype_count_zero_or_huge)
{
    CPtr slot = alloc_slot();
    // count is 1..4096.
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Endpoint, 0, 0, slot, 0),
                  Error::InvalidArgument);
    KT_EXPECT_EMPTY(slot);
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Endpoint, 0, 0, slot, 4097),
                  Error::InvalidArgument);
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Endpoint, 0, 0, slot, 1ull << 40),
                  Error::InvalidArgument);
    KT_EXPECT_EMPTY(slot);
}

KTEST(retype_into_other_cnode)
{
    KT_NEW(cn, ObjectType::CNode, 4);
    KT_OK(kapi::untyped_retype(env().case_untyped, ObjectType::Notification, 0, cn, 3, 2));
    auto d = kapi::cnode_describe(cn, 3);
    KT_OK(d);
    KT_CHECK(d.value().type == ObjectType::Notification, "slot 3 of the new CNode holds {}",
             type_name(d.value().type));
    auto d2 = kapi::cnode_describe(cn, 4);
    KT_OK(d2);
    KT_CHECK(d2.value().type == ObjectType::Notification, "slot 4 of the new CNode holds {}",
             type_name(d2.value().type));
    KT_TRUE(slot_empty(5, cn));
    KT_TRUE(slot_empty(2, cn));
    // The destination must be a CNode cap that exists.
    KT_NEW(ep, ObjectType::Endpoint);
    CPtr empty = alloc_slot();
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Notification, 0, ep, 3, 1),
                  Error::WrongType);
    KT_EXPECT_ERR(kapi::untyped_retype(env().case_untyped, ObjectType::Notification, 0, empty, 3, 1),
                  Error::InvalidCapability);
}

KTEST(retype_invoked_on_wrong_object)
{
    KT_NEW(frame, ObjectType::Frame);
    CPtr slot = alloc_slot();
    auto r = kapi::invoke(frame, ipc::Invocation::UntypedRetype,
                          { uint64_t(ObjectType::Endpoint), 0, 0, slot, 1 });
    KT_EXPECT_ERR2(r, Error::WrongType, Error::InvalidArgument);
    KT_EXPECT_EMPTY(slot);
    KT_EXPECT_ERR(kapi::untyped_retype(alloc_slot(), ObjectType::Endpoint, 0, 0, slot, 1),
                  Error::InvalidCapability);
}

KTEST(retype_objects_are_zeroed)
{
    // One page of untyped: a frame is dirtied, deleted, and the memory
    // retyped again (the untyped has no children left, so it restarts at 0).
    KT_UNTYPED(u, 12);
    KT_NEW(dirty, ObjectType::Frame, 0, u);
    auto fd = kapi::frame_describe(dirty);
    KT_OK(fd);
    uint64_t phys = fd.value().physical_address;
    uint64_t va = alloc_vaddr();
    KT_OK(kapi::vspace_map(env().vspace, dirty, va, RW));
    auto* p = reinterpret_cast<volatile uint64_t*>(va);
    for (unsigned i = 0; i < 512; ++i)
        p[i] = 0xdeadbeefcafef00dull ^ i;
    KT_OK(kapi::vspace_unmap(env().vspace, dirty));
    KT_OK(kapi::cnode_delete(env().cnode, dirty));
    auto d = kapi::untyped_describe(u);
    KT_OK(d);
    KT_EQ(d.value().free_bytes, 4096); // reused from the start

    KT_NEW(fresh, ObjectType::Frame, 0, u);
    auto fd2 = kapi::frame_describe(fresh);
    KT_OK(fd2);
    KT_EQ(fd2.value().physical_address, phys); // same memory, so the check below means something
    uint64_t va2 = alloc_vaddr();
    KT_OK(kapi::vspace_map(env().vspace, fresh, va2, RW));
    auto* q = reinterpret_cast<volatile uint64_t*>(va2);
    for (unsigned i = 0; i < 512; ++i)
        KT_CHECK(q[i] == 0, "fresh frame word {} is {:x}, not zero", i, uint64_t(q[i]));
    // Dirty it again and make a CNode there: all its slots are empty.
    for (unsigned i = 0; i < 512; ++i)
        q[i] = ~0ull;
    KT_OK(kapi::vspace_unmap(env().vspace, fresh));
    KT_OK(kapi::cnode_delete(env().cnode, fresh));
    KT_NEW(cn, ObjectType::CNode, 4, u);
    for (unsigned i = 1; i < 16; ++i) {
        auto d = kapi::cnode_describe(cn, i);
        KT_CHECK(d.is_error() ? d.error() == Error::InvalidCapability : d.value().type == ObjectType::Null,
                 "slot {} of a CNode made from dirty memory is not empty ({}, type {})", i,
                 ename(ktest::error_of(d)), d.is_error() ? "-" : type_name(d.value().type));
    }
    // And an endpoint from dirty memory has nobody queued.
    KT_NEW(ep, ObjectType::Endpoint, 0, u);
    KT_EXPECT_ERR(kapi::nb_recv(ep), Error::WouldBlock);
}

// A batch is zeroed in one sweep over all its objects (zero_memory): every
// page of a four-frame Retype over dirty memory reads back zero.
KTEST(retype_batch_of_frames_is_zeroed)
{
    constexpr unsigned frames = 4;
    KT_UNTYPED(u, 14);
    CPtr first = alloc_slots(frames);
    KT_OK(kapi::untyped_retype(u, ObjectType::Frame, 0, 0, first, frames));
    uint64_t va[frames];
    for (unsigned f = 0; f < frames; ++f) {
        va[f] = alloc_vaddr();
        KT_OK(kapi::vspace_map(env().vspace, first + f, va[f], RW));
        auto* p = reinterpret_cast<volatile uint64_t*>(va[f]);
        for (unsigned i = 0; i < 512; ++i)
            p[i] = ~0ull - i;
        KT_OK(kapi::vspace_unmap(env().vspace, first + f));
        KT_OK(kapi::cnode_delete(env().cnode, first + f));
    }
    KT_OK(kapi::untyped_retype(u, ObjectType::Frame, 0, 0, first, frames));
    for (unsigned f = 0; f < frames; ++f) {
        KT_OK(kapi::vspace_map(env().vspace, first + f, va[f], RW));
        auto* q = reinterpret_cast<volatile uint64_t*>(va[f]);
        for (unsigned i = 0; i < 512; ++i)
            KT_CHECK(q[i] == 0, "frame {} of the batch: word {} is {:x}, not zero", f, i, uint64_t(q[i]));
    }
}

KTEST(untyped_describe_and_reuse)
{
    KT_UNTYPED(u, 13);
    auto d = kapi::untyped_describe(u);
    KT_OK(d);
    KT_EQ(d.value().size_bits, 13);
    KT_EQ(d.value().free_bytes, 8192);
    KT_EQ(d.value().physical_address & 0x1fff, 0);
    KT_NEW(a, ObjectType::Frame, 0, u);
    KT_NEW(b, ObjectType::Frame, 0, u);
    auto d2 = kapi::untyped_describe(u);
    KT_OK(d2);
    KT_EQ(d2.value().free_bytes, 0);
    CPtr c = alloc_slot();
    KT_EXPECT_ERR(kapi::untyped_retype(u, ObjectType::Endpoint, 0, 0, c, 1), Error::NoMemory);
    // One child left: memory is not reused yet.
    KT_OK(kapi::cnode_delete(env().cnode, a));
    KT_EXPECT_ERR(kapi::untyped_retype(u, ObjectType::Endpoint, 0, 0, c, 1), Error::NoMemory);
    KT_OK(kapi::cnode_delete(env().cnode, b));
    auto d3 = kapi::untyped_describe(u);
    KT_OK(d3);
    KT_EQ(d3.value().free_bytes, 8192);
    KT_OK(kapi::untyped_retype(u, ObjectType::Endpoint, 0, 0, c, 1));
    // Revoke also resets it.
    KT_OK(kapi::cnode_revoke(env().cnode, u));
    KT_EXPECT_EMPTY(c);
    auto d4 = kapi::untyped_describe(u);
    KT_OK(d4);
    KT_EQ(d4.value().free_bytes, 8192);
    // Describe on something else.
    // Describe on something else (not an Endpoint: a Call on one is IPC).
    KT_NEW(other, ObjectType::Frame);
    KT_EXPECT_ERR2(kapi::untyped_describe(other), Error::WrongType, Error::InvalidArgument);
}

KTEST(retype_untyped_stats)
{
    // untyped_free_bytes follows the boot Untyped caps: retype straight from
    // one (not the suite's big one) and delete again.
    CPtr small = 0;
    for (uint64_t i = 0; i < env().boot->untyped_count; ++i) {
        CPtr c = env().boot->first_untyped + i;
        if (c != env().big_untyped && env().boot->untyped[i].size_bits >= 13) {
            small = c;
            break;
        }
    }
    KT_CHECK(small != 0, "no second boot Untyped of at least 8 KiB");
    auto s0 = stats();
    KT_NEW(f, ObjectType::Frame, 0, small);
    auto s1 = stats();
    KT_EQ(s1.untyped_free_bytes, s0.untyped_free_bytes - 4096);
    KT_EQ(s1.objects_live, s0.objects_live); // frames are not counted as objects (headers only)
    KT_NEW(ep, ObjectType::Endpoint, 0, small);
    auto s2 = stats();
    KT_EQ(s2.objects_live, s1.objects_live + 1);
    KT_OK(kapi::cnode_delete(env().cnode, ep));
    KT_OK(kapi::cnode_delete(env().cnode, f));
    auto s3 = stats();
    KT_EQ(s3.objects_live, s0.objects_live);
    KT_EQ(s3.untyped_free_bytes, s0.untyped_free_bytes); // no children left: reused from the start
}
