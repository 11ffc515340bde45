#include "clients.h"
#include "frames.h"
#include <ipc/proto/slots.h>
#include <kernel_api.h>

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

Client* add_client(uint64_t pid)
{
    if (pid == 0 || pid > 0xffff || find_client(pid))
        return nullptr;
    for (auto& c : g_clients) {
        if (!c.used) {
            c.used = true;
            c.pid = uint16_t(pid);
            c.vspace = 0;
            c.regions.clear();
            c.loops.reset();
            c.last_kill = KillRecord {};
            c.faults = 0;
            return &c;
        }
    }
    return nullptr;
}

void drop_mapping(Client& client, ipc::CPtr slot)
{
    SlotRecord& r = slots().record(slot);
    if (r.use == SlotUse::Private) {
        // Unmap (if the VSpace still exists) and keep the frame for reuse.
        (void)kapi::vspace_unmap(client.vspace, slot);
        frames().recycle(slot);
    } else if (r.use == SlotUse::SharedCopy) {
        (void)kapi::cnode_delete(ipc::proto::process_slot_cnode, slot); // unmaps it
        slots().release(slot);
    }
}

void release_pages(Client& client, uint64_t start, uint64_t end)
{
    // Every slot ever used is looked at (on munmap and on exit): the end and
    // pid in locals, so the walk does not reload them after each drop.
    Slots& s = slots();
    const ipc::CPtr limit = s.used_end();
    const uint16_t pid = client.pid;
    for (ipc::CPtr slot = 1; slot < limit; ++slot) {
        const SlotRecord& r = s.record(slot);
        if (r.pid == pid && r.page >= start && r.page < end)
            drop_mapping(client, slot);
    }
}

void remove_client(Client& client)
{
    release_pages(client, 0, ~uint64_t(0));
    if (client.vspace) {
        (void)kapi::cnode_delete(ipc::proto::process_slot_cnode, client.vspace);
        slots().release(client.vspace);
    }
    client.used = false;
}

} // namespace pager
