// proc_zombies: makes zombies and never waits. It starts children that exit
// at once until its limit of children (running or not waited for) is
// reached, waits until none of them runs any more, shows that the zombies
// still count (TooManyChildren), and exits without waiting. init must free
// the zombies with it: run twice in a row, the second run gets the same
// limit, not a full table.
//
//   proc_zombies          the zombie maker
//   proc_zombies quick    a child: exits at once
#include "hostile_process.h"

namespace {
constexpr const char* name = "proc_zombies";
}

int main(int argc, char** argv)
{
    if (argc >= 2 && strcmp(argv[1], "quick") == 0)
        return 0;
    const char* child_argv[] = { "/bin/proc_zombies", "quick" };
    unsigned started = 0;
    for (; started < hostile::process::max_children; ++started) {
        auto pid = libc::spawn(child_argv, 2);
        if (pid.is_error())
            programs::fail(name, "spawning below the limit", pid.error());
    }
    // All ended: zombies now, nobody waits for them.
    if (!hostile::yield_until([] { return hostile::count_programs(name) == 1; }))
        programs::fail(name, "the children never ended");
    programs::say("{}: {} children ended, none waited for\n", name, started);
    hostile::expect(name, "one more child", hostile::error_of(libc::spawn(child_argv, 2)),
                    ipc::Error::TooManyChildren);
    programs::say("{}: exiting with its zombies\n", name);
    return 0;
}
