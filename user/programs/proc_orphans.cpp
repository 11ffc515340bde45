// proc_orphans: leaves running children behind. The first run starts three
// children that keep running a while and exits at once; init takes them
// over and reaps each when it ends ("init: orphan proc_orphans (pid N)
// exited with status 0"). The check run waits until none is left and shows
// that spawning still works.
//
//   proc_orphans          starts the children and exits
//   proc_orphans linger   a child: yields a while, then exits 0
//   proc_orphans check    waits for the orphans to be gone, then spawns
#include "hostile_process.h"

namespace {
constexpr const char* name = "proc_orphans";
constexpr unsigned children = 3;
} // namespace

int main(int argc, char** argv)
{
    if (argc >= 2 && strcmp(argv[1], "linger") == 0) {
        for (unsigned i = 0; i < 3000; ++i)
            (void)kapi::yield();
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "check") == 0) {
        if (!hostile::yield_until([] { return hostile::count_programs(name) == 1; }))
            programs::fail(name, "check: the orphans never went away");
        programs::say("{}: check: the orphans are gone\n", name);
        const char* hello_argv[] = { "/bin/hello", "after-orphans" };
        hostile::run_and_wait(name, hello_argv, 2);
        return 0;
    }
    const char* child_argv[] = { "/bin/proc_orphans", "linger" };
    for (unsigned i = 0; i < children; ++i) {
        auto pid = libc::spawn(child_argv, 2);
        if (pid.is_error())
            programs::fail(name, "spawning a child", pid.error());
        programs::say("{}: started child pid {}\n", name, pid.value());
    }
    programs::say("{}: exiting without waiting\n", name);
    return 0;
}
