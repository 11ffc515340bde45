#pragma once
// Faults are IPC. When a user thread takes a CPU exception the kernel blocks
// it and makes it Call its fault endpoint with one of these messages; the
// badge of the fault endpoint cap tells the handler which client faulted.
// The handler answers with one of the replies below.

#include <cstdint>
#include <ipc/message.h>

namespace ipc {

enum class FaultLabel : uint32_t {
    PageFault = 0x1000, // w0 = address, w1 = ip, w2 = sp, w3 = FaultAccess bits, w4 = timestamp
    Exception = 0x1001, // w0 = vector, w1 = ip, w2 = sp, w3 = error code, w4 = timestamp
};

struct FaultAccess {
    static constexpr uint64_t read = 0, present = 1, write = 2, user = 4, execute = 16;
};

enum class FaultReply : uint32_t {
    Map = 0x2000,  // w0 = Frame CPtr (handler's CSpace), w1 = virtual address, w2 = Rights bits
    Kill = 0x2001, // w0 = reason (free-form code, reported to the supervisor)
    // Map a new frame: w0 = an empty slot of the handler's root CNode, w1 =
    // virtual address, w2 = Rights bits, w3 = Untyped CPtr. One page-sized
    // Frame is retyped from w3 into w0 (zeroed, as Retype makes it) and
    // mapped: an anonymous fault costs one kernel entry, not two.
    MapNew = 0x2002,
};

// The message a supervisor receives when a thread it supervises ends.
// Label ThreadExit; w0 = ExitCause, w1 = reason/status, w2 = fault address,
// w3 = ip. The badge is the supervisor endpoint cap's badge.
inline constexpr uint32_t thread_exit_label = 0x3000;

enum class ExitCause : uint64_t {
    Killed = 1,         // the fault handler replied Kill: w1 = its reason
    NoFaultHandler = 2, // faulted with no fault endpoint: w1 = vector
    HandlerGone = 3,    // the fault endpoint was deleted while the fault was pending
};

constexpr const char* exit_cause_name(ExitCause cause)
{
    switch (cause) {
    case ExitCause::Killed: return "killed by its fault handler";
    case ExitCause::NoFaultHandler: return "faulted with no fault handler";
    case ExitCause::HandlerGone: return "its fault handler went away";
    }
    return "unknown cause";
}

struct FaultMessage {
    FaultLabel label;
    uint64_t address;
    uint64_t ip;
    uint64_t sp;
    uint64_t access_or_error;
    uint64_t timestamp; // rdtsc when the kernel took the fault (w4, when the receiver has an IPC buffer)

    MessageInfo info(bool with_timestamp) const
    {
        return MessageInfo(uint32_t(label), with_timestamp ? 5 : 4);
    }
};

} // namespace ipc
