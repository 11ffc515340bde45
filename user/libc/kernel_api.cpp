#include <kernel_api.h>

namespace kapi {

ipc::IpcBuffer* detail::g_ipc_buffer = nullptr;
IpcBufferLocator detail::g_ipc_buffer_locator = nullptr;

void set_ipc_buffer(ipc::IpcBuffer* buffer) { detail::g_ipc_buffer = buffer; }
void set_ipc_buffer_locator(IpcBufferLocator locator) { detail::g_ipc_buffer_locator = locator; }

SyscallResult send_message(Syscall how, CPtr cptr, MessageInfo info, const uint64_t* words)
{
    unsigned length = info.clamped_length();
    if (length > ipc::register_message_words) {
        ipc::IpcBuffer* buffer = ipc_buffer();
        if (!buffer)
            return failed_locally(Error::InvalidArgument);
        for (unsigned i = ipc::register_message_words; i < length; ++i)
            buffer->words[i] = words[i];
    }
    auto w = [&](unsigned i) { return i < length ? words[i] : 0; };
    return syscall(how, cptr, info, w(0), w(1), w(2), w(3));
}

ipc::Result<UntypedDescription> untyped_describe(CPtr untyped)
{
    auto r = invoke(untyped, Invocation::UntypedDescribe, {});
    if (!r.ok())
        return r.error;
    return UntypedDescription { r.words[0], r.words[1], r.words[2] };
}

ipc::Result<CapDescription> cnode_describe(CPtr cnode, uint64_t slot)
{
    auto r = invoke(cnode, Invocation::CNodeDescribe, { slot });
    if (!r.ok())
        return r.error;
    return CapDescription { ObjectType(uint8_t(r.words[0])), uint8_t(r.words[1]), r.words[2] };
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
    return send_message(Syscall::Call, tcb,
                        MessageInfo(uint32_t(Invocation::TcbWriteRegisters), register_words), words)
        .error;
}

ipc::Result<FrameDescription> frame_describe(CPtr frame)
{
    auto r = invoke(frame, Invocation::FrameDescribe, {});
    if (!r.ok())
        return r.error;
    return FrameDescription { r.words[0], r.words[1], r.words[2] };
}

ipc::Result<uint8_t> ioport_in8(CPtr io_port, uint64_t port)
{
    auto r = invoke(io_port, Invocation::IoPortIn8, { port });
    if (!r.ok())
        return r.error;
    return uint8_t(r.words[0]);
}
} // namespace kapi
