// VSpace and Frame: map, unmap, protect, shared frames, rights, errors,
// page-table pools, and what deleting frames and VSpaces does to mappings.
#include "ktest.h"

using namespace ktest;

namespace {

} // namespace

KTEST(vspace_map_unmap)
{
    KT_NEW(f, ObjectType::Frame);
    uint64_t va = alloc_vaddr();
    auto s0 = stats();
    KT_OK(kapi::vspace_map(vs(), f, va, RW));
    KT_EQ(stats().frames_mapped, s0.frames_mapped + 1);
    auto* p = reinterpret_cast<volatile uint64_t*>(va);
    p[0] = 0x1234;
    p[511] = 0x5678;
    KT_EQ(p[0], 0x1234);
    KT_EQ(p[511], 0x5678);
    auto d = kapi::frame_describe(f);
    KT_OK(d);
    KT_EQ(d.value().mapped, 1);
    KT_EQ(d.value().vaddr, va);
    KT_NE(d.value().physical_address, 0);
    KT_OK(kapi::vspace_unmap(vs(), f));
    KT_EQ(stats().frames_mapped, s0.frames_mapped);
    auto d2 = kapi::frame_describe(f);
    KT_OK(d2);
    KT_EQ(d2.value().mapped, 0);
    KT_EXPECT_ERR(kapi::vspace_unmap(vs(), f), Error::NotMapped);
    KT_NEW(never_mapped, ObjectType::Frame);
    KT_EXPECT_ERR(kapi::vspace_unmap(vs(), never_mapped), Error::NotMapped);
    KT_EXPECT_ERR(kapi::vspace_unmap(vs(), alloc_slot()), Error::InvalidCapability);
    KT_NEW(ep, ObjectType::Endpoint);
    KT_EXPECT_ERR(kapi::vspace_unmap(vs(), ep), Error::WrongType);
    // The cap's one mapping is free again: map it elsewhere, the data is still there.
    uint64_t va2 = alloc_vaddr();
    KT_OK(kapi::vspace_map(vs(), f, va2, R));
    KT_EQ(reinterpret_cast<volatile uint64_t*>(va2)[511], 0x5678);
}

KTEST(vspace_unmap_flushes_tlb)
{
    // The suite touches the page (the TLB caches it), unmaps it, and a thread
    // in the same address space must then fault on it.
    KT_NEW(ep, ObjectType::Endpoint);
    KT_MINT(fault_ep, ep, ALL, 0x71);
    KT_NEW_MAPPED(page, RW);
    page.words()[3] = 77;
    KT_EQ(page.words()[3], 77);
    KT_OK(kapi::vspace_unmap(vs(), page.cap));
    ThreadOptions o;
    o.fault_endpoint = fault_ep;
    KT_SPAWN(t, touch_fn, o, page.vaddr + 24, touch_read);
    KT_RECV_FAULT(r, ep, ipc::FaultLabel::PageFault, 0x71);
    KT_EQ(r.words[0], page.vaddr + 24);
    KT_EQ(r.words[3], access_user);
    KT_EQ(load(t->progress), 1);
    KT_OK(kapi::fault_reply_kill(1));
}

