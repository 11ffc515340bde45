#pragma once
// The typed user-side view of the kernel ABI (docs/kernel-abi.md): one raw
// syscall entry, the IPC primitives, and one small function per invocation
// label of ipc::Invocation. Nothing here allocates or keeps state beyond the
// IPC buffer pointer.
//
// Message words 0-3 travel in registers; words 4.. (and transferred caps)
// in the calling thread's IPC buffer. The buffer is found through
// kapi::ipc_buffer(): the global set with set_ipc_buffer(), or, for programs
// running several threads in one address space, a locator function that
// returns the current thread's buffer.

#include <cstdint>
#include <initializer_list>
#include <ipc/error.h>
#include <ipc/fault.h>
#include <ipc/message.h>
#include <ipc/object.h>
#include <ipc/result.h>
#include <ipc/root_boot_info.h>
#include <ipc/syscall.h>

// rdi at program entry. For the root task, the kernel's RootBootInfo; other
// programs get whatever their loader passes (usually 0) and ignore it.
extern "C" const ipc::RootBootInfo* __root_boot_info;

namespace kapi {

using ipc::CPtr;
using ipc::Error;
using ipc::Invocation;
using ipc::MessageInfo;
using ipc::ObjectType;
using ipc::Syscall;

// What every syscall returns: rax (error), rdi (badge), rsi (info), rdx r10 r8 r9.
struct SyscallResult {
    Error error { Error::None };
    uint64_t badge { 0 };
    MessageInfo info {};
    uint64_t words[ipc::register_message_words] {};
    uint64_t raw_error { 0 }; // rax exactly as returned (error is Error(0xffffffff) if it does not fit)

