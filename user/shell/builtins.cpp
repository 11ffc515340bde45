// The builtin table and the general builtins: help, echo, ls, cat, ps,
// kill, poweroff, reboot. The pager's inspection commands are in
// pager_commands.cpp, programs and jobs in jobs.cpp.
#include "commands.h"
#include "io.h"
#include <files.h>
#include <ipc/proto/process.h>
#include <ipc/proto/slots.h>
#include <process.h>

namespace shell {

using ipc::Error;
namespace process = ipc::proto::process;
namespace fs = ipc::proto::fs;

namespace {

const Builtin g_builtins[] = {
    { "help", "help", "this list", cmd_help, 0, 0 },
    { "ls", "ls [DIR]", "list a directory of the initrd (default /)", cmd_ls, 0, 1 },
    { "cat", "cat FILE", "print a file", cmd_cat, 1, 1 },
    { "echo", "echo [WORD...]", "print the words", cmd_echo, 0, max_args - 1 },
    { "ps", "ps", "list the processes", cmd_ps, 0, 0 },
    { "jobs", "jobs", "list the background jobs still running", cmd_jobs, 0, 0 },
    { "kill", "kill PID", "end a process", cmd_kill, 1, 1 },
    { "vm", "vm PID", "regions: range, type, rights, backing, resident and dirty pages", cmd_vm, 1, 1 },
    { "stats", "stats", "the pager's counters and free/used memory", cmd_stats, 0, 0 },
    { "why", "why PID ADDR", "the region at ADDR and the pager's decision for read/write/exec", cmd_why, 2,
      2 },
    { "trace", "trace [PID] [on|off]", "stream the pager's fault trace (every process, or one)", cmd_trace, 0,
      2 },
    { "pager", "pager policy [NAME]", "list the pager's policies and the current one, or switch", cmd_pager,
      1, 2 },
    { "poweroff", "poweroff", "turn the machine off", cmd_poweroff, 0, 0 },
    { "reboot", "reboot", "restart the machine", cmd_reboot, 0, 0 },
};

} // namespace

const Builtin* find_builtin(const char* name)
{
    for (const Builtin& b : g_builtins) {
        if (same(b.name, name))
            return &b;
    }
    return nullptr;
}

bool check_usage(const Builtin& b, const CommandLine& line)
{
    size_t args = line.argc - 1;
    if (args >= b.min_args && args <= b.max_args)
        return true;
    print("usage: {}\n", b.usage);
    return false;
}

void run_command(const CommandLine& line)
{
    if (line.argc == 0)
        return;
    if (const Builtin* b = find_builtin(line.argv[0])) {
        if (line.background) {
            print("{}: a builtin cannot run in the background\n", b->name);
            return;
        }
        if (check_usage(*b, line))
            b->run(line);
        return;
    }
    run_program(line);
}

bool pid_argument(const char* command, const char* text, uint64_t& pid)
{
    if (parse_decimal(text, pid) && pid != 0)
        return true;
    print("{}: bad pid '{}'\n", command, text);
    return false;
}

void cmd_help(const CommandLine&)
{
    for (const Builtin& b : g_builtins)
        print("  {:22} {}\n", b.usage, b.summary);
    print("  {:22} {}\n", "NAME [ARG...] [&]", "run /bin/NAME (with &: in the background)");
    write("Keys: Backspace, Ctrl-U (erase line), Ctrl-W (erase word), Up/Down (history),\n"
          "      Ctrl-C (kill the program running in the foreground)\n");
}

void cmd_echo(const CommandLine& line)
{
    char text[max_line + 2];
    size_t n = 0;
    for (size_t i = 1; i < line.argc; ++i) {
        for (const char* c = line.argv[i]; *c && n < max_line; ++c)
            text[n++] = *c;
        if (i + 1 < line.argc && n < max_line)
            text[n++] = ' ';
    }
    text[n++] = '\n';
    write(text, n);
}

void cmd_ls(const CommandLine& line)
{
    const char* path = line.argc > 1 ? line.argv[1] : "/";
    auto info = libc::open_file(path);
    if (info.is_error()) {
        print("ls: {}: {}\n", path, ipc::error_name(info.error()));
        return;
    }
    if (info.value().type != fs::FileType::Directory) {
        print("{:8}  {}\n", info.value().size, path);
        return;
    }
    // The file server may answer index i with the first child at or after
    // archive record i, so one child can come back for several indices in a
    // row: print each name once.
    char previous[sizeof(libc::DirectoryEntry::name)] {};
    for (uint64_t index = 0;; ++index) {
        auto entry = libc::list_directory(path, index);
        if (entry.is_error()) {
            if (entry.error() != Error::NotFound)
                print("ls: {}: {}\n", path, ipc::error_name(entry.error()));
            return;
        }
        const auto& e = entry.value();
        if (same(e.name, previous))
            continue;
        for (size_t i = 0; i < sizeof(previous); ++i)
            previous[i] = e.name[i];
        if (e.type == fs::FileType::Directory)
            print("       -  {}/\n", e.name);
        else
            print("{:8}  {}\n", e.size, e.name);
    }
}

void cmd_cat(const CommandLine& line)
{
    const char* path = line.argv[1];
    auto info = libc::open_file(path);
    if (info.is_error()) {
        print("cat: {}: {}\n", path, ipc::error_name(info.error()));
        return;
    }
    if (info.value().type == fs::FileType::Directory) {
        print("cat: {}: is a directory\n", path);
        return;
    }
    char buffer[256];
    uint64_t offset = 0;
    bool ends_with_newline = true;
    for (;;) {
        auto got = libc::read_file(info.value().id, offset, buffer, sizeof(buffer));
        if (got.is_error()) {
            print("cat: {}: {}\n", path, ipc::error_name(got.error()));
            return;
        }
        if (got.value() == 0)
            break;
        write(buffer, got.value());
        ends_with_newline = buffer[got.value() - 1] == '\n';
        offset += got.value();
    }
    if (!ends_with_newline)
        write("\n", 1); // the prompt starts on a line of its own
}

void cmd_ps(const CommandLine&)
{
    write("   PID  KIND     NAME\n");
    for (uint64_t index = 0;; ++index) {
        auto entry = libc::list_process(index);
        if (entry.is_error()) {
            if (entry.error() != Error::NotFound)
                print("ps: {}\n", ipc::error_name(entry.error()));
            return;
        }
        const auto& e = entry.value();
        if (e.kind() == process::EntryKind::Server) {
            print("     -  {:8} {}\n", "server", e.name()); // servers have no pid
            continue;
        }
        uint64_t pid = e.pid().value();
        print("{:6}  {:8} {}\n", pid, is_job(pid) ? "job" : "program", e.name());
    }
}

void cmd_kill(const CommandLine& line)
{
    uint64_t pid;
    if (!pid_argument("kill", line.argv[1], pid))
        return;
    auto killed = libc::kill(pid);
    if (killed.is_error()) {
        if (killed.error() == Error::NotFound)
            print("kill: no such process {}\n", pid);
        else
            print("kill: {}: {}\n", pid, ipc::error_name(killed.error()));
    }
}

namespace {
void say_refused(const char* command, ipc::Result<void> refused)
{
    // Only a refusal comes back: the machine is gone otherwise.
    print("{}: {}\n", command, ipc::error_name(refused.is_error() ? refused.error() : Error::None));
}
} // namespace

void cmd_poweroff(const CommandLine&) { say_refused("poweroff", libc::power_off()); }
void cmd_reboot(const CommandLine&) { say_refused("reboot", libc::reboot()); }

} // namespace shell