KTEST(vspace_protect)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_MINT(fault_ep, ep, ALL, 0x72);
    KT_NEW_MAPPED(page, RW);
    page.words()[0] = 5;
    KT_OK(kapi::vspace_protect(vs(), page.cap, R));
    KT_EQ(page.words()[0], 5); // still readable
    ThreadOptions o;
    o.fault_endpoint = fault_ep;
    KT_SPAWN(t, touch_fn, o, page.vaddr + 8, touch_read_then_write, 9);
    KT_RECV_FAULT(r, ep, ipc::FaultLabel::PageFault, 0x72);
    KT_EQ(r.words[0], page.vaddr + 8);
    KT_EQ(r.words[3], access_present | access_write | access_user);
    KT_EQ(load(t->progress), 3); // the read went through
    KT_OK(kapi::fault_reply_kill(2));
    // Back to writable (the cap has write).
    KT_OK(kapi::vspace_protect(vs(), page.cap, RW));
    page.words()[1] = 6;
    KT_EQ(page.words()[1], 6);
    KT_NEW(never_mapped, ObjectType::Frame);
    KT_EXPECT_ERR(kapi::vspace_protect(vs(), never_mapped, R), Error::NotMapped);
    // A read-only cap cannot be protected up to writable.
    KT_COPY(ro, page.cap, R);
    uint64_t va = alloc_vaddr();
    KT_OK(kapi::vspace_map(vs(), ro, va, R));
    KT_EXPECT_ERR(kapi::vspace_protect(vs(), ro, RW), Error::InsufficientRights);
    // A VSpace the mapping is not in.
    KT_NEW(other, ObjectType::VSpace);
    KT_EXPECT_ERR(kapi::vspace_protect(other, page.cap, R), Error::NotMapped);
    KT_EXPECT_ERR(kapi::vspace_unmap(other, page.cap), Error::NotMapped);
    page.words()[2] = 8; // still mapped, still writable
    KT_EQ(page.words()[2], 8);
}

KTEST(vspace_shared_frame_two_mappings)
{
    KT_NEW(f, ObjectType::Frame);
    KT_COPY(f2, f, ALL);
    uint64_t a = alloc_vaddr(), b = alloc_vaddr();
    auto s0 = stats();
    KT_OK(kapi::vspace_map(vs(), f, a, RW));
    KT_OK(kapi::vspace_map(vs(), f2, b, RW));
    KT_EQ(stats().frames_mapped, s0.frames_mapped + 2);
    auto* pa = reinterpret_cast<volatile uint64_t*>(a);
    auto* pb = reinterpret_cast<volatile uint64_t*>(b);
    pa[10] = 0xfeedface;
    KT_EQ(pb[10], 0xfeedface);
    pb[20] = 0xabad1dea;
    KT_EQ(pa[20], 0xabad1dea);
    auto d1 = kapi::frame_describe(f);
    auto d2 = kapi::frame_describe(f2);
    KT_OK(d1);
    KT_OK(d2);
    KT_EQ(d1.value().physical_address, d2.value().physical_address);
    KT_EQ(d1.value().vaddr, a);
    KT_EQ(d2.value().vaddr, b);
    // Deleting one cap unmaps only its mapping.
    KT_OK(kapi::cnode_delete(root(), f2));
    KT_EQ(stats().frames_mapped, s0.frames_mapped + 1);
    KT_EQ(pa[10], 0xfeedface);
}

KTEST(vspace_cap_maps_once)
{
    KT_NEW(f, ObjectType::Frame);
    KT_OK(kapi::vspace_map(vs(), f, alloc_vaddr(), RW));
    KT_EXPECT_ERR(kapi::vspace_map(vs(), f, alloc_vaddr(), RW), Error::AlreadyMapped);
}

KTEST(vspace_double_map_address)
{
    KT_NEW(f, ObjectType::Frame);
    KT_NEW(g, ObjectType::Frame);
    uint64_t va = alloc_vaddr();
    KT_OK(kapi::vspace_map(vs(), f, va, RW));
    auto s0 = stats();
    KT_EXPECT_ERR(kapi::vspace_map(vs(), g, va, RW), Error::AlreadyMapped);
    KT_EQ(stats().frames_mapped, s0.frames_mapped);
    auto d = kapi::frame_describe(g);
    KT_OK(d);
    KT_EQ(d.value().mapped, 0);
    // The suite's own text is mapped too.
    KT_EXPECT_ERR(kapi::vspace_map(vs(), g, 0x400000, R), Error::AlreadyMapped);
}

