// proc_steal: kills and waits for another program's child. The run-list
// program starts an owner; the owner starts a victim (/bin/spin) and a
// thief, which is handed the victim's pid. The thief's Kill and Wait must be
// refused (NotPermitted: not its child); so must words that only alias the
// victim's pid in their low 32 bits. The owner then kills and waits for its
// own child, which works.
//
//   proc_steal               the harness (init's own program)
//   proc_steal owner         starts the victim and the thief
//   proc_steal thief PID     attacks PID (the shell case hands it a shell job)
#include "hostile_process.h"

namespace {

constexpr const char* name = "proc_steal";

int thief(uint64_t victim)
{
    using hostile::expect;
    expect(name, "thief: kill another program's child", hostile::error_of(libc::kill(victim)),
           ipc::Error::NotPermitted);
    expect(name, "thief: wait for another program's child", hostile::error_of(libc::wait(victim)),
           ipc::Error::NotPermitted);
    // A pid word with high bits set names no process: never the victim.
    expect(name, "thief: kill the pid plus 2^32",
           hostile::raw_request(hostile::process::Label::Kill, { victim | (uint64_t(1) << 32) }),
           ipc::Error::NotFound);
    expect(name, "thief: wait for pid 0", hostile::raw_request(hostile::process::Label::Wait, { 0 }),
           ipc::Error::NotFound);
    return 0;
}

int owner()
{
    const char* victim_argv[] = { "/bin/spin" };
    auto victim = libc::spawn(victim_argv, 1);
    if (victim.is_error())
        programs::fail(name, "owner: spawning the victim", victim.error());
    char pid_text[24];
    ipc::fmt::BufferSink sink(pid_text, sizeof(pid_text));
    ipc::fmt::format(sink, "{}", victim.value());
    pid_text[sink.length()] = 0;
    const char* thief_argv[] = { "/bin/proc_steal", "thief", pid_text };
    hostile::run_and_wait(name, thief_argv, 3);
    // Its own child: Kill and Wait work.
    if (auto killed = libc::kill(victim.value()); killed.is_error())
        programs::fail(name, "owner: killing its own child", killed.error());
    auto status = libc::wait(victim.value());
    if (status.is_error() || status.value().kind != hostile::process::ExitKind::Killed)
        programs::fail(name, "owner: waiting for its own killed child");
    programs::say("{}: owner: killed and waited for its own child (pid {})\n", name, victim.value());
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc >= 3 && strcmp(argv[1], "thief") == 0)
        return thief(hostile::parse_number(argv[2]));
    if (argc >= 2 && strcmp(argv[1], "owner") == 0)
        return owner();
    const char* owner_argv[] = { "/bin/proc_steal", "owner" };
    hostile::run_and_wait(name, owner_argv, 2);
    programs::say("{}: done\n", name);
    return 0;
}
