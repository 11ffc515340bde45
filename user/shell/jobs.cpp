// Programs: `NAME ARG...` runs /bin/NAME (a name with a '/' is a path) with
// argv[0] = the path, through the process manager.
//
// Foreground: the console kills it on Ctrl-C (SetForeground), the shell
// waits, then says how it ended unless it exited with status 0.
// Background (`&`): "[pid N] started", and the shell goes on. The process
// manager cannot tell us when a job ends, so before each prompt the shell
// asks it for the list of live processes; a job missing from it has ended,
// and Wait (which then answers at once) collects and reports its status
// ("[pid N] NAME: exited with status 0"). So an ended job is reported when
// the next prompt is printed, as in sh, and is never left unreaped.
#include "commands.h"
#include "io.h"
#include <files.h>
#include <ipc/proto/process.h>
#include <ipc/proto/slots.h>
#include <ipc/proto/strings.h>
#include <process.h>
#include <string.h>

namespace shell {

using ipc::Error;
namespace process = ipc::proto::process;

namespace {

constexpr unsigned max_jobs = 16;

struct Job {
    uint64_t pid;
    char name[32];
};

Job g_jobs[max_jobs];
unsigned g_job_count = 0;

void copy(char* out, size_t capacity, const char* in)
{
    size_t n = 0;
    for (; in[n] && n + 1 < capacity; ++n)
        out[n] = in[n];
    out[n] = 0;
}

bool contains_slash(const char* s)
{
    for (; *s; ++s) {
        if (*s == '/')
            return true;
    }
    return false;
}

void remove_job(unsigned i)
{
    for (unsigned j = i + 1; j < g_job_count; ++j)
        g_jobs[j - 1] = g_jobs[j];
    --g_job_count;
}

void run_foreground(uint64_t pid, const char* name)
{
    set_foreground(pid);
    auto status = libc::wait(pid);
    set_foreground(0);
    if (status.is_error()) {
        print("{}: wait for pid {}: {}\n", name, pid, ipc::error_name(status.error()));
        return;
    }
    const libc::ExitStatus& s = status.value();
    if (s.kind == process::ExitKind::Exited) {
        if (s.status != 0)
            print("[pid {}] exited with status {}\n", pid, int64_t(s.status));
        return;
    }
    char text[200];
    libc::describe_exit(s, text, sizeof(text));
    print("{}\n", text);
}

} // namespace

bool is_job(uint64_t pid)
{
    for (unsigned i = 0; i < g_job_count; ++i) {
        if (g_jobs[i].pid == pid)
            return true;
    }
    return false;
}

void run_program(const CommandLine& line)
{
    const char* name = line.argv[0];
    char path[ipc::proto::max_path + 1];
    if (contains_slash(name)) {
        copy(path, sizeof(path), name);
    } else {
        if (strlen(name) + 5 > ipc::proto::max_path) {
            print("{}: command not found\n", name);
            return;
        }
        copy(path, sizeof(path), "/bin/");
        copy(path + 5, sizeof(path) - 5, name);
    }
    auto file = libc::open_file(path);
    if (file.is_error()) {
        if (file.error() == Error::NotFound)
            print("{}: command not found\n", name);
        else
            print("{}: {}\n", name, ipc::error_name(file.error()));
        return;
    }
    if (file.value().type != ipc::proto::fs::FileType::Regular) {
        print("{}: not a program\n", name);
        return;
    }
    if (line.background && g_job_count == max_jobs) {
        print("{}: too many background jobs ({})\n", name, max_jobs);
        return;
    }
    const char* argv[max_args + 1];
    argv[0] = path;
    for (size_t i = 1; i < line.argc; ++i)
        argv[i] = line.argv[i];
    argv[line.argc] = nullptr;
    auto pid = libc::spawn(argv, line.argc);
    if (pid.is_error()) {
        if (pid.error() == Error::ArgumentListTooLong || pid.error() == Error::TooManyChildren)
            print("{}: {}\n", name, ipc::error_name(pid.error()));
        else if (pid.error() == Error::TableFull)
            print("{}: cannot run: the process table is full\n", name);
        else if (pid.error() == Error::Malformed)
            print("{}: cannot run: not a valid ELF program\n", name);
        else
            print("{}: cannot run: {}\n", name, ipc::error_name(pid.error()));
        return;
    }
    if (!line.background) {
        run_foreground(pid.value(), name);
        return;
    }
    Job& job = g_jobs[g_job_count++];
    job.pid = pid.value();
    const char* base = path;
    for (const char* c = path; *c; ++c) {
        if (*c == '/')
            base = c + 1;
    }
    copy(job.name, sizeof(job.name), base);
    print("[pid {}] started\n", job.pid);
}

void cmd_jobs(const CommandLine&)
{
    report_finished_jobs();
    for (unsigned i = 0; i < g_job_count; ++i)
        print("[pid {}] running  {}\n", g_jobs[i].pid, g_jobs[i].name);
}

void report_finished_jobs()
{
    if (!g_job_count)
        return;
    // Which pids are still alive (List skips ended processes).
    uint64_t live[64];
    unsigned live_count = 0;
    for (uint64_t index = 0; live_count < 64; ++index) {
        auto entry = libc::list_process(index);
        if (entry.is_error())
            break;
        if (entry.value().kind() == process::EntryKind::Program)
            live[live_count++] = entry.value().pid().value();
    }
    for (unsigned i = 0; i < g_job_count;) {
        bool alive = false;
        for (unsigned j = 0; j < live_count; ++j)
            alive |= live[j] == g_jobs[i].pid;
        if (alive) {
            ++i;
            continue;
        }
        auto status = libc::wait(g_jobs[i].pid); // it has ended: answered at once
        if (!status.is_error()) {
            char text[200];
            libc::describe_exit(status.value(), text, sizeof(text));
            print("[pid {}] {}: {}\n", g_jobs[i].pid, g_jobs[i].name, text);
        }
        remove_job(i);
    }
}

} // namespace shell
