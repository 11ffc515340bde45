#include <kernel_api.h>

namespace kapi {

namespace {
ipc::IpcBuffer* g_ipc_buffer = nullptr;
IpcBufferLocator g_locator = nullptr;
} // namespace

void set_ipc_buffer(ipc::IpcBuffer* buffer) { g_ipc_buffer = buffer; }
void set_ipc_buffer_locator(IpcBufferLocator locator) { g_locator = locator; }

ipc::IpcBuffer* ipc_buffer()
{
    if (g_locator) {
        if (auto* buffer = g_locator())
            return buffer;
    }
    return g_ipc_buffer;
}

SyscallResult send_message(Syscall how, CPtr cptr, MessageInfo info, const uint64_t* words)
{
    unsigned length = info.clamped_length();
    if (length > ipc::register_message_words) {
        ipc::IpcBuffer* buffer = ipc_buffer();
        if (!buffer) {
            SyscallResult r;
            r.error = Error::InvalidArgument;
            r.raw_error = uint64_t(Error::InvalidArgument);
            return r;
        }
        for (unsigned i = ipc::register_message_words; i < length; ++i)
            buffer->words[i] = words[i];
    }
    auto w = [&](unsigned i) { return i < length ? words[i] : 0; };
    return syscall(how, cptr, info, w(0), w(1), w(2), w(3));
}

SyscallResult invoke(CPtr object, Invocation label, std::initializer_list<uint64_t> args)
{
    // Only the register words are zeroed: send_message reads no word at or
    // past `n` but those (zeroing all 64 costs more than most invocations).
    uint64_t words[ipc::max_message_words];
    for (unsigned i = 0; i < ipc::register_message_words; ++i)
        words[i] = 0;
    unsigned n = 0;
    for (uint64_t a : args) {
        if (n < ipc::max_message_words)
            words[n++] = a;
    }
    return send_message(Syscall::Call, object, MessageInfo(uint32_t(label), n), words);
}

Error untyped_retype(CPtr untyped, ObjectType type, uint64_t size_bits, CPtr dest_cnode, uint64_t first_slot,
                     uint64_t count)
{
    return invoke(untyped, Invocation::UntypedRetype, { uint64_t(type), size_bits, dest_cnode, first_slot, count })
        .error;
}

ipc::Result<UntypedDescription> untyped_describe(CPtr untyped)
{
    auto r = invoke(untyped, Invocation::UntypedDescribe, {});
    if (!r.ok())
        return r.error;
    return UntypedDescription { r.words[0], r.words[1], r.words[2] };
}

Error cnode_copy(CPtr cnode, uint64_t dest_slot, CPtr src_cnode, uint64_t src_slot, uint8_t rights)
{
    return invoke(cnode, Invocation::CNodeCopy, { dest_slot, src_cnode, src_slot, rights }).error;
}

Error cnode_mint(CPtr cnode, uint64_t dest_slot, CPtr src_cnode, uint64_t src_slot, uint8_t rights, uint64_t badge)
{
    return invoke(cnode, Invocation::CNodeMint, { dest_slot, src_cnode, src_slot, rights, badge }).error;
}

Error cnode_move(CPtr cnode, uint64_t dest_slot, CPtr src_cnode, uint64_t src_slot)
{
    return invoke(cnode, Invocation::CNodeMove, { dest_slot, src_cnode, src_slot }).error;
}

Error cnode_delete(CPtr cnode, uint64_t slot) { return invoke(cnode, Invocation::CNodeDelete, { slot }).error; }
Error cnode_revoke(CPtr cnode, uint64_t slot) { return invoke(cnode, Invocation::CNodeRevoke, { slot }).error; }
Error cnode_save_caller(CPtr cnode, uint64_t slot)
{
    return invoke(cnode, Invocation::CNodeSaveCaller, { slot }).error;
}

ipc::Result<CapDescription> cnode_describe(CPtr cnode, uint64_t slot)
{
    auto r = invoke(cnode, Invocation::CNodeDescribe, { slot });
    if (!r.ok())
        return r.error;
    return CapDescription { ObjectType(uint8_t(r.words[0])), uint8_t(r.words[1]), r.words[2] };
}

Error tcb_configure(CPtr tcb, CPtr cspace, CPtr vspace, CPtr ipc_buffer_frame, uint64_t ipc_buffer_address,
                    CPtr fault_endpoint, uint64_t priority)
{
    return invoke(tcb, Invocation::TcbConfigure,
                  { cspace, vspace, ipc_buffer_frame, ipc_buffer_address, fault_endpoint, priority })
        .error;
}

Error tcb_set_priority(CPtr tcb, uint64_t priority)
{
    return invoke(tcb, Invocation::TcbSetPriority, { priority }).error;
}

ipc::Result<Registers> tcb_read_registers(CPtr tcb)
{
    auto r = invoke(tcb, Invocation::TcbReadRegisters, {});
    if (!r.ok())
        return r.error;
    uint64_t words[register_words];
    for (unsigned i = 0; i < register_words; ++i)
        words[i] = message_word(r, i);
    Registers regs;
    static_assert(sizeof(regs) == sizeof(words));
    __builtin_memcpy(&regs, words, sizeof(regs));
    return regs;
}

Error tcb_write_registers(CPtr tcb, const Registers& regs)
{
    uint64_t words[register_words];
    __builtin_memcpy(words, &regs, sizeof(words));
    return send_message(Syscall::Call, tcb, MessageInfo(uint32_t(Invocation::TcbWriteRegisters), register_words),
                        words)
        .error;
}

Error tcb_resume(CPtr tcb) { return invoke(tcb, Invocation::TcbResume, {}).error; }
Error tcb_suspend(CPtr tcb) { return invoke(tcb, Invocation::TcbSuspend, {}).error; }
Error tcb_set_supervisor(CPtr tcb, CPtr endpoint)
{
    return invoke(tcb, Invocation::TcbSetSupervisor, { endpoint }).error;
}

Error vspace_map(CPtr vspace, CPtr frame, uint64_t vaddr, uint8_t rights)
{
    return invoke(vspace, Invocation::VSpaceMap, { frame, vaddr, rights }).error;
}
Error vspace_unmap(CPtr vspace, CPtr frame) { return invoke(vspace, Invocation::VSpaceUnmap, { frame }).error; }
Error vspace_protect(CPtr vspace, CPtr frame, uint8_t rights)
{
    return invoke(vspace, Invocation::VSpaceProtect, { frame, rights }).error;
}
Error vspace_bind_pool(CPtr vspace, CPtr untyped)
{
    return invoke(vspace, Invocation::VSpaceBindPool, { untyped }).error;
}

ipc::Result<FrameDescription> frame_describe(CPtr frame)
{
    auto r = invoke(frame, Invocation::FrameDescribe, {});
    if (!r.ok())
        return r.error;
    return FrameDescription { r.words[0], r.words[1], r.words[2] };
}

Error irq_control_get(CPtr irq_control, uint64_t irq, uint64_t dest_slot)
{
    return invoke(irq_control, Invocation::IrqControlGet, { irq, dest_slot }).error;
}
Error irq_set_notification(CPtr irq_handler, CPtr notification)
{
    return invoke(irq_handler, Invocation::IrqSetNotification, { notification }).error;
}
Error irq_ack(CPtr irq_handler) { return invoke(irq_handler, Invocation::IrqAck, {}).error; }

ipc::Result<uint8_t> ioport_in8(CPtr io_port, uint64_t port)
{
    auto r = invoke(io_port, Invocation::IoPortIn8, { port });
    if (!r.ok())
        return r.error;
    return uint8_t(r.words[0]);
}
Error ioport_out8(CPtr io_port, uint64_t port, uint8_t value)
{
    return invoke(io_port, Invocation::IoPortOut8, { port, value }).error;
}
Error ioport_issue(CPtr io_port, uint64_t first, uint64_t last, uint64_t dest_slot)
{
    return invoke(io_port, Invocation::IoPortIssue, { first, last, dest_slot }).error;
}

} // namespace kapi
