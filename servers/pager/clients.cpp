#include "clients.h"
#include "frames.h"
#include "trace.h"
#include <ipc/proto/slots.h>
#include <kernel_api.h>

namespace pager {

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
    const uint32_t pid = client.pid;
    for (ipc::CPtr slot = 1; slot < limit; ++slot) {
        const SlotRecord& r = s.record(slot);
        if (r.pid == pid && r.page >= start && r.page < end)
            drop_mapping(client, slot);
    }
}

void remove_client(Client& client)
{
    trace::set_client(client, false);
    release_pages(client, 0, ~uint64_t(0));
    if (client.vspace) {
        (void)kapi::cnode_delete(ipc::proto::process_slot_cnode, client.vspace);
        slots().release(client.vspace);
    }
    client.used = false;
}

} // namespace pager