KTEST(vspace_read_only_write_faults)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_MINT(fault_ep, ep, ALL, 0x77);
    KT_NEW(f, ObjectType::Frame);
    uint64_t va = alloc_vaddr();
    KT_OK(kapi::vspace_map(vs(), f, va, R));
    ThreadOptions o;
    o.fault_endpoint = fault_ep;
    KT_SPAWN(t, touch_fn, o, va + 0x100, touch_read_then_write, 1);
    KT_RECV_FAULT(r, ep, ipc::FaultLabel::PageFault, 0x77);
    KT_EQ(r.words[0], va + 0x100);
    KT_CHECK(in_text(r.words[1]), "fault ip {:x} is not in the suite's text", r.words[1]);
    KT_CHECK(r.words[2] > t->stack_base && r.words[2] <= t->stack_top,
             "fault sp {:x} is not on the thread's stack", r.words[2]);
    KT_EQ(r.words[3], access_present | access_write | access_user);
    // Word 4 is the kernel's time stamp of the fault (the suite has an IPC buffer).
    KT_EQ(r.info.length(), 5);
    uint64_t now = 0;
    asm volatile("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a"(now) : : "rdx");
    uint64_t stamp = kapi::message_word(r, 4, kapi::ipc_buffer());
    KT_CHECK(stamp != 0 && stamp <= now, "fault time stamp {} is not before now {}", stamp, now);
    KT_EQ(load(t->progress), 3);
    KT_EQ(t->out[0], 0);
    KT_OK(kapi::fault_reply_kill(3));
}

KTEST(vspace_kernel_half_out_of_range)
{
    KT_NEW(f, ObjectType::Frame);
    const uint64_t bad[] = { 0xffff800000000000ull,
                             0xffffffff80000000ull,
                             0xfffffffffffff000ull,
                             ipc::user_space_end,
                             0x0000800000001000ull,
                             0x1000000000000000ull,
                             0 };
    for (uint64_t va : bad) {
        Error e = kapi::vspace_map(vs(), f, va, R);
        KT_CHECK(e == Error::OutOfRange, "map at {:x}: expected {}, got {}", va, ename(Error::OutOfRange),
                 ename(e));
    }
    auto d = kapi::frame_describe(f);
    KT_OK(d);
    KT_EQ(d.value().mapped, 0);
}

KTEST(vspace_unaligned)
{
    KT_NEW(f, ObjectType::Frame);
    uint64_t va = alloc_vaddr();
    KT_EXPECT_ERR2(kapi::vspace_map(vs(), f, va + 1, RW), Error::OutOfRange, Error::InvalidArgument);
    KT_EXPECT_ERR2(kapi::vspace_map(vs(), f, va + 0x800, RW), Error::OutOfRange, Error::InvalidArgument);
    KT_OK(kapi::vspace_map(vs(), f, va, RW));
    auto d = kapi::frame_describe(f);
    KT_OK(d);
    KT_EQ(d.value().mapped, 1);
}

KTEST(vspace_map_rights_the_cap_lacks)
{
    KT_NEW(f, ObjectType::Frame);
    KT_COPY(ro, f, R);
    KT_COPY(rw, f, RW);
    KT_EXPECT_ERR(kapi::vspace_map(vs(), ro, alloc_vaddr(), RW), Error::InsufficientRights);
    KT_EXPECT_ERR(kapi::vspace_map(vs(), rw, alloc_vaddr(), R | X), Error::InsufficientRights);
    KT_EXPECT_ERR(kapi::vspace_map(vs(), ro, alloc_vaddr(), R | X), Error::InsufficientRights);
    auto d = kapi::frame_describe(ro);
    KT_OK(d);
    KT_EQ(d.value().mapped, 0);
    KT_OK(kapi::vspace_map(vs(), ro, alloc_vaddr(), R));
    KT_OK(kapi::vspace_map(vs(), rw, alloc_vaddr(), RW));
    // A VSpace cap without write cannot map? (rights on the VSpace cap itself are not specified: no check.)
}

