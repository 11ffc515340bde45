#pragma once
// The shell's commands. Builtins are one function each, listed in one table
// (builtins.cpp) that also gives `help` its lines; anything else names a
// program in the initrd (jobs.cpp). Every failure prints one line, starting
// with the command's name, and returns to the prompt.

#include "parse.h"
#include <cstdint>

namespace shell {

using CommandFn = void (*)(const CommandLine&);

struct Builtin {
    const char* name;
    const char* usage;   // "vm PID": the help line and the "usage: ..." error
    const char* summary; // what it does, one line
    CommandFn run;
    uint8_t min_args; // words after the name
    uint8_t max_args;
};

const Builtin* find_builtin(const char* name);
// Checks the word count against the table; prints "usage: ..." and returns
// false if it is wrong.
bool check_usage(const Builtin&, const CommandLine&);
// Runs one parsed line: a builtin or a program.
void run_command(const CommandLine&);

// builtins.cpp
void cmd_help(const CommandLine&);
void cmd_echo(const CommandLine&);
void cmd_ls(const CommandLine&);
void cmd_cat(const CommandLine&);
void cmd_ps(const CommandLine&);
void cmd_kill(const CommandLine&);
void cmd_poweroff(const CommandLine&);
void cmd_reboot(const CommandLine&);

// pager_commands.cpp
void cmd_vm(const CommandLine&);
void cmd_stats(const CommandLine&);
void cmd_why(const CommandLine&);
void cmd_trace(const CommandLine&);
void cmd_pager(const CommandLine&);

// jobs.cpp: programs, in the foreground or as background jobs.
void run_program(const CommandLine&);
void cmd_jobs(const CommandLine&);
// Reports (and reaps) every background job that has ended since the last
// call; the shell calls it before each prompt.
void report_finished_jobs();
bool is_job(uint64_t pid);

// A pid argument: prints "NAME: bad pid TEXT" and returns false if it is not one.
bool pid_argument(const char* command, const char* text, uint64_t& pid);

} // namespace shell
