#pragma once
// Helpers for the hostile programs that attack the process manager
// (proc_*.cpp; tests/integration/process_authority_cases.py boots each with
// `init.run=/bin/proc_X,/bin/hello`). Each attack must be refused with the
// error it names; anything else is "NAME: FAIL: ..." and exit status 1.

#include "common.h"
#include <initializer_list>
#include <ipc/proto/process.h>
#include <process.h>
#include <string.h>

namespace hostile {

using ipc::Error;
namespace process = ipc::proto::process;

inline uint64_t parse_number(const char* text)
{
    uint64_t value = 0;
    for (; *text >= '0' && *text <= '9'; ++text)
        value = value * 10 + uint64_t(*text - '0');
    return value;
}

inline Error error_of(const ipc::Result<void>& r) { return r.is_error() ? r.error() : Error::None; }
template<typename T>
Error error_of(const ipc::Result<T>& r)
{
    return r.is_error() ? r.error() : Error::None;
}

// "NAME: WHAT: refused: ERROR" when the request got `expected`; a FAIL
// line and exit status 1 otherwise (a request that worked included).
inline void expect(const char* name, const char* what, Error got, Error expected)
{
    if (got != expected) {
        programs::say("{}: FAIL: {}: got \"{}\", expected \"{}\"\n", name, what, ipc::error_name(got),
                      ipc::error_name(expected));
        libc::exit(1);
    }
    programs::say("{}: {}: refused: {}\n", name, what, ipc::error_name(got));
}

// A request to the process manager built by hand, the way no libc would
// build it: `length` words (of `words`, the rest zero) under `label`.
// Returns the error in the reply's label.
inline Error raw_request(uint32_t label, std::initializer_list<uint64_t> words, unsigned length)
{
    uint64_t w[ipc::max_message_words] {};
    unsigned n = 0;
    for (uint64_t word : words) {
        if (n < ipc::max_message_words)
            w[n++] = word;
    }
    auto r = kapi::send_message(ipc::Syscall::Call, ipc::proto::process_slot_process,
                                ipc::MessageInfo(label, length), w);
    return kapi::call_error(r);
}

inline Error raw_request(process::Label label, std::initializer_list<uint64_t> words)
{
    return raw_request(uint32_t(label), words, unsigned(words.size()));
}

// How many running programs are named `name` (List, servers skipped).
inline unsigned count_programs(const char* name)
{
    unsigned n = 0;
    for (uint64_t i = 0; i < 256; ++i) {
        auto entry = libc::list_process(i);
        if (entry.is_error())
            break;
        n += entry.value().kind() == process::EntryKind::Program && strcmp(entry.value().name(), name) == 0;
    }
    return n;
}

// Yields until `done()` holds, at most `turns` times; false if it never did.
template<typename Done>
bool yield_until(Done done, unsigned turns = 200000)
{
    for (unsigned i = 0; i < turns; ++i) {
        if (done())
            return true;
        (void)kapi::yield();
    }
    return done();
}

// Spawns argv and waits for it; FAIL unless it exits with status 0.
inline void run_and_wait(const char* name, const char* const* argv, size_t argc)
{
    auto pid = libc::spawn(argv, argc);
    if (pid.is_error())
        programs::fail(name, argv[0], pid.error());
    auto status = libc::wait(pid.value());
    if (status.is_error())
        programs::fail(name, "waiting for a child", status.error());
    if (status.value().kind != process::ExitKind::Exited || status.value().status != 0) {
        programs::say("{}: FAIL: {} (pid {}) did not exit with status 0\n", name, argv[0], pid.value());
        libc::exit(1);
    }
    programs::say("{}: {} (pid {}) ran and exited with status 0\n", name, argv[0], pid.value());
}

} // namespace hostile
