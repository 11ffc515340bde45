// proc_power: powers off and reboots the machine from a spawned program.
// Only init's own programs (the shell) hold the operator right, so the
// child's PowerOff and Reboot are refused (NotPermitted), a malformed
// PowerOff too (authority is checked before the words); the machine stays up.
//
//   proc_power          the harness (init's own program: it has the right
//                       and does not use it)
//   proc_power child    the attack (the shell case runs this from the shell)
#include "hostile_process.h"

namespace {

constexpr const char* name = "proc_power";

int child()
{
    using hostile::expect;
    expect(name, "child: poweroff", hostile::error_of(libc::power_off()), ipc::Error::NotPermitted);
    expect(name, "child: reboot", hostile::error_of(libc::reboot()), ipc::Error::NotPermitted);
    expect(name, "child: poweroff with a stray word",
           hostile::raw_request(hostile::process::Label::PowerOff, { 1 }), ipc::Error::NotPermitted);
    programs::say("{}: child: the machine is still up\n", name);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc >= 2 && strcmp(argv[1], "child") == 0)
        return child();
    const char* child_argv[] = { "/bin/proc_power", "child" };
    hostile::run_and_wait(name, child_argv, 2);
    programs::say("{}: done\n", name);
    return 0;
}
