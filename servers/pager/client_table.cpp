// The table of clients: finding and adding one. No syscalls (giving a
// client's pages back is clients.cpp), so the host tests use it as it is.
#include <pager/clients.h>

namespace pager {

namespace {
Client g_clients[max_clients];
// The client found last: faults come in runs from one program, so this
// nearly always answers without a walk of the table. It is only a hint:
// checked for use and pid before it is trusted.
Client* g_last = g_clients;
}

Client* client_table() { return g_clients; }

Client* find_client(uint64_t pid)
{
    if (g_last->used && g_last->pid == pid)
        return g_last;
    for (auto& c : g_clients) {
        if (c.used && c.pid == pid) {
            g_last = &c;
            return &c;
        }
    }
    return nullptr;
}

ipc::Result<Client*> add_client(uint64_t pid)
{
    if (pid == 0 || pid > ipc::proto::Badge::identity_mask)
        return ipc::Error::OutOfRange;
    if (find_client(pid))
        return ipc::Error::Busy;
    for (auto& c : g_clients) {
        if (!c.used) {
            c.used = true;
            c.traced = false;
            c.pid = uint32_t(pid);
            c.vspace = 0;
            c.regions.clear();
            c.loops.reset();
            c.last_kill = KillRecord {};
            c.faults = 0;
            return &c;
        }
    }
    return ipc::Error::NoMemory;
}

} // namespace pager
