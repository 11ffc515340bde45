// pager_snoop (hostile): a program spawned by another one tries the pager's
// machine-wide requests, which only the operator (the shell init starts)
// may make:
//   pager_snoop            spawns spin (a victim) and `pager_snoop child PID`,
//                          waits for the child, then kills spin
//   pager_snoop child PID  tries each of these and expects `not permitted`:
//                          switching the policy, tracing every process,
//                          Query, Why and Trace of PID (and of PID + 4096);
//                          then checks it may still query, explain and
//                          trace itself and read the policy in force
// Prints one line per refusal and `pager_snoop: child: ok`; the child's exit
// status is the parent's (0 when every check held).
#include "common.h"
#include <process.h>

namespace {

using ipc::Error;

void expect_refused(const char* what, Error e)
{
    programs::say("pager_snoop: child: {}: {}\n", what, ipc::error_name(e));
    if (e != Error::NotPermitted)
        programs::fail("pager_snoop", "a machine-wide pager request was not refused as not permitted");
}

template<typename T>
Error error_of(const ipc::Result<T>& r)
{
    return r.is_error() ? r.error() : Error::None;
}

int child(uint64_t victim)
{
    auto victim_pid = uint32_t(victim);
    expect_refused("pager policy eager", error_of(libc::pager::policy("eager")));
    expect_refused("trace every process", error_of(libc::pager::trace(0, true)));
    expect_refused("query another pid", error_of(libc::pager::query(victim_pid, 0)));
    expect_refused("why of another pid", error_of(libc::pager::why(victim_pid, 0x400000)));
    expect_refused("trace another pid", error_of(libc::pager::trace(victim_pid, true)));
    expect_refused("query a pid 4096 above", error_of(libc::pager::query(victim_pid + 4096, 0)));

    auto policy = libc::pager::policy();
    if (policy.is_error())
        programs::fail("pager_snoop", "reading the policy in force", policy.error());
    if (policy.value().name.view() != "lazy")
        programs::fail("pager_snoop", "the policy changed");
    auto own = libc::pager::query(0, 0);
    if (own.is_error())
        programs::fail("pager_snoop", "query of itself", own.error());
    auto why = libc::pager::why(0, own.value().start);
    if (why.is_error() || !why.value().has_region())
        programs::fail("pager_snoop", "why of itself");
    if (auto traced = libc::pager::trace(0, false); !traced.is_error())
        programs::fail("pager_snoop", "turning every process's trace off was accepted");
    programs::say("pager_snoop: child: its own query, why and the policy in force still answer\n");
    programs::say("pager_snoop: child: ok\n");
    return 0;
}

uint64_t parse(const char* text)
{
    uint64_t value = 0;
    for (; *text >= '0' && *text <= '9'; ++text)
        value = value * 10 + uint64_t(*text - '0');
    return value;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc == 3 && argv[1][0] == 'c')
        return child(parse(argv[2]));
    const char* victim_argv[] = { "/bin/spin" };
    auto victim = libc::spawn(victim_argv, 1);
    if (victim.is_error())
        programs::fail("pager_snoop", "spawn spin", victim.error());
    char pid_text[24];
    ipc::fmt::BufferSink sink(pid_text, sizeof(pid_text));
    ipc::fmt::format(sink, "{}", victim.value());
    pid_text[sink.length() < sizeof(pid_text) ? sink.length() : sizeof(pid_text) - 1] = 0;
    const char* child_argv[] = { argv[0], "child", pid_text };
    auto snoop = libc::spawn(child_argv, 3);
    if (snoop.is_error())
        programs::fail("pager_snoop", "spawn the child", snoop.error());
    auto status = libc::wait(snoop.value());
    (void)libc::kill(victim.value());
    (void)libc::wait(victim.value());
    if (status.is_error())
        programs::fail("pager_snoop", "wait for the child", status.error());
    char text[160];
    libc::describe_exit(status.value(), text, sizeof(text));
    programs::say("pager_snoop: child {}\n", text);
    return status.value().kind == ipc::proto::process::ExitKind::Exited ? int(status.value().status) : 1;
}
