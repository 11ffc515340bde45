#pragma once
// The process manager: spawn(path, argv), wait, kill, list, and the death
// notices the kernel sends for killed threads. Programs are started lazily:
// the pager gets the new VSpace and the program's file, and every page of
// the program then arrives by a fault.

#include "loader.h"
#include <ipc/proto/process.h>
#include <ipc/result.h>

namespace init {

struct Endpoints {
    ipc::CPtr process;       // ours, receive: programs and the kernel's death notices
    ipc::CPtr pager;         // the pager's endpoint, unbadged: we mint clients' caps from it
    ipc::CPtr pager_control; // minted with control_badge and grant (NewClient carries a VSpace cap)
    ipc::CPtr fs;            // the file server's
    ipc::CPtr console { 0 }; // the console server's (0 = none)
};

// Death notices carry the pid with this bit set in the badge.
inline constexpr uint64_t death_badge = uint64_t(1) << 61;

struct ExitRecord {
    ipc::proto::process::ExitKind kind { ipc::proto::process::ExitKind::Exited };
    uint64_t status { 0 };   // exit status, or the pager's kill word
    uint64_t cause { 0 };    // ipc::ExitCause for kills
    uint64_t address { 0 };  // fault address
    uint64_t distance { 0 }; // guard hits: bytes below the guarded region
    uint64_t ip { 0 };
};

class ProcessManager {
public:
    void init(const Endpoints&);
    // Returns the pid, or an error (always printed, with the reason).
    ipc::Result<uint64_t> spawn(const char* argv, size_t argv_length, bool announce);
    // Serves requests until the run list is done and no announced program is left.
    void serve(const char* const* run_list, unsigned run_count);
    void register_server(const char* name, uint64_t pid, const ProcessObjects&);

    struct Process;

private:
    Process* find(uint64_t pid);
    void finish(Process&, const ExitRecord&);
    void handle(uint64_t badge, const kapi::SyscallResult& message);
    void reply_wait(Process&);
    void start_next_from_run_list();

    Endpoints m_endpoints {};
    const char* const* m_run_list { nullptr };
    unsigned m_run_count { 0 };
    unsigned m_run_next { 0 };
    uint64_t m_waiting_for { 0 }; // pid of the run-list program in progress
    uint64_t m_next_pid { 1 };
};

} // namespace init
