// The pager's authority table (servers/pager/authority.h): every kind of
// badge against every scope, allowed or refused with NotPermitted.

#include "../doctest_ipc_error.h"
#include <pager/authority.h>
#include <string>

using ipc::Error;
using ipc::proto::Badge;
using pager::authorize;
using pager::Scope;

namespace {

constexpr uint32_t self = 5, other = 6;

struct Row {
    const char* who;
    Badge badge;
    // Expected for: Control, OwnSpace, Inspect(own pid; pid 5 for a badge without one), Inspect(0),
    // Inspect(another pid), MachineWide, Anyone
    bool allowed[7];
};

} // namespace

TEST_CASE("pager authority: badge x request -> allowed or refused")
{
    const Row rows[] = {
        { "program", Badge::client(self), { false, true, true, true, false, false, true } },
        { "operator (the shell)",
          Badge::client(self).with_operator(),
          { false, true, true, true, true, true, true } },
        { "init (control)", Badge::control(), { true, false, false, true, false, false, true } },
        { "fault cap", Badge::fault_of(self), { false, false, false, false, false, false, false } },
        { "exit-notice cap",
          Badge::exit_notice_of(self),
          { false, false, false, false, false, false, false } },
        { "forged bits",
          Badge::from_raw(Badge::client(self).raw() | (uint64_t(1) << 40)),
          { false, false, false, false, false, false, false } },
        { "unbadged", Badge::from_raw(0), { false, false, false, true, false, false, true } },
    };
    for (const Row& row : rows) {
        CAPTURE(std::string(row.who));
        auto check = [&](unsigned column, Scope scope, uint64_t target) {
            CAPTURE(column);
            Error expected = row.allowed[column] ? Error::None : Error::NotPermitted;
            CHECK(authorize(row.badge, scope, target) == expected);
        };
        check(0, Scope::Control, 0);
        check(1, Scope::OwnSpace, 0);
        check(2, Scope::Inspect, row.badge.pid() ? row.badge.pid() : self);
        check(3, Scope::Inspect, 0);
        check(4, Scope::Inspect, other);
        check(5, Scope::MachineWide, 0);
        check(6, Scope::Anyone, 0);
    }
}

TEST_CASE("pager authority: a program may inspect itself by its own pid, not a pid 4096 away")
{
    Badge program = Badge::client(1);
    CHECK(authorize(program, Scope::Inspect, 1) == Error::None);
    CHECK(authorize(program, Scope::Inspect, 4097) == Error::NotPermitted);
    CHECK(authorize(program, Scope::Inspect, (uint64_t(1) << 32) | 1) == Error::NotPermitted);
}
