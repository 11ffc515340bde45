#pragma once
// init's options on the kernel command line: the "init." and "pager." words
// (ipc/boot_options.h says who owns which word of the line).
//
//   init.run=PROG[:ARG...][,PROG...]  up to 16 programs to run, in order (default:
//                                     the shell, or hello without a console)
//   pager.policy=lazy|eager|around=N  the pager's policy at boot (default lazy;
//                                     N from 1 to 512)
//   pager.log=debug|off               one log line per fault decision (default off)
//   pager.pool=N                      frames the pager retypes and zeroes ahead,
//                                     0 to 65535 (default 0: none)
//
// init reports each of these words it will not use as written (unknown key,
// bad value, repeated key) in one line and goes on with the default. The
// pager options reach the pager as its start flags.
//
// Pure logic, tested on the host (tests/unit/init/options_tests.cpp).

#include <cstdint>
#include <ipc/boot_options.h>
#include <ipc/proto/pager.h>
#include <string_view>

namespace init {

// The most programs init.run names.
inline constexpr unsigned max_programs = 16;

struct Options {
    // init.run's value, "prog:arg,prog2"; empty: the default program.
    std::string_view run;
    // The pager's start arguments (start argument 1, encoded by
    // StartArguments::encode; servers/pager/main.cpp decodes them).
    ipc::proto::pager::StartArguments pager;
};

// The problem with `word` (one of `line`'s words), if init owns it.
ipc::boot_options::Finding check_word(std::string_view line, const ipc::boot_options::Word& word);
// The options in use: the first valid word of each key, else the default.
Options options_in_use(std::string_view line);

// Calls report(const char* message) once for each problem, in the order of
// the words, and returns the options in use.
template<typename Report>
Options read_options(std::string_view line, Report report)
{
    using namespace ipc::boot_options;
    char message[message_capacity];
    for (Words words(line); Word word = words.next();) {
        if (Finding finding = check_word(line, word)) {
            describe(finding, message);
            report(static_cast<const char*>(message));
        }
    }
    return options_in_use(line);
}

} // namespace init
