// data_private: an initialised global in .data, private to every process.
//
//   data_private                 the parent: sets its copy to 7, spawns two
//                                children of the same program, waits for both
//   data_private child VALUE     a child: its copy must still hold 42 (the
//                                file's value, not the parent's 7), then it
//                                writes VALUE and keeps checking it while the
//                                other child runs and writes its own value
//
// Both children run the same file, so the pager shares their text frames
// (one page-cache frame per file page) while each gets its own copy of the
// data page. The parent reads the pager's Stats before and after the
// children and prints
//   data_private: text maps N, file reads N
// the text/rodata pages the pager mapped meanwhile and how many pages it read
// from the file server: with shared text most mappings need no read at all.
// It prints `data_private: ok` when both children exited 0 and its own copy
// is still 7.
#include "common.h"
#include <process.h>
#include <string.h>

namespace {

volatile int g_value = 42;

constexpr int file_value = 42;
constexpr int parent_value = 7;
constexpr unsigned child_rounds = 200;

int parse(const char* text)
{
    int value = 0;
    for (; *text >= '0' && *text <= '9'; ++text)
        value = value * 10 + (*text - '0');
    return value;
}

// The pager's counters this program checks (its Stats reply).
struct Stats {
    uint64_t text_maps;
    uint64_t file_fills;
};

ipc::Result<Stats> pager_stats()
{
    auto s = TRY(libc::pager::stats());
    using ipc::proto::pager::RegionType;
    return Stats { s.populated_by_type[unsigned(RegionType::Text)]
                       + s.populated_by_type[unsigned(RegionType::RoData)],
                   s.file_fills };
}

int run_child(int mine)
{
    if (g_value != file_value) {
        programs::say("data_private: child {}: FAIL: the global starts as {}, not {}\n", mine, g_value,
                      file_value);
        return 2;
    }
    g_value = mine;
    for (unsigned round = 0; round < child_rounds; ++round) {
        (void)kapi::yield();
        if (g_value != mine) {
            programs::say("data_private: child {}: FAIL: the global changed to {} in round {}\n", mine,
                          g_value, round);
            return 3;
        }
    }
    programs::say("data_private: child {}: the global kept its value for {} rounds\n", mine, child_rounds);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc >= 3 && strcmp(argv[1], "child") == 0)
        return run_child(parse(argv[2]));

    g_value = parent_value;
    auto before = pager_stats();
    const char* values[2] = { "1111", "2222" };
    uint64_t pids[2] {};
    for (unsigned i = 0; i < 2; ++i) {
        const char* child_argv[] = { argv[0], "child", values[i] };
        auto pid = libc::spawn(child_argv, 3);
        if (pid.is_error())
            programs::fail("data_private", "spawning a child", pid.error());
        pids[i] = pid.value();
        programs::say("data_private: started child pid {} with value {}\n", pids[i], values[i]);
    }
    bool all_ok = true;
    for (uint64_t pid : pids) {
        auto status = libc::wait(pid);
        if (status.is_error())
            programs::fail("data_private", "waiting for a child", status.error());
        bool exited = status.value().kind == ipc::proto::process::ExitKind::Exited;
        programs::say("data_private: child pid {} {} {}\n", pid,
                      exited ? "exited with status" : "was killed, word", status.value().status);
        if (!exited || status.value().status != 0)
            all_ok = false;
    }
    auto after = pager_stats();
    if (before.is_error() || after.is_error()) {
        programs::say("data_private: no pager Stats: {}\n",
                      ipc::error_name(before.is_error() ? before.error() : after.error()));
    } else {
        programs::say("data_private: text maps {}, file reads {}\n",
                      after.value().text_maps - before.value().text_maps,
                      after.value().file_fills - before.value().file_fills);
    }
    if (g_value != parent_value)
        programs::fail("data_private", "the parent's copy of the global changed");
    if (!all_ok)
        programs::fail("data_private", "a child saw another process's write");
    programs::say("data_private: ok\n");
    return 0;
}
