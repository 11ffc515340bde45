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
#define KT_PAGER(var, fault_badge, supervisor_badge)                                               \
    Pager var = make_pager_at(__FILE__, __LINE__, fault_badge, supervisor_badge);                  \
    if (ktest::failed())                                                                           \
    return

inline ThreadOptions with(const Pager& p, bool fault_endpoint = true)
{
    ThreadOptions o;
    o.fault_endpoint = fault_endpoint ? p.fault_cap : 0;
    o.supervisor = p.supervisor_cap;
    return o;
}

// The thread has not moved since it faulted.
#define KT_STILL_BLOCKED(t, progress_value)                                                        \
    do {                                                                                           \
        settle(10);                                                                                \
        KT_CHECK(load((t)->progress) == (progress_value), "the faulting thread moved on ({} -> {})", \
                 uint64_t(progress_value), load((t)->progress));                                   \
        KT_EXPECT_ERR(kapi::nb_recv(p.supervisor), Error::WouldBlock);                             \
    } while (0)

} // namespace ktest
