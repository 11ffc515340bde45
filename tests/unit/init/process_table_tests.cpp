// init's program table (servers/init/process_table.h): pid allocation
// across the wrap of the pid space, the per-parent and table limits, who may
// wait for or kill whom, and what becomes of children when a program ends.

#include "../doctest_ipc_error.h"
#include <process_table.h>
#include <set>

using init::ExitRecord;
using init::Pid;
using init::ProgramState;
using init::ProgramTable;
using ipc::Error;

namespace {

// A running child of `parent`.
Pid run(ProgramTable& table, Pid parent, const char* name = "prog")
{
    auto reserved = table.reserve(parent, name, false);
    REQUIRE(!reserved.is_error());
    table.started(reserved.value());
    return table.at(reserved.value()).pid;
}

ProgramTable::Ended end(ProgramTable& table, Pid pid)
{
    init::Program* p = table.find(pid);
    REQUIRE(p != nullptr);
    return table.ended(table.index_of(*p), ExitRecord {});
}

ProgramState state_of(ProgramTable& table, Pid pid)
{
    init::Program* p = table.find(pid);
    return p ? p->state : ProgramState::Free;
}

} // namespace

TEST_CASE("program table: pids count up from 1")
{
    ProgramTable table;
    CHECK(run(table, Pid::none()) == Pid(1));
    CHECK(run(table, Pid(1)) == Pid(2));
    CHECK(run(table, Pid(1)) == Pid(3));
}

