#pragma once
// init's table of programs: who exists, who is whose child, and the rules
// every request about them follows. Pure logic (no kernel objects: those
// are kept by processes.cpp, index for index), tested on the host
// (tests/unit/init/process_table_tests.cpp).
//
// - A pid is a program's identity for as long as its entry exists (running,
//   or ended and not yet waited for); pids count up through the whole 32-bit
//   space, wrap around to 1, and skip every pid still in the table, so a pid
//   is never given twice at once and never 0. Servers are not in the table
//   at all (they have no pid).
// - The table holds program_table_size entries; Spawn beyond that is TableFull.
//   One parent may have at most max_children entries (running children and
//   zombies: ended children it has not waited for); beyond that its Spawn is
//   TooManyChildren, and everyone else's Spawn still works.
// - A program's own children are its business alone: only its parent may
//   Wait for it or Kill it (an operator may Kill any program). Waiting for
//   oneself is InvalidArgument.
// - When a program ends, its running children are reparented to init, which
//   frees them when they end, and its zombies are freed at once. init's own
//   children (the run list's programs and the orphans) are freed as soon as
//   they end.

#include <cstdint>
#include <ipc/message.h>
#include <ipc/proto/badges.h>
#include <ipc/proto/process.h>
#include <ipc/result.h>

namespace init {

using ipc::proto::process::Pid;

inline constexpr unsigned program_table_size = ipc::proto::process::max_programs;
inline constexpr unsigned max_children = ipc::proto::process::max_children;

struct ExitRecord {
    ipc::proto::process::ExitKind kind { ipc::proto::process::ExitKind::Exited };
    uint64_t status { 0 };   // exit status, or the pager's kill word
    uint64_t cause { 0 };    // ipc::ExitCause for kills
    uint64_t address { 0 };  // fault address
    uint64_t distance { 0 }; // guard hits: bytes below the guarded region
    uint64_t ip { 0 };
};

enum class ProgramState : uint8_t {
    Free,
    Starting, // reserved by a Spawn in progress: released if it fails
    Running,
    Zombie, // ended; its parent has not waited for it yet
};

struct Program {
    ProgramState state { ProgramState::Free };
    Pid pid;
    Pid parent;              // none: init's own (from the run list, or an orphan)
    bool announce { false }; // from the run list: init prints how it ends
    ipc::CPtr waiter { 0 };  // the parent's saved Reply cap while it waits (init's slot), or 0
    char name[32] {};
    ExitRecord exit {};
};

// What the caller's badge allows, checked first for every request (before
// it is decoded, and before the target rules of wait_target and
// kill_target): NotPermitted for a badge init hands out on no process cap
// (fault, control, exit-notice or unknown bits), for Spawn, Wait and Exit
// from a server (no pid), and for PowerOff and Reboot without the operator
// bit; InvalidArgument for an unknown label.
ipc::Result<void> badge_allows(ipc::proto::Badge, uint32_t label);

class ProgramTable {
public:
    using Index = unsigned;

    // Pids run from 1 to `last_pid` and then wrap around to 1; the first is
    // `first_pid`. init uses the whole 32-bit space; the host tests a small one.
    explicit ProgramTable(uint32_t first_pid = 1, uint32_t last_pid = 0xffff'ffffu)
        : m_next_pid(first_pid ? first_pid : 1)
        , m_last_pid(last_pid ? last_pid : 1)
    {
    }

    // A Starting entry with a fresh pid for a child of `parent` (none:
    // init's own), or TooManyChildren / TableFull.
    ipc::Result<Index> reserve(Pid parent, const char* name, bool announce);
    // The Spawn worked: the program runs.
    void started(Index);
    // Frees an entry (a failed Spawn's reservation, or a reaped program).
    void release(Index);

    Program& at(Index i) { return m_programs[i]; }
    const Program& at(Index i) const { return m_programs[i]; }
    // Any entry (running, starting or a zombie) with that pid.
    Program* find(Pid);
    Index index_of(const Program& p) const { return Index(&p - m_programs); }

    // The child `target` that `caller` may wait for: InvalidArgument for
    // itself, NotFound for no such program, NotPermitted for someone
    // else's.
    ipc::Result<Index> wait_target(Pid caller, Pid target);
    // The running program `caller` may kill: its own child, or any program
    // for an operator. NotFound (no such program, or it has ended),
    // NotPermitted (someone else's).
    ipc::Result<Index> kill_target(Pid caller, bool is_operator, Pid target);

    // What became of a program that ended (its objects are gone already).
    struct Ended {
        bool freed;                            // init's own: its entry is free now
        unsigned orphans;                      // running children handed to init
        unsigned zombies;                      // ended children freed with it
        ipc::CPtr stale_waiters[max_children]; // its own saved Reply caps on those children: delete them
        unsigned stale_waiter_count;
    };
    // Marks it a zombie (or frees it, when init is its parent and nobody can
    // wait for it) and gives its children to init. Its own waiter, if any,
    // stays for the caller to answer.
    Ended ended(Index, const ExitRecord&);

    // Running programs, in table order (for List).
    const Program* running(uint64_t index) const;
    unsigned children_of(Pid parent) const;
    unsigned used() const;

private:
    // A pid no entry has, or none when every pid of the space is taken.
    Pid allocate_pid();

    Program m_programs[program_table_size] {};
    uint32_t m_next_pid;
    uint32_t m_last_pid;
};

} // namespace init
