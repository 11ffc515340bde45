#pragma once
// The fault tests' small pager: a fault endpoint (a badged child cap) and a
// supervisor endpoint (badged child), and what a test asserts about the
// faulting thread meanwhile. Shared by test_fault.cpp and test_map_new.cpp.
#include "ktest.h"

namespace ktest {

// Everything one fault test needs: endpoint (fault endpoint = a badged
// child), supervisor endpoint (badged child), a fresh unmapped address.
struct Pager {
    CPtr ep { 0 };
    CPtr fault_cap { 0 };
    CPtr supervisor { 0 };
    CPtr supervisor_cap { 0 };
};

inline Pager make_pager_at(const char* file, int line, uint64_t fault_badge, uint64_t supervisor_badge)
{
    Pager p;
    p.ep = make_object_at(file, line, ObjectType::Endpoint);
    if (failed())
        return p;
    p.fault_cap = derive_at(file, line, p.ep, ALL, fault_badge);
    if (failed())
        return p;
    p.supervisor = make_object_at(file, line, ObjectType::Endpoint);
    if (failed())
        return p;
    p.supervisor_cap = derive_at(file, line, p.supervisor, ALL, supervisor_badge);
    return p;
}
#define KT_PAGER(var, fault_badge, supervisor_badge)                                                         \
    Pager var = make_pager_at(__FILE__, __LINE__, fault_badge, supervisor_badge);                            \
    if (ktest::failed())                                                                                     \
    return

inline ThreadOptions with(const Pager& p, bool fault_endpoint = true)
{
    ThreadOptions o;
    o.fault_endpoint = fault_endpoint ? p.fault_cap : 0;
    o.supervisor = p.supervisor_cap;
    return o;
}

// The thread has not moved since it faulted.
#define KT_STILL_BLOCKED(t, progress_value)                                                                  \
    do {                                                                                                     \
        settle(10);                                                                                          \
        KT_CHECK(load((t)->progress) == (progress_value), "the faulting thread moved on ({} -> {})",         \
                 uint64_t(progress_value), load((t)->progress));                                             \
        KT_EXPECT_ERR(kapi::nb_recv(p.supervisor), Error::WouldBlock);                                       \
    } while (0)

// Options for a thread in a VSpace of its own (with a page-table pool) that
// runs, from 0x400000, `movq $0x1234, 0x300000 ; ud2`: its store faults at
// 0x300000, where no page table exists yet, and the ud2 then ends it.
inline ThreadOptions store_program_at(const char* file, int line, const Pager& p)
{
    ThreadOptions o = with(p);
    CPtr space = make_object_at(file, line, ObjectType::VSpace);
    CPtr pool = failed() ? 0 : make_object_at(file, line, ObjectType::Untyped, 16);
    if (failed())
        return o;
    if (kapi::vspace_bind_pool(space, pool) != Error::None) {
        fail_at(file, line, "binding the page-table pool failed");
        return o;
    }
    MappedFrame code = map_new_frame_at(file, line, RW);
    if (failed())
        return o;
    const uint8_t program[]
        = { 0x48, 0xc7, 0x04, 0x25, 0x00, 0x00, 0x30, 0x00, 0x34, 0x12, 0x00, 0x00, 0x0f, 0x0b };
    for (unsigned i = 0; i < sizeof(program); ++i)
        code.bytes()[i] = program[i];
    CPtr code_x = derive_at(file, line, code.cap, R | X, ~0ull);
    if (failed())
        return o;
    if (kapi::vspace_map(space, code_x, 0x400000, R | X) != Error::None) {
        fail_at(file, line, "mapping the program failed");
        return o;
    }
    o.vspace = space;
    o.rip = 0x400000;
    o.rsp = 0x7fff0000;
    o.ipc_buffer = false;
    return o;
}
#define KT_STORE_PROGRAM(var, pager)                                                                         \
    ThreadOptions var = ktest::store_program_at(__FILE__, __LINE__, pager);                                  \
    if (ktest::failed())                                                                                     \
    return

} // namespace ktest