KTEST(vspace_execute_rights)
{
    KT_NEW(ep, ObjectType::Endpoint);
    KT_MINT(fault_ep, ep, ALL, 0x78);
    KT_NEW_MAPPED(code, RW);
    code.bytes()[0] = 0x0f; // ud2
    code.bytes()[1] = 0x0b;
    KT_COPY(code_x, code.cap, R | X);
    uint64_t xva = alloc_vaddr();
    KT_OK(kapi::vspace_map(vs(), code_x, xva, R | X));
    // Executable mapping: the ud2 runs (#UD, vector 6, at the page).
    ThreadOptions o;
    o.fault_endpoint = fault_ep;
    o.rip = xva;
    KT_SPAWN(t, nullptr, o);
    KT_RECV_FAULT(r, ep, ipc::FaultLabel::Exception, 0x78);
    KT_EQ(r.words[0], 6);
    KT_EQ(r.words[1], xva);
    KT_OK(kapi::fault_reply_kill(4));
    // The RW mapping is NX: fetching from it is a page fault with the execute bit.
    ThreadOptions o2;
    o2.fault_endpoint = fault_ep;
    o2.rip = code.vaddr;
    KT_SPAWN(t2, nullptr, o2);
    KT_RECV_FAULT(r2, ep, ipc::FaultLabel::PageFault, 0x78);
    KT_EQ(r2.words[0], code.vaddr);
    KT_EQ(r2.words[1], code.vaddr);
    KT_EQ(r2.words[3], access_present | access_user | access_execute);
    KT_OK(kapi::fault_reply_kill(5));
    (void)t;
    (void)t2;
}

KTEST(vspace_delete_frame_cap_unmaps)
{
    KT_NEW(f, ObjectType::Frame);
    KT_NEW(g, ObjectType::Frame);
    uint64_t va = alloc_vaddr();
    auto s0 = stats();
    KT_OK(kapi::vspace_map(vs(), f, va, RW));
    *reinterpret_cast<volatile uint64_t*>(va) = 1;
    KT_OK(kapi::cnode_delete(root(), f));
    KT_EQ(stats().frames_mapped, s0.frames_mapped);
    // The address is free again.
    KT_OK(kapi::vspace_map(vs(), g, va, RW));
    KT_EQ(*reinterpret_cast<volatile uint64_t*>(va), 0); // g's (zeroed) memory, not f's
}

KTEST(vspace_delete_vspace_unmaps_frames)
{
    KT_NEW(v2, ObjectType::VSpace);
    KT_NEW(pool, ObjectType::Untyped, 16);
    KT_OK(kapi::vspace_bind_pool(v2, pool));
    KT_NEW(f, ObjectType::Frame);
    auto s0 = stats();
    KT_OK(kapi::vspace_map(v2, f, 0x400000, RW));
    KT_EQ(stats().frames_mapped, s0.frames_mapped + 1);
    auto d = kapi::frame_describe(f);
    KT_OK(d);
    KT_EQ(d.value().mapped, 1);
    KT_OK(kapi::cnode_delete(root(), v2));
    KT_EQ(stats().frames_mapped, s0.frames_mapped);
    auto d2 = kapi::frame_describe(f);
    KT_OK(d2);
    KT_EQ(d2.value().mapped, 0);
    // The cap noticed: it maps again, here.
    KT_OK(kapi::vspace_map(vs(), f, alloc_vaddr(), RW));
}

KTEST(vspace_page_tables_need_a_pool)
{
    KT_NEW(f, ObjectType::Frame);
    KT_NEW(v_none, ObjectType::VSpace);
    KT_EXPECT_ERR(kapi::vspace_map(v_none, f, 0x400000, RW), Error::NoMemory);
    // One page of pool cannot pay for PDPT + PD + PT.
    KT_NEW(v_small, ObjectType::VSpace);
    KT_NEW(small_pool, ObjectType::Untyped, 12);
    KT_OK(kapi::vspace_bind_pool(v_small, small_pool));
    KT_EXPECT_ERR(kapi::vspace_map(v_small, f, 0x400000, RW), Error::NoMemory);
    auto d = kapi::frame_describe(f);
    KT_OK(d);
    KT_EQ(d.value().mapped, 0);
    KT_NEW(v_ok, ObjectType::VSpace);
    KT_NEW(pool, ObjectType::Untyped, 14);
    KT_OK(kapi::vspace_bind_pool(v_ok, pool));
    KT_OK(kapi::vspace_map(v_ok, f, 0x400000, RW));
    // The pool is the VSpace's now (the kernel moves the cap in), or at least it paid for three tables.
    auto u = kapi::untyped_describe(pool);
    if (u.is_error()) {
        KT_EXPECT_ERR(u, Error::InvalidCapability);
    } else {
        KT_CHECK(u.value().free_bytes <= 16384 - 3 * 4096, "the pool paid only {} bytes for three tables",
                 16384 - u.value().free_bytes);
    }
    // A second pool for the same VSpace is refused.
    KT_NEW(pool2, ObjectType::Untyped, 14);
    KT_EXPECT_ERR(kapi::vspace_bind_pool(v_ok, pool2), Error::Busy);
    // Bind errors.
    KT_EXPECT_ERR(kapi::vspace_bind_pool(v_ok, alloc_slot()), Error::InvalidCapability);
    KT_EXPECT_ERR(kapi::vspace_bind_pool(v_ok, f), Error::WrongType);
}