TEST_CASE("program table: pids wrap around the 32-bit space to 1, never 0")
{
    ProgramTable table(0xffff'fffeu);
    CHECK(run(table, Pid::none()) == Pid(0xffff'fffeu));
    CHECK(run(table, Pid::none()) == Pid(0xffff'ffffu));
    CHECK(run(table, Pid::none()) == Pid(1));
    CHECK(run(table, Pid::none()) == Pid(2));
}

TEST_CASE("program table: after the wrap, pids still in use are skipped")
{
    // A pid space of 1..6, so the counter comes round again in a test.
    ProgramTable table(1, 6);
    Pid shell = run(table, Pid::none()); // 1, for the whole test
    Pid two = run(table, shell);         // 2, still running at the wrap
    for (int i = 0; i < 3; ++i) {        // 3, 4, 5 come and go
        Pid p = run(table, shell);
        end(table, p);
        auto waited = table.wait_target(shell, p);
        REQUIRE(!waited.is_error());
        table.release(waited.value());
    }
    CHECK(run(table, shell) == Pid(6));
    // The counter wraps: 1 and 2 are taken, 3 is free again.
    CHECK(run(table, shell) == Pid(3));
    CHECK(table.find(two) != nullptr);
    std::set<uint32_t> seen;
    for (unsigned i = 0; i < table.used(); ++i)
        seen.insert(table.running(i)->pid.value());
    CHECK(seen.size() == table.used()); // no pid twice
}

TEST_CASE("program table: a pid space with every pid taken is TableFull, not a loop")
{
    ProgramTable table(1, 2);
    run(table, Pid::none());
    run(table, Pid::none());
    CHECK(table.reserve(Pid::none(), "x", false).error() == Error::TableFull);
}

TEST_CASE("program table: a refused Spawn gives its entry back")
{
    ProgramTable table;
    for (int i = 0; i < 1000; ++i) {
        auto reserved = table.reserve(Pid(1), "doomed", false);
        REQUIRE(!reserved.is_error());
        table.release(reserved.value());
    }
    CHECK(table.used() == 0);
    CHECK(table.children_of(Pid(1)) == 0);
}

TEST_CASE("program table: one parent's limit of children leaves everyone else spawning")
{
    ProgramTable table;
    Pid flooder = run(table, Pid::none());
    Pid other = run(table, Pid::none());
    for (unsigned i = 0; i < init::max_children; ++i)
        run(table, flooder);
    CHECK(table.reserve(flooder, "one-more", false).error() == Error::TooManyChildren);
    Pid fine = run(table, other);
    CHECK(!fine.is_none());

    // Zombies count: ending children frees no room until the parent waits.
    Pid child = table.running(2)->pid;
    REQUIRE(table.find(child)->parent == flooder);
    end(table, child);
    CHECK(state_of(table, child) == ProgramState::Zombie);
    CHECK(table.reserve(flooder, "one-more", false).error() == Error::TooManyChildren);
    auto waited = table.wait_target(flooder, child);
    REQUIRE(!waited.is_error());
    table.release(waited.value());
    CHECK(!table.reserve(flooder, "one-more", false).is_error());
}

TEST_CASE("program table: the table's own limit is TableFull")
{
    ProgramTable table;
    Pid parents[init::program_table_size];
    unsigned n = 0;
    while (table.used() < init::program_table_size) {
        Pid parent = n < 2 ? Pid::none() : parents[n % 2];
        parents[n++] = run(table, parent);
    }
    CHECK(table.reserve(Pid::none(), "x", false).error() == Error::TableFull);
    CHECK(table.reserve(parents[5], "x", false).error() == Error::TableFull);
    end(table, parents[0]); // init's own: freed at once, with its zombies; its children go to init
    CHECK(!table.reserve(Pid::none(), "x", false).is_error());
}

TEST_CASE("program table: Wait is for one's own children only")
{
    ProgramTable table;
    Pid a = run(table, Pid::none());
    Pid b = run(table, Pid::none());
    Pid child_of_a = run(table, a);

    CHECK(!table.wait_target(a, child_of_a).is_error());
    CHECK(table.wait_target(b, child_of_a).error() == Error::NotPermitted);
    CHECK(table.wait_target(a, a).error() == Error::InvalidArgument); // itself: would never end
    CHECK(table.wait_target(a, Pid(999)).error() == Error::NotFound);
    CHECK(table.wait_target(Pid::none(), child_of_a).error() == Error::NotPermitted); // a server
    CHECK(table.wait_target(child_of_a, a).error() == Error::NotPermitted);           // its parent

    // A Spawn in progress is no one's child yet.
    auto starting = table.reserve(a, "starting", false);
    REQUIRE(!starting.is_error());
    CHECK(table.wait_target(a, table.at(starting.value()).pid).error() == Error::NotFound);
}

TEST_CASE("program table: Kill is for one's own children, or any program for an operator")
{
    ProgramTable table;
    Pid shell = run(table, Pid::none());
    Pid job = run(table, shell);
    Pid hostile = run(table, shell);
    Pid hostile_child = run(table, hostile);

    CHECK(!table.kill_target(shell, false, job).is_error());
    CHECK(!table.kill_target(hostile, false, hostile_child).is_error());
    CHECK(table.kill_target(hostile, false, job).error() == Error::NotPermitted);
    CHECK(table.kill_target(hostile, false, shell).error() == Error::NotPermitted);
    CHECK(table.kill_target(Pid::none(), false, job).error() == Error::NotPermitted);
    // The operator (the shell, the console's Ctrl-C) may end any program.
    CHECK(!table.kill_target(shell, true, hostile_child).is_error());
    CHECK(!table.kill_target(Pid::none(), true, job).is_error());
    CHECK(table.kill_target(shell, true, Pid(999)).error() == Error::NotFound);
    // An ended program cannot be killed again.
    end(table, job);
    CHECK(table.kill_target(shell, false, job).error() == Error::NotFound);
}

TEST_CASE("program table: an ending program's children go to init, its zombies are freed")
{
    ProgramTable table;
    Pid shell = run(table, Pid::none());
    Pid parent = run(table, shell);
    Pid running = run(table, parent);
    Pid zombie = run(table, parent);
    Pid waited_for = run(table, parent);
    end(table, zombie);
    table.find(waited_for)->waiter = 77; // the parent's saved Reply cap while it waits

    auto effects = end(table, parent);
    CHECK_FALSE(effects.freed); // the shell may still wait for it
    CHECK(state_of(table, parent) == ProgramState::Zombie);
    CHECK(effects.zombies == 1);
    CHECK(effects.orphans == 2);
    REQUIRE(effects.stale_waiter_count == 1);
    CHECK(effects.stale_waiters[0] == 77);
    CHECK(table.find(zombie) == nullptr);
    CHECK(table.find(running)->parent.is_none());
    CHECK(table.find(waited_for)->waiter == 0);
    CHECK(table.children_of(parent) == 0);

    // init's own (an orphan) is freed as soon as it ends: nobody can wait for it.
    auto orphan_ended = end(table, running);
    CHECK(orphan_ended.freed);
    CHECK(table.find(running) == nullptr);
    // The shell can no longer wait for its grandchild, and never could.
    CHECK(table.wait_target(shell, waited_for).error() == Error::NotPermitted);
}

TEST_CASE("program table: a zombie maker's zombies are gone once it ends")
{
    ProgramTable table;
    Pid maker = run(table, Pid::none());
    for (unsigned i = 0; i < init::max_children; ++i)
        end(table, run(table, maker));
    CHECK(table.used() == 1 + init::max_children);
    auto effects = end(table, maker);
    CHECK(effects.freed);
    CHECK(effects.zombies == init::max_children);
    CHECK(table.used() == 0);
}

TEST_CASE("program table: List sees running programs only, in table order")
{
    ProgramTable table;
    Pid a = run(table, Pid::none(), "a");
    Pid b = run(table, a, "b");
    auto starting = table.reserve(a, "starting", false);
    REQUIRE(!starting.is_error());
    Pid c = run(table, a, "c");
    end(table, b);
    REQUIRE(table.running(0) != nullptr);
    CHECK(table.running(0)->pid == a);
    REQUIRE(table.running(1) != nullptr);
    CHECK(table.running(1)->pid == c);
    CHECK(table.running(2) == nullptr);
}

TEST_CASE("program table: what each badge allows, request by request")
{
    using ipc::proto::Badge;
    using Label = ipc::proto::process::Label;
    const Error ok = Error::None, no = Error::NotPermitted;
    struct Row {
        const char* who;
        Badge badge;
        Error spawn, wait, kill, list, exit, power_off, reboot;
    };
    const Row rows[] = {
        { "a spawned program", Badge::client(5), ok, ok, ok, ok, ok, no, no },
        { "the shell (operator)", Badge::client(1).with_operator(), ok, ok, ok, ok, ok, ok, ok },
        { "the console (operator, no pid)", Badge().with_operator(), no, no, ok, ok, no, ok, ok },
        { "a server without rights", Badge(), no, no, ok, ok, no, no, no },
        { "an exit notice", Badge::exit_notice_of(5), no, no, no, no, no, no, no },
        { "a fault badge", Badge::fault_of(5), no, no, no, no, no, no, no },
        { "the pager's control badge", Badge::control(), no, no, no, no, no, no, no },
        { "unknown bits", Badge::from_raw(uint64_t(1) << 40 | 5), no, no, no, no, no, no, no },
    };
    for (const Row& row : rows) {
        CAPTURE(row.who);
        auto allows = [&](Label label) { return init::badge_allows(row.badge, uint32_t(label)); };
        auto error = [](ipc::Result<void> r) { return r.is_error() ? r.error() : Error::None; };
        CHECK(error(allows(Label::Spawn)) == row.spawn);
        CHECK(error(allows(Label::Wait)) == row.wait);
        CHECK(error(allows(Label::Kill)) == row.kill);
        CHECK(error(allows(Label::List)) == row.list);
        CHECK(error(allows(Label::Exit)) == row.exit);
        CHECK(error(allows(Label::PowerOff)) == row.power_off);
        CHECK(error(allows(Label::Reboot)) == row.reboot);
    }
    // An unknown label, and the kernel's ThreadExit label from a program.
    CHECK(init::badge_allows(Badge::client(5), 0x399).error() == Error::InvalidArgument);
    CHECK(init::badge_allows(Badge::client(5), 0x3000).error() == Error::InvalidArgument);
}
