#pragma once
// The kernel invocations the pager makes on every fault, with their
// arguments straight in registers. Same ABI and labels as the libc wrappers
// in <kernel_api.h> (docs/kernel-abi.md), which are out of line, copy their
// arguments through an initializer list into a staging array and ask the
// IPC-buffer locator for the buffer: a few dozen instructions per call,
// paid on every fault. Only Retype has a fifth word; it goes into our IPC
// buffer as the kernel expects (words 4.. travel there).

#include <cstdint>
#include <ipc/message.h>
#include <ipc/object.h>
#include <ipc/proto/slots.h>
#include <kernel_api.h>

namespace pager::invoke {

// Our one thread's IPC buffer: where every server started by init has it
// (libc's start-up registers the same address), without kapi's locator call.
inline ipc::IpcBuffer* ipc_buffer() { return reinterpret_cast<ipc::IpcBuffer*>(ipc::proto::process_ipc_buffer_address); }

inline ipc::Error call(ipc::CPtr object, ipc::Invocation label, unsigned length, uint64_t w0, uint64_t w1 = 0,
                       uint64_t w2 = 0, uint64_t w3 = 0)
{
    return kapi::syscall(ipc::Syscall::Call, object, ipc::MessageInfo(uint32_t(label), length), w0, w1, w2, w3).error;
}

// `count` Frames into our own CNode at slots first_slot.. (all must be empty).
inline ipc::Error retype_frames(ipc::CPtr untyped, ipc::CPtr first_slot, uint64_t count)
{
    ipc_buffer()->words[4] = count;
    return call(untyped, ipc::Invocation::UntypedRetype, 5, uint64_t(ipc::ObjectType::Frame), 0, 0, first_slot);
}

inline ipc::Error vspace_map(ipc::CPtr vspace, ipc::CPtr frame, uint64_t vaddr, uint8_t rights)
{
    return call(vspace, ipc::Invocation::VSpaceMap, 3, frame, vaddr, rights);
}

inline ipc::Error vspace_unmap(ipc::CPtr vspace, ipc::CPtr frame)
{
    return call(vspace, ipc::Invocation::VSpaceUnmap, 1, frame);
}

inline ipc::Error cnode_copy(ipc::CPtr cnode, uint64_t dest_slot, ipc::CPtr src_cnode, uint64_t src_slot, uint8_t rights)
{
    return call(cnode, ipc::Invocation::CNodeCopy, 4, dest_slot, src_cnode, src_slot, rights);
}

} // namespace pager::invoke