KTEST(vspace_map_errors)
{
    KT_NEW(f, ObjectType::Frame);
    KT_NEW(ep, ObjectType::Endpoint);
    uint64_t va = alloc_vaddr();
    KT_EXPECT_ERR(kapi::vspace_map(vs(), alloc_slot(), va, RW), Error::InvalidCapability);
    KT_EXPECT_ERR(kapi::vspace_map(vs(), ep, va, RW), Error::WrongType);
    KT_EXPECT_ERR(kapi::vspace_map(alloc_slot(), f, va, RW), Error::InvalidCapability);
    KT_EXPECT_ERR2(kapi::vspace_map(f, f, va, RW), Error::WrongType, Error::InvalidArgument);
    // Rights bits beyond read/write/execute/grant are refused or ignored, never a crash.
    Error e = kapi::vspace_map(vs(), f, va, 0xf0);
    KT_CHECK(e != Error::Unsupported, "map with rights 0xf0: {}", ename(e));
    if (e == Error::None)
        KT_OK(kapi::vspace_unmap(vs(), f));
    // Mapping with no rights at all.
    e = kapi::vspace_map(vs(), f, va, 0);
    KT_CHECK(e != Error::Unsupported, "map with rights 0: {}", ename(e));
}

KTEST(vspace_frame_describe)
{
    KT_NEW(u, ObjectType::Untyped, 14);
    auto ud = kapi::untyped_describe(u);
    KT_OK(ud);
    CPtr frames = alloc_slots(4);
    KT_OK(kapi::untyped_retype(u, ObjectType::Frame, 0, 0, frames, 4));
    for (unsigned i = 0; i < 4; ++i) {
        auto d = kapi::frame_describe(frames + i);
        KT_OK(d);
        KT_EQ(d.value().physical_address, ud.value().physical_address + i * 4096);
        KT_EQ(d.value().mapped, 0);
    }
    // The boot-info frame is mapped read-only, and the IPC buffer where boot info says.
    auto bi = kapi::frame_describe(ipc::root_slot_ipc_buffer);
    KT_OK(bi);
    KT_EQ(bi.value().mapped, 1);
    KT_EQ(bi.value().vaddr, env().boot->ipc_buffer_address);
    auto bf = kapi::frame_describe(ipc::root_slot_boot_info);
    KT_OK(bf);
    KT_EQ(bf.value().mapped, 1);
    KT_EQ(bf.value().vaddr, reinterpret_cast<uint64_t>(env().boot));
}

KTEST(vspace_boot_info_is_read_only)
{
    // Protecting or remapping the boot-info frame writable needs write rights the cap may lack;
    // whatever the cap allows, the kernel must answer (no crash) and the page stays readable.
    auto d = kapi::cnode_describe(root(), ipc::root_slot_boot_info);
    KT_OK(d);
    Error e = kapi::vspace_protect(vs(), ipc::root_slot_boot_info, RW);
    if (!(d.value().rights & W))
        KT_CHECK(e == Error::InsufficientRights, "protect boot info RW with a read-only cap: {}", ename(e));
    KT_EQ(env().boot->magic, ipc::RootBootInfo::magic_value);
    if (e == Error::None)
        KT_OK(kapi::vspace_protect(vs(), ipc::root_slot_boot_info, R));
}
