// proc_wait_self: waits for itself, which would never end. It finds its
// own pid as the only program running (init runs its run list one program
// at a time), then Wait(itself) must be refused (InvalidArgument) at once,
// and so must Wait for words that are no pid.
#include "hostile_process.h"

namespace {
constexpr const char* name = "proc_wait_self";
}

int main(int, char**)
{
    uint64_t self = 0;
    unsigned programs_running = 0;
    for (uint64_t i = 0; i < 256; ++i) {
        auto entry = libc::list_process(i);
        if (entry.is_error())
            break;
        if (entry.value().kind() == hostile::process::EntryKind::Program) {
            ++programs_running;
            self = entry.value().pid().value();
        }
    }
    if (programs_running != 1)
        programs::fail(name, "it must run alone to know its pid");
    programs::say("{}: my pid is {}\n", name, self);
    hostile::expect(name, "wait for itself", hostile::error_of(libc::wait(self)),
                    ipc::Error::InvalidArgument);
    hostile::expect(name, "wait for its pid plus 2^32",
                    hostile::raw_request(hostile::process::Label::Wait, { self | (uint64_t(1) << 32) }),
                    ipc::Error::NotFound);
    programs::say("{}: still running\n", name);
    return 0;
}