    bool ok() const { return error == Error::None; }
};

// A call that failed before reaching the kernel.
inline SyscallResult failed_locally(Error e)
{
    SyscallResult r;
    r.error = e;
    r.raw_error = uint64_t(e);
    return r;
}

inline constexpr Error error_from_raw(uint64_t raw)
{
    return raw > 0xffffffffull ? Error(0xffffffffu) : Error(uint32_t(raw));
}

// The one way into the kernel.
inline SyscallResult syscall(Syscall number, CPtr cptr, MessageInfo info, uint64_t w0 = 0, uint64_t w1 = 0,
                             uint64_t w2 = 0, uint64_t w3 = 0)
{
    register uint64_t rax asm("rax") = uint64_t(number);
    register uint64_t rdi asm("rdi") = cptr;
    register uint64_t rsi asm("rsi") = info.raw();
    register uint64_t rdx asm("rdx") = w0;
    register uint64_t r10 asm("r10") = w1;
    register uint64_t r8 asm("r8") = w2;
    register uint64_t r9 asm("r9") = w3;
    asm volatile("syscall"
                 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                 :
                 : "rcx", "r11", "memory");
    SyscallResult r;
    r.raw_error = rax;
    r.error = error_from_raw(rax);
    r.badge = rdi;
    r.info = MessageInfo::from_raw(rsi);
    r.words[0] = rdx;
    r.words[1] = r10;
    r.words[2] = r8;
    r.words[3] = r9;
    return r;
}

// Same, with the syscall number as a raw value (fuzzing: numbers the enum does not name).
inline SyscallResult raw_syscall(uint64_t number, uint64_t cptr, uint64_t info, uint64_t w0, uint64_t w1,
                                 uint64_t w2, uint64_t w3)
{
    return syscall(Syscall(number), cptr, MessageInfo::from_raw(info), w0, w1, w2, w3);
}

// --- the IPC buffer --------------------------------------------------------

using IpcBufferLocator = ipc::IpcBuffer* (*)();
void set_ipc_buffer(ipc::IpcBuffer*);          // the default (e.g. the root thread's)
void set_ipc_buffer_locator(IpcBufferLocator); // overrides the default when it returns non-null

namespace detail {
extern ipc::IpcBuffer* g_ipc_buffer; // only the two setters above write these
extern IpcBufferLocator g_ipc_buffer_locator;
} // namespace detail

// The current thread's buffer (may be null). Inline: every invocation with
// more than four words asks.
inline ipc::IpcBuffer* ipc_buffer()
{
    if (detail::g_ipc_buffer_locator) {
        if (auto* buffer = detail::g_ipc_buffer_locator())
            return buffer;
    }
    return detail::g_ipc_buffer;
}

// Word i of a received message (i < 4: registers, else the IPC buffer).
inline uint64_t message_word(const SyscallResult& r, unsigned i, ipc::IpcBuffer* buffer = nullptr)
{
    if (i < ipc::register_message_words)
        return r.words[i];
    if (!buffer)
        buffer = ipc_buffer();
    return buffer && i < ipc::max_message_words ? buffer->words[i] : 0;
}

// --- IPC ---------------------------------------------------------------------

inline SyscallResult call(CPtr cptr, MessageInfo info, uint64_t w0 = 0, uint64_t w1 = 0, uint64_t w2 = 0,
                          uint64_t w3 = 0)
{
    return syscall(Syscall::Call, cptr, info, w0, w1, w2, w3);
}
inline SyscallResult send(CPtr cptr, MessageInfo info, uint64_t w0 = 0, uint64_t w1 = 0, uint64_t w2 = 0,
                          uint64_t w3 = 0)
{
    return syscall(Syscall::Send, cptr, info, w0, w1, w2, w3);
}
inline SyscallResult nb_send(CPtr cptr, MessageInfo info, uint64_t w0 = 0, uint64_t w1 = 0, uint64_t w2 = 0,
                             uint64_t w3 = 0)
{
    return syscall(Syscall::NBSend, cptr, info, w0, w1, w2, w3);
}
inline SyscallResult recv(CPtr cptr) { return syscall(Syscall::Recv, cptr, MessageInfo()); }
inline SyscallResult nb_recv(CPtr cptr) { return syscall(Syscall::NBRecv, cptr, MessageInfo()); }
inline SyscallResult reply(MessageInfo info, uint64_t w0 = 0, uint64_t w1 = 0, uint64_t w2 = 0,
                           uint64_t w3 = 0)
{
    return syscall(Syscall::Reply, ipc::null_cptr, info, w0, w1, w2, w3);
}
inline SyscallResult reply_recv(CPtr cptr, MessageInfo info, uint64_t w0 = 0, uint64_t w1 = 0,
                                uint64_t w2 = 0, uint64_t w3 = 0)
{
    return syscall(Syscall::ReplyRecv, cptr, info, w0, w1, w2, w3);
}
inline Error yield() { return syscall(Syscall::Yield, ipc::null_cptr, MessageInfo()).error; }
inline Error debug_stats(ipc::KernelStats* out)
{
    return syscall(Syscall::DebugStats, reinterpret_cast<uint64_t>(out), MessageInfo()).error;
}
inline Error debug_stats_raw(uint64_t address)
{
    return syscall(Syscall::DebugStats, address, MessageInfo()).error;
}

// Notifications: signal ORs the cap's badge into the word, wait/poll return it in `badge`.
inline SyscallResult signal(CPtr notification) { return send(notification, MessageInfo()); }
inline SyscallResult wait(CPtr notification) { return recv(notification); }
inline SyscallResult poll(CPtr notification) { return nb_recv(notification); }

// Servers answer with the outcome in the reply's label (an ipc::Error, 0 on
// success): the kernel's error if the IPC itself failed, else that label.
inline Error call_error(const SyscallResult& r) { return r.ok() ? Error(r.info.label()) : r.error; }

// Messages of any length: words[0..length) (words 4.. are copied into the
// IPC buffer first). Received words 4.. are in the IPC buffer afterwards.
SyscallResult send_message(Syscall how, CPtr cptr, MessageInfo info, const uint64_t* words);

// A message a codec encoded (ipc::Encoded, e.g. ipc::MapReply::encode()),
// sent with `how`. At most four words: they all travel in registers.
template<unsigned N>
requires(N <= ipc::register_message_words) inline SyscallResult
    send_encoded(Syscall how, CPtr cptr, const ipc::Encoded<N>& message)
{
    uint64_t w[ipc::register_message_words] {};
    for (unsigned i = 0; i < N; ++i)
        w[i] = message.words[i];
    return syscall(how, cptr, message.info, w[0], w[1], w[2], w[3]);
}

// The first N words of a received message, for a codec's decode(): words
// 0-3 from the registers, the rest from the IPC buffer (read only when the
// message is that long). Words past the message's length are not the
// message's: decode() checks the length first and never reads them.
template<unsigned N>
inline void received_words(const SyscallResult& r, uint64_t (&words)[N], ipc::IpcBuffer* buffer = nullptr)
{
    constexpr unsigned in_registers = N < ipc::register_message_words ? N : ipc::register_message_words;
    for (unsigned i = 0; i < in_registers; ++i)
        words[i] = r.words[i];
    if constexpr (N > ipc::register_message_words) {
        unsigned length = r.info.clamped_length();
        if (length > ipc::register_message_words && !buffer)
            buffer = ipc_buffer();
        for (unsigned i = ipc::register_message_words; i < N; ++i)
            words[i] = buffer && i < length ? buffer->words[i] : 0;
    }
}

// Invokes a kernel object: Call with label = invocation, args as message
// words. Inline, so that the words of a call with constant arity go straight
// into their registers; words 4.. are stored into the IPC buffer (an
// invocation that has them fails with InvalidArgument without one).
inline SyscallResult invoke(CPtr object, Invocation label, std::initializer_list<uint64_t> args)
{
    uint64_t w[ipc::register_message_words] {};
    ipc::IpcBuffer* buffer = args.size() > ipc::register_message_words ? ipc_buffer() : nullptr;
    unsigned n = 0;
#pragma GCC unroll 8 // the arity is a constant at every call: no loop is left
    for (uint64_t a : args) {
        if (n == ipc::max_message_words)
            break;
        if (n < ipc::register_message_words) {
            w[n] = a;
        } else if (buffer) {
            buffer->words[n] = a;
        } else {
            return failed_locally(Error::InvalidArgument);
        }
        ++n;
    }
    return syscall(Syscall::Call, object, MessageInfo(uint32_t(label), n), w[0], w[1], w[2], w[3]);
}

// --- Untyped -----------------------------------------------------------------

inline Error untyped_retype(CPtr untyped, ObjectType type, uint64_t size_bits, CPtr dest_cnode,
                            uint64_t first_slot, uint64_t count)
{
    return invoke(untyped, Invocation::UntypedRetype,
                  { uint64_t(type), size_bits, dest_cnode, first_slot, count })
        .error;
}

struct UntypedDescription {
    uint64_t physical_address;
    uint64_t size_bits;
    uint64_t free_bytes;
};
ipc::Result<UntypedDescription> untyped_describe(CPtr untyped);

// --- CNode (slots are indices in the invoked CNode; src_cnode 0 = own root) ----

inline Error cnode_copy(CPtr cnode, uint64_t dest_slot, CPtr src_cnode, uint64_t src_slot, uint8_t rights)
{
    return invoke(cnode, Invocation::CNodeCopy, { dest_slot, src_cnode, src_slot, rights }).error;
}
inline Error cnode_mint(CPtr cnode, uint64_t dest_slot, CPtr src_cnode, uint64_t src_slot, uint8_t rights,
                        uint64_t badge)
{
    return invoke(cnode, Invocation::CNodeMint, { dest_slot, src_cnode, src_slot, rights, badge }).error;
}
inline Error cnode_move(CPtr cnode, uint64_t dest_slot, CPtr src_cnode, uint64_t src_slot)
{
    return invoke(cnode, Invocation::CNodeMove, { dest_slot, src_cnode, src_slot }).error;
}
inline Error cnode_delete(CPtr cnode, uint64_t slot)
{
    return invoke(cnode, Invocation::CNodeDelete, { slot }).error;
}
inline Error cnode_revoke(CPtr cnode, uint64_t slot)
{
    return invoke(cnode, Invocation::CNodeRevoke, { slot }).error;
}
inline Error cnode_save_caller(CPtr cnode, uint64_t slot)
{
    return invoke(cnode, Invocation::CNodeSaveCaller, { slot }).error;
}

struct CapDescription {
    ObjectType type;
    uint8_t rights;
    uint64_t badge;
};
ipc::Result<CapDescription> cnode_describe(CPtr cnode, uint64_t slot);

// --- TCB -------------------------------------------------------------------------

inline Error tcb_configure(CPtr tcb, CPtr cspace, CPtr vspace, CPtr ipc_buffer_frame,
                           uint64_t ipc_buffer_address, CPtr fault_endpoint, uint64_t priority)
{
    return invoke(tcb, Invocation::TcbConfigure,
                  { cspace, vspace, ipc_buffer_frame, ipc_buffer_address, fault_endpoint, priority })
        .error;
}
inline Error tcb_set_priority(CPtr tcb, uint64_t priority)
{
    return invoke(tcb, Invocation::TcbSetPriority, { priority }).error;
}

// The order of TcbReadRegisters / TcbWriteRegisters words.
struct Registers {
    uint64_t rip, rsp, rflags;
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
inline constexpr unsigned register_words = sizeof(Registers) / sizeof(uint64_t);
static_assert(register_words == 18);

ipc::Result<Registers> tcb_read_registers(CPtr tcb);
Error tcb_write_registers(CPtr tcb, const Registers&);
inline Error tcb_resume(CPtr tcb) { return invoke(tcb, Invocation::TcbResume, {}).error; }
inline Error tcb_suspend(CPtr tcb) { return invoke(tcb, Invocation::TcbSuspend, {}).error; }
inline Error tcb_set_supervisor(CPtr tcb, CPtr endpoint)
{
    return invoke(tcb, Invocation::TcbSetSupervisor, { endpoint }).error;
}

// --- VSpace / Frame ---------------------------------------------------------------

inline Error vspace_map(CPtr vspace, CPtr frame, uint64_t vaddr, uint8_t rights)
{
    return invoke(vspace, Invocation::VSpaceMap, { frame, vaddr, rights }).error;
}
// Unmap and Protect name the mapping by the Frame cap that made it.
inline Error vspace_unmap(CPtr vspace, CPtr frame)
{
    return invoke(vspace, Invocation::VSpaceUnmap, { frame }).error;
}
inline Error vspace_protect(CPtr vspace, CPtr frame, uint8_t rights)
{
    return invoke(vspace, Invocation::VSpaceProtect, { frame, rights }).error;
}
inline Error vspace_bind_pool(CPtr vspace, CPtr untyped)
{
    return invoke(vspace, Invocation::VSpaceBindPool, { untyped }).error;
}

struct FrameDescription {
    uint64_t physical_address;
    uint64_t mapped;
    uint64_t vaddr;
};
ipc::Result<FrameDescription> frame_describe(CPtr frame);

// --- IRQ / IO ports ------------------------------------------------------------------

inline Error irq_control_get(CPtr irq_control, uint64_t irq, uint64_t dest_slot)
{
    return invoke(irq_control, Invocation::IrqControlGet, { irq, dest_slot }).error;
}
inline Error irq_set_notification(CPtr irq_handler, CPtr notification)
{
    return invoke(irq_handler, Invocation::IrqSetNotification, { notification }).error;
}
inline Error irq_ack(CPtr irq_handler) { return invoke(irq_handler, Invocation::IrqAck, {}).error; }
ipc::Result<uint8_t> ioport_in8(CPtr io_port, uint64_t port);
inline Error ioport_out8(CPtr io_port, uint64_t port, uint8_t value)
{
    return invoke(io_port, Invocation::IoPortOut8, { port, value }).error;
}
inline Error ioport_issue(CPtr io_port, uint64_t first, uint64_t last, uint64_t dest_slot)
{
    return invoke(io_port, Invocation::IoPortIssue, { first, last, dest_slot }).error;
}

// --- fault handlers ------------------------------------------------------------------

// Answers the fault held in the reply slot (Reply) or in a saved Reply cap
// (Send), with the replies of <ipc/fault.h>.
inline SyscallResult fault_reply_map(CPtr frame, uint64_t vaddr, uint8_t rights)
{
    return send_encoded(Syscall::Reply, ipc::null_cptr,
                        ipc::MapReply { frame, ipc::VirtAddr(vaddr), ipc::Rights { rights } }.encode());
}
// MapNew: a new zeroed frame from `untyped`, its cap into the empty root slot `frame_slot`.
inline SyscallResult fault_reply_map_new(CPtr frame_slot, uint64_t vaddr, uint8_t rights, CPtr untyped)
{
    return send_encoded(
        Syscall::Reply, ipc::null_cptr,
        ipc::MapNewReply { frame_slot, ipc::VirtAddr(vaddr), ipc::Rights { rights }, untyped }.encode());
}
inline SyscallResult fault_reply_kill(uint64_t reason)
{
    return send_encoded(Syscall::Reply, ipc::null_cptr, ipc::KillReply { reason }.encode());
}
inline SyscallResult fault_send_map(CPtr reply_cap, CPtr frame, uint64_t vaddr, uint8_t rights)
{
    return send_encoded(Syscall::Send, reply_cap,
                        ipc::MapReply { frame, ipc::VirtAddr(vaddr), ipc::Rights { rights } }.encode());
}
inline SyscallResult fault_send_map_new(CPtr reply_cap, CPtr frame_slot, uint64_t vaddr, uint8_t rights,
                                        CPtr untyped)
{
    return send_encoded(
        Syscall::Send, reply_cap,
        ipc::MapNewReply { frame_slot, ipc::VirtAddr(vaddr), ipc::Rights { rights }, untyped }.encode());
}
inline SyscallResult fault_send_kill(CPtr reply_cap, uint64_t reason)
{
    return send_encoded(Syscall::Send, reply_cap, ipc::KillReply { reason }.encode());
}

} // namespace kapi
