#include "process_table.h"

namespace init {

using ipc::Error;
using ipc::Result;

namespace {
void copy_name(char* out, const char* in, size_t capacity)
{
    size_t n = 0;
    for (; in[n] && n + 1 < capacity; ++n)
        out[n] = in[n];
    out[n] = 0;
}
} // namespace

Result<void> badge_allows(ipc::proto::Badge badge, uint32_t label)
{
    using ipc::proto::process::Label;
    if (!badge.is_well_formed() || badge.is_fault() || badge.is_control() || badge.is_exit_notice())
        return Error::NotPermitted;
    bool is_program = badge.pid() != 0;
    switch (Label(label)) {
    case Label::Spawn:
    case Label::Wait:
    case Label::Exit:
        if (!is_program)
            return Error::NotPermitted; // a server has no children and does not end by asking
        return {};
    case Label::Kill: // whose: kill_target
    case Label::List: return {};
    case Label::PowerOff:
    case Label::Reboot:
        if (!badge.is_operator())
            return Error::NotPermitted;
        return {};
    }
    return Error::InvalidArgument;
}

Program* ProgramTable::find(Pid pid)
{
    if (pid.is_none())
        return nullptr;
    for (auto& p : m_programs) {
        if (p.state != ProgramState::Free && p.pid == pid)
            return &p;
    }
    return nullptr;
}

unsigned ProgramTable::children_of(Pid parent) const
{
    unsigned n = 0;
    for (const auto& p : m_programs)
        n += p.state != ProgramState::Free && p.parent == parent;
    return n;
}

unsigned ProgramTable::used() const
{
    unsigned n = 0;
    for (const auto& p : m_programs)
        n += p.state != ProgramState::Free;
    return n;
}

// At most program_table_size pids are in use, so one of the next
// program_table_size + 1 candidates is free unless the pid space is smaller
// than that: the loop ends even right at the wrap.
Pid ProgramTable::allocate_pid()
{
    for (unsigned tries = 0; tries <= program_table_size; ++tries) {
        Pid candidate(m_next_pid);
        m_next_pid = m_next_pid >= m_last_pid ? 1 : m_next_pid + 1;
        if (!find(candidate))
            return candidate;
    }
    return Pid::none();
}

Result<ProgramTable::Index> ProgramTable::reserve(Pid parent, const char* name, bool announce)
{
    // init's own children are the run list's programs, one at a time, and
    // orphans: no program can make more of them.
    if (!parent.is_none() && children_of(parent) >= max_children)
        return Error::TooManyChildren;
    Program* slot = nullptr;
    for (auto& p : m_programs) {
        if (p.state == ProgramState::Free) {
            slot = &p;
            break;
        }
    }
    if (!slot)
        return Error::TableFull;
    Pid pid = allocate_pid();
    if (pid.is_none())
        return Error::TableFull;
    *slot = Program {};
    slot->state = ProgramState::Starting;
    slot->pid = pid;
    slot->parent = parent;
    slot->announce = announce;
    copy_name(slot->name, name, sizeof(slot->name));
    return index_of(*slot);
}

void ProgramTable::started(Index i) { m_programs[i].state = ProgramState::Running; }

void ProgramTable::release(Index i) { m_programs[i] = Program {}; }

Result<ProgramTable::Index> ProgramTable::wait_target(Pid caller, Pid target)
{
    if (caller.is_none())
        return Error::NotPermitted; // a server has no children
    if (target == caller)
        return Error::InvalidArgument; // it would wait forever
    Program* p = find(target);
    if (!p || p->state == ProgramState::Starting)
        return Error::NotFound;
    if (p->parent != caller)
        return Error::NotPermitted;
    return index_of(*p);
}

Result<ProgramTable::Index> ProgramTable::kill_target(Pid caller, bool is_operator, Pid target)
{
    Program* p = find(target);
    if (!p || p->state != ProgramState::Running)
        return Error::NotFound;
    if (!is_operator && (caller.is_none() || p->parent != caller))
        return Error::NotPermitted;
    return index_of(*p);
}

ProgramTable::Ended ProgramTable::ended(Index i, const ExitRecord& record)
{
    Ended e {};
    Program& p = m_programs[i];
    p.exit = record;
    Pid pid = p.pid;
    for (auto& child : m_programs) {
        if (child.state == ProgramState::Free || child.parent != pid || &child == &p)
            continue;
        if (child.state == ProgramState::Zombie) {
            child = Program {};
            ++e.zombies;
            continue;
        }
        // Running (a Starting child cannot exist here: a Spawn completes
        // before init reads the next message).
        child.parent = Pid::none();
        child.announce = false;
        if (child.waiter) {
            e.stale_waiters[e.stale_waiter_count++] = child.waiter;
            child.waiter = 0;
        }
        ++e.orphans;
    }
    if (p.parent.is_none() && !p.waiter) {
        p = Program {};
        e.freed = true;
    } else {
        p.state = ProgramState::Zombie;
    }
    return e;
}

const Program* ProgramTable::running(uint64_t index) const
{
    uint64_t n = 0;
    for (const auto& p : m_programs) {
        if (p.state == ProgramState::Running && n++ == index)
            return &p;
    }
    return nullptr;
}

} // namespace init
