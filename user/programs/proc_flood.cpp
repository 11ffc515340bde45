// proc_flood: spawns children until refused. The flooder (a spawned
// program) starts /bin/spin until its Spawn fails: it must be refused with
// TooManyChildren after exactly max_children, and stay refused. Meanwhile
// another parent (the harness) still spawns and runs a program. The harness
// then ends the spins (as init's own program it holds the operator right,
// which may kill any program), and the flooder, waiting for each, exits.
//
//   proc_flood          the harness
//   proc_flood flood    the flooder
#include "hostile_process.h"

namespace {

constexpr const char* name = "proc_flood";
constexpr unsigned limit = hostile::process::max_children;

int flood()
{
    const char* spin_argv[] = { "/bin/spin" };
    uint64_t pids[limit] {};
    unsigned started = 0;
    ipc::Error refused = ipc::Error::None;
    while (refused == ipc::Error::None) {
        auto pid = libc::spawn(spin_argv, 1);
        if (pid.is_error()) {
            refused = pid.error();
            break;
        }
        if (started == limit)
            programs::fail(name, "flood: a child past the limit was started");
        pids[started++] = pid.value();
    }
    programs::say("{}: flood: {} children, then: {}\n", name, started, ipc::error_name(refused));
    if (started != limit || refused != ipc::Error::TooManyChildren)
        programs::fail(name, "flood: the limit is not max_children with TooManyChildren");
    hostile::expect(name, "flood: again", hostile::error_of(libc::spawn(spin_argv, 1)),
                    ipc::Error::TooManyChildren);
    for (unsigned i = 0; i < started; ++i) {
        auto status = libc::wait(pids[i]);
        if (status.is_error() || status.value().kind != hostile::process::ExitKind::Killed)
            programs::fail(name, "flood: waiting for a killed child");
    }
    programs::say("{}: flood: all {} children ended and were waited for\n", name, started);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc >= 2 && strcmp(argv[1], "flood") == 0)
        return flood();
    const char* flood_argv[] = { "/bin/proc_flood", "flood" };
    auto flooder = libc::spawn(flood_argv, 2);
    if (flooder.is_error())
        programs::fail(name, "spawning the flooder", flooder.error());
    if (!hostile::yield_until([] { return hostile::count_programs("spin") == limit; }))
        programs::fail(name, "the flooder never reached its limit");
    // Someone else's limit is not ours.
    const char* hello_argv[] = { "/bin/hello", "while-flooded" };
    hostile::run_and_wait(name, hello_argv, 2);
    unsigned killed = 0;
    for (uint64_t i = 0; i < 256;) {
        auto entry = libc::list_process(i);
        if (entry.is_error())
            break;
        if (entry.value().kind() == hostile::process::EntryKind::Program
            && strcmp(entry.value().name(), "spin") == 0
            && !libc::kill(entry.value().pid().value()).is_error()) {
            ++killed;
            continue; // the list moved up by one
        }
        ++i;
    }
    programs::say("{}: killed {} spins\n", name, killed);
    auto status = libc::wait(flooder.value());
    if (status.is_error() || status.value().kind != hostile::process::ExitKind::Exited
        || status.value().status != 0)
        programs::fail(name, "the flooder did not exit with status 0");
    programs::say("{}: done\n", name);
    return 0;
}
