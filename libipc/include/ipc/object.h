#pragma once
// Kernel object types, capability rights and the invocation labels of each
// object type. A Call on a capability to anything but an Endpoint invokes
// the object: the label says what to do, the message words are arguments.

#include <cstdint>

namespace ipc {

enum class ObjectType : uint8_t {
    Null = 0,
    Untyped = 1,
    CNode = 2,
    Tcb = 3,
    Endpoint = 4,
    Notification = 5,
    VSpace = 6,
    Frame = 7,
    IrqHandler = 8,
    IoPort = 9,
    Reply = 10,
    IrqControl = 11, // creates IrqHandler caps
    Count
};

const char* object_type_name(ObjectType);

// Capability rights. Each object type reads them in its own way: Read and
// Write are frame mapping rights, receive and send rights on endpoints and
// notifications; Grant lets capabilities travel through an endpoint.
struct Rights {
    static constexpr uint8_t read = 1, write = 2, execute = 4, grant = 8, all = 15;
    uint8_t bits { all };

    constexpr bool has(uint8_t r) const { return (bits & r) == r; }
    constexpr Rights masked(uint8_t keep) const { return Rights { uint8_t(bits & keep) }; }
    constexpr bool operator==(const Rights&) const = default;
};

// Invocation labels. Arguments are message words w0, w1, ...; results come
// back in the reply's words.
enum class Invocation : uint32_t {
    // Untyped: w0 = ObjectType, w1 = size_bits (CNode: radix; Untyped: size),
    // w2 = destination CNode CPtr (0 = own root), w3 = first slot, w4 = count.
    UntypedRetype = 1,
    UntypedDescribe = 2, // -> w0 = physical base, w1 = size bits, w2 = free bytes

    // CNode (invoked on a CNode cap; "slot" = index in that CNode):
    // Copy/Mint/Move: w0 = dest slot, w1 = source CNode CPtr (0 = own root),
    // w2 = source slot, w3 = rights mask, w4 = badge (Mint only).
    CNodeCopy = 10,
    CNodeMint = 11,
    CNodeMove = 12,
    CNodeDelete = 13,     // w0 = slot
    CNodeRevoke = 14,     // w0 = slot: delete every capability derived from it
    CNodeSaveCaller = 15, // w0 = slot: move the pending reply capability there
    CNodeDescribe = 16,   // w0 = slot -> w0 = ObjectType, w1 = rights, w2 = badge

    // TCB: Configure: w0 = CSpace CNode CPtr, w1 = VSpace CPtr, w2 = IPC buffer
    // Frame CPtr (0 = none), w3 = IPC buffer address, w4 = fault endpoint CPtr
    // (0 = none), w5 = priority.
    TcbConfigure = 20,
    TcbSetPriority = 21,    // w0 = priority (0-255, at most the caller's)
    TcbReadRegisters = 22,  // -> w0 = rip, w1 = rsp, w2 = rflags, w3.. = rax rbx rcx rdx rsi rdi rbp r8-r15
    TcbWriteRegisters = 23, // w0 = rip, w1 = rsp, w2 = rflags (sanitised), w3.. as above
    TcbResume = 24,
    TcbSuspend = 25,
    TcbSetSupervisor = 26, // w0 = Endpoint CPtr that receives this thread's exit message (0 = none)

    // VSpace: Map: w0 = Frame CPtr, w1 = virtual address, w2 = Rights bits.
    // Unmap and Protect name the mapping by the Frame cap that made it (a
    // Frame cap maps at most once), so the kernel's records stay exact.
    VSpaceMap = 30,
    VSpaceUnmap = 31,    // w0 = Frame CPtr (mapped in this VSpace)
    VSpaceProtect = 32,  // w0 = Frame CPtr (mapped in this VSpace), w1 = Rights bits
    VSpaceBindPool = 33, // w0 = Untyped CPtr that pays for this VSpace's page tables

    FrameDescribe = 40, // -> w0 = physical address, w1 = mapped (0/1), w2 = vaddr

    // IRQs: IrqControlGet on the IrqControl cap: w0 = irq, w1 = dest slot.
    IrqControlGet = 50,
    IrqSetNotification = 51, // on an IrqHandler: w0 = Notification CPtr
    IrqAck = 52,

    // IOPort caps cover a port range: w0 = port, (w1 = value for Out).
    IoPortIn8 = 60,
    IoPortOut8 = 61,
    IoPortIssue = 62, // on any IOPort cap, for a sub-range of it: w0 = first, w1 = last, w2 = dest slot
};

} // namespace ipc
