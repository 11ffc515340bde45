#pragma once
// The kernel's own command-line options, and the check of every word the
// kernel owns (ipc/boot_options.h says who owns which word):
//
//   loglevel=debug|info|warn|error   log threshold (default info)
//   fastpath=on|off                  the IPC fast path (default on)
//   timer.hz=N                       tick rate; timer_rate() in main.cpp judges N
//   init=NAME                        root task module (default init); the
//                                    kernel panics if no module has the name
//   test.fault=KIND                  for tests: take a kernel exception on purpose
//
// Any other word is reported once (unknown, repeated, bad value) and the
// kernel boots on with the default; words in a server's namespace (init.,
// pager., ktest., kbench.) are passed on to the root task unjudged.
//
// Pure logic, tested on the host (tests/unit/boot_options_tests.cpp).

#include "cmdline.h"
#include "log.h"
#include <ipc/boot_options.h>

namespace kernel::boot_options {

// The first problem with `word` (one of `line`'s words), if the kernel owns it.
ipc::boot_options::Finding check_word(std::string_view line, const ipc::boot_options::Word& word);
// The line's own problem, if any: longer than the root task's copy.
ipc::boot_options::Finding check_length(std::string_view line);

// Calls report(const char* message) once for each problem, in the order of
// the words; returns how many there were.
template<typename Report>
size_t check(const CommandLine& command_line, Report report)
{
    using namespace ipc::boot_options;
    char message[message_capacity];
    size_t problems = 0;
    auto note = [&](const Finding& finding) {
        if (!finding)
            return;
        describe(finding, message);
        report(static_cast<const char*>(message));
        ++problems;
    };
    for (Words words(command_line.text()); Word word = words.next();)
        note(check_word(command_line.text(), word));
    note(check_length(command_line.text()));
    return problems;
}

// The values in use: the first valid word's, else the default.
log::Level log_level(const CommandLine&);
bool fastpath_on(const CommandLine&);
// The kernel exception test.fault asks for, if it names one; else empty.
std::string_view test_fault(const CommandLine&);

} // namespace kernel::boot_options
