#pragma once
// The process manager: Spawn, Wait, Kill, List, Exit, PowerOff and Reboot
// (<ipc/proto/process.h>), and the exit notices the kernel sends for
// killed threads. Programs are started lazily: the pager gets the new
// VSpace and the program's file, and every page of the program then arrives
// by a fault. Which program is whose, and who may ask what about it, is
// process_table.h; the caller is its badge (<ipc/proto/badges.h>).

#include "loader.h"
#include "process_table.h"
#include <ipc/proto/badges.h>
#include <ipc/proto/process.h>
#include <ipc/result.h>

namespace init {

struct Endpoints {
    ipc::CPtr process;       // ours, receive: programs and the kernel's exit notices
    ipc::CPtr pager;         // the pager's endpoint, unbadged: we mint clients' caps from it
    ipc::CPtr pager_control; // minted with control_badge and grant (NewClient carries a VSpace cap)
    ipc::CPtr fs;            // the file server's
    ipc::CPtr console { 0 }; // the console server's (0 = none)
};

// Servers are listed (List) but have no pid and are not programs: nothing
// a program asks can touch them.
inline constexpr unsigned max_servers = 4;

class ProcessManager {
public:
    void init(const Endpoints&);
    // Serves requests until the run list is done and no program of it is left.
    void serve(const char* const* run_list, unsigned run_count);
    void register_server(const char* name, const ProcessObjects&);

private:
    // Returns the pid, or an error (printed with its reason for init's own programs).
    // `from_run_list`: init's own program, announced and given the operator right.
    ipc::Result<Pid> spawn(const ipc::proto::process::SpawnRequest&, Pid parent, bool from_run_list);
    void finish(ProgramTable::Index, const ExitRecord&);
    void handle(ipc::proto::Badge, const ipc::proto::process::Message&);
    void handle_exit_notice(Pid, const ipc::proto::process::Message&);
    void answer_wait(ProgramTable::Index);
    void start_next_from_run_list();

    struct Server {
        char name[32];
        ProcessObjects objects;
    };

    Endpoints m_endpoints {};
    ProgramTable m_programs;
    Server m_servers[max_servers] {};
    unsigned m_server_count { 0 };
    const char* const* m_run_list { nullptr };
    unsigned m_run_count { 0 };
    unsigned m_run_next { 0 };
    Pid m_waiting_for; // the run-list program in progress
};

} // namespace init
