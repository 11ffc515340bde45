#pragma once
// Small helpers shared by the issue-4 test programs (one program per paging
// behaviour; tests/integration/cases.py boots each and checks what init and
// the program print). Header-only: every program is one .cpp plus this.

#include <cstddef>
#include <cstdint>
#include <ipc/proto/pager.h>
#include <ipc/proto/slots.h>
#include <kernel_api.h>
#include <pager_client.h>
#include <ipc/format.h>
#include <stdio.h>
#include <stdlib.h>
#include <syscall.h>

namespace programs {

// libc::print, but the line goes out in one write: libc::print writes each
// piece separately, so lines of processes running at the same time (and of
// the pager) could mix mid-line on the console the tests read.
template<typename... Args>
void say(const char* format, const Args&... args)
{
    char line[256];
    ipc::fmt::BufferSink sink(line, sizeof(line));
    ipc::fmt::format(sink, format, args...);
    (void)sys::debug_print(line, sink.length());
}

using ipc::proto::pager::region_type_name;
using ipc::proto::pager::RegionType;

constexpr bool is_image_region(RegionType type)
{
    return type == RegionType::Text || type == RegionType::RoData || type == RegionType::Data
        || type == RegionType::Bss;
}

// One row of the pager's Query answer.
using RegionInfo = ipc::proto::pager::RegionRow;

// Region `index` of process `pid` (0 = this one), or the pager's error
// (past the last region, any error ends the walk).
inline ipc::Result<RegionInfo> query_region(uint32_t pid, uint64_t index)
{
    return libc::pager::query(pid, index);
}

// Calls fn(const RegionInfo&) for every region of this process; returns how
// many there were (0 if Query is refused outright).
template<typename Fn>
unsigned for_each_region(Fn fn)
{
    unsigned index = 0;
    for (; index < 4096; ++index) {
        auto region = query_region(0, index);
        if (region.is_error())
            break;
        fn(region.value());
    }
    return index;
}

// The region holding `address` (NotFound if none).
inline ipc::Result<RegionInfo> region_of(uint64_t address)
{
    RegionInfo found {};
    bool ok = false;
    for_each_region([&](const RegionInfo& r) {
        if (!ok && r.contains(address)) {
            found = r;
            ok = true;
        }
    });
    if (!ok)
        return ipc::Error::NotFound;
    return found;
}

inline void print_regions(const char* name)
{
    for_each_region([&](const RegionInfo& r) {
        say("{}: region {:x}-{:x} {} resident {} of {} pages\n", name, r.start, r.end,
            region_type_name(r.type), r.resident_pages, r.pages());
    });
}

// Prints "NAME: FAIL: what" and ends the program with status 1.
[[noreturn]] inline void fail(const char* name, const char* what)
{
    say("{}: FAIL: {}\n", name, what);
    libc::exit(1);
}

[[noreturn]] inline void fail(const char* name, const char* what, ipc::Error e)
{
    say("{}: FAIL: {}: {}\n", name, what, ipc::error_name(e));
    libc::exit(1);
}

// Keeps the compiler from assuming anything about memory across this point.
inline void compiler_barrier() { asm volatile("" ::: "memory"); }

} // namespace programs
