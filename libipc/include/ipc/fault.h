#pragma once
// Faults are IPC. When a user thread takes a CPU exception the kernel blocks
// it and makes it Call its fault endpoint with a PageFault or an Exception
// message; the badge of the fault endpoint cap tells the handler which
// client faulted (init mints it with ipc::proto::Badge::fault_of(pid), a
// badge only the kernel's fault messages carry). The handler answers with
// MapReply, MapNewReply or KillReply. When a thread dies, its supervisor
// receives a ThreadExit message.
//
// Each message is one type here, with encode() (to a MessageInfo and its
// words) and decode() (from them, refusing anything else). The kernel
// builds the fault and ThreadExit messages and decodes the replies with
// them; the pager decodes the faults and builds its replies with them; init
// decodes ThreadExit. No side indexes the words by hand, so the layouts
// below are the only place they are written down:
//
//   PageFault  0x1000  w0 = address, w1 = ip, w2 = sp, w3 = FaultAccess bits, [w4 = timestamp]
//   Exception  0x1001  w0 = vector,  w1 = ip, w2 = sp, w3 = error code,       [w4 = timestamp]
//   Map        0x2000  w0 = Frame CPtr, w1 = virtual address, w2 = Rights bits
//   Kill       0x2001  w0 = reason (free-form, reported to the supervisor)
//   MapNew     0x2002  w0 = empty root slot, w1 = virtual address, w2 = Rights bits, w3 = Untyped CPtr
//   ThreadExit 0x3000  w0 = ExitCause, w1 = reason, w2 = fault address, w3 = ip
//
// The timestamp (rdtsc when the kernel took the fault) is the fifth word,
// which travels in the IPC buffer: it is there only when the receiver has
// one. Every decoder refuses (InvalidArgument) a wrong label, a length
// outside the message's, an attached capability (or any other bit set in
// the info word), and field values outside their type (rights bits, access
// bits, exit causes, vectors).

#include <cstdint>
#include <ipc/addr.h>
#include <ipc/error.h>
#include <ipc/message.h>
#include <ipc/object.h>
#include <ipc/result.h>

namespace ipc {

enum class FaultLabel : uint32_t {
    PageFault = 0x1000,
    Exception = 0x1001,
};

enum class FaultReply : uint32_t {
    Map = 0x2000,
    Kill = 0x2001,
    // Map a new frame: one page-sized Frame is retyped from the Untyped into
    // the empty slot (zeroed, as Retype makes it) and mapped: an anonymous
    // fault costs one kernel entry, not two.
    MapNew = 0x2002,
};

inline constexpr uint32_t thread_exit_label = 0x3000;

// The labels only the kernel sends (a fault) and the ones only a fault
// handler answers a fault with: a server that also takes requests refuses
// them from anything but the kernel's fault badge.
constexpr bool is_fault_label(uint32_t label)
{
    return label == uint32_t(FaultLabel::PageFault) || label == uint32_t(FaultLabel::Exception);
}
constexpr bool is_fault_protocol_label(uint32_t label)
{
    return is_fault_label(label) || label == uint32_t(FaultReply::Map) || label == uint32_t(FaultReply::Kill)
        || label == uint32_t(FaultReply::MapNew) || label == thread_exit_label;
}

// The access bits of a PageFault (the x86 page-fault error code bits the
// kernel passes on; anything else is not a page fault the kernel reports).
struct FaultAccess {
    static constexpr uint64_t read = 0, present = 1, write = 2, user = 4, reserved_bit = 8, execute = 16;
    static constexpr uint64_t all = present | write | user | reserved_bit | execute;
};

// A CPU exception vector (0-31); page faults (14) come as PageFault.
inline constexpr uint64_t exception_vector_count = 32;

namespace detail {

// The check every decoder starts with: the label, a length in [min, max],
// no capability and no stray bit in the info word, all in one comparison
// (the fault path runs this on every fault). MessageInfo's constructor
// leaves the unused bits 0, so whatever a sender built with it passes.
inline Result<void> check_shape(MessageInfo info, uint32_t label, unsigned min_length, unsigned max_length)
{
    uint64_t past_shortest = info.raw() - MessageInfo(label, min_length).raw();
    if (past_shortest > max_length - min_length)
        return Error::InvalidArgument;
    return {};
}

constexpr bool is_rights_word(uint64_t word) { return (word & ~uint64_t(Rights::all)) == 0; }

} // namespace detail

// ---- the fault messages (kernel -> handler) ---------------------------------

struct PageFault {
    static constexpr FaultLabel label = FaultLabel::PageFault;
    static constexpr unsigned min_length = 4, max_length = 5;

    VirtAddr address; // CR2
    VirtAddr ip;
    VirtAddr sp;
    uint64_t access { 0 };    // FaultAccess bits
    uint64_t timestamp { 0 }; // 0 when the message came without it

    // Without the timestamp, for a receiver that has no IPC buffer.
    constexpr Encoded<max_length> encode(bool with_timestamp = true) const
    {
        return { MessageInfo(uint32_t(label), with_timestamp ? max_length : min_length),
                 { address.get(), ip.get(), sp.get(), access, with_timestamp ? timestamp : 0 } };
    }
    template<unsigned N>
    requires(N >= max_length) static Result<PageFault> decode(MessageInfo info, const uint64_t (&words)[N])
    {
        TRY(detail::check_shape(info, uint32_t(label), min_length, max_length));
        if (words[3] & ~FaultAccess::all)
            return Error::InvalidArgument;
        return PageFault { VirtAddr(words[0]), VirtAddr(words[1]), VirtAddr(words[2]), words[3],
                           info.length() > min_length ? words[4] : 0 };
    }
    constexpr bool operator==(const PageFault&) const = default;
};

struct Exception {
    static constexpr FaultLabel label = FaultLabel::Exception;
    static constexpr unsigned min_length = 4, max_length = 5;

    uint64_t vector { 0 }; // below exception_vector_count
    VirtAddr ip;
    VirtAddr sp;
    uint64_t error_code { 0 }; // the CPU's, or 0
    uint64_t timestamp { 0 };

    constexpr Encoded<max_length> encode(bool with_timestamp = true) const
    {
        return { MessageInfo(uint32_t(label), with_timestamp ? max_length : min_length),
                 { vector, ip.get(), sp.get(), error_code, with_timestamp ? timestamp : 0 } };
    }
    template<unsigned N>
    requires(N >= max_length) static Result<Exception> decode(MessageInfo info, const uint64_t (&words)[N])
    {
        TRY(detail::check_shape(info, uint32_t(label), min_length, max_length));
        if (words[0] >= exception_vector_count)
            return Error::InvalidArgument;
        return Exception { words[0], VirtAddr(words[1]), VirtAddr(words[2]), words[3],
                           info.length() > min_length ? words[4] : 0 };
    }
    constexpr bool operator==(const Exception&) const = default;
};

// The fault a thread Calls its handler with, as the kernel keeps it while
// the thread waits for the answer: one of the two messages, kept as it goes
// on the wire (label and words), so that delivering it is a copy whichever
// it is. Both share the layout w0 = address or vector, w1 = ip, w2 = sp,
// w3 = access bits or error code, w4 = timestamp.
class FaultMessage {
public:
    static constexpr unsigned min_length = PageFault::min_length, max_length = PageFault::max_length;
    static_assert(Exception::min_length == min_length && Exception::max_length == max_length);

    constexpr FaultMessage() = default;
    constexpr FaultMessage(const PageFault& fault) : m_message(fault.encode()) { }
    constexpr FaultMessage(const Exception& fault) : m_message(fault.encode()) { }

    constexpr FaultLabel label() const { return FaultLabel(m_message.info.label()); }
    constexpr bool is_page_fault() const { return label() == FaultLabel::PageFault; }
    // The message itself; call the one is_page_fault() says it is.
    constexpr PageFault page_fault() const
    {
        return { VirtAddr(m_message.words[subject_word]), VirtAddr(m_message.words[ip_word]),
                 VirtAddr(m_message.words[sp_word]), m_message.words[detail_word],
                 m_message.words[timestamp_word] };
    }
    constexpr Exception exception() const
    {
        return { m_message.words[subject_word], VirtAddr(m_message.words[ip_word]),
                 VirtAddr(m_message.words[sp_word]), m_message.words[detail_word],
                 m_message.words[timestamp_word] };
    }
    // For a death notice: the faulting address (an exception has none: 0) and ip.
    constexpr uint64_t address() const { return is_page_fault() ? m_message.words[subject_word] : 0; }
    constexpr uint64_t ip() const { return m_message.words[ip_word]; }

    // Without the timestamp, for a receiver that has no IPC buffer.
    constexpr Encoded<max_length> encode(bool with_timestamp) const
    {
        if (with_timestamp)
            return m_message;
        Encoded<max_length> untimed = m_message;
        untimed.info = MessageInfo(m_message.info.label(), min_length);
        untimed.words[timestamp_word] = 0;
        return untimed;
    }
    template<unsigned N>
    requires(N >= max_length) static Result<FaultMessage> decode(MessageInfo info, const uint64_t (&words)[N])
    {
        if (info.label() == uint32_t(FaultLabel::PageFault))
            return FaultMessage(TRY(PageFault::decode(info, words)));
        return FaultMessage(TRY(Exception::decode(info, words)));
    }

private:
    static constexpr unsigned subject_word = 0, ip_word = 1, sp_word = 2, detail_word = 3, timestamp_word = 4;
    Encoded<max_length> m_message { MessageInfo(uint32_t(FaultLabel::PageFault), max_length), {} };
};

// ---- the replies (handler -> kernel) ----------------------------------------

// Map `frame` (a Frame cap in the handler's CSpace) at `address` in the
// faulter's VSpace with `rights`, and resume the faulter.
struct MapReply {
    static constexpr FaultReply label = FaultReply::Map;
    static constexpr unsigned length = 3;

    CPtr frame { null_cptr };
    VirtAddr address;
    Rights rights { 0 };

    constexpr Encoded<length> encode() const
    {
        return { MessageInfo(uint32_t(label), length), { frame, address.get(), rights.bits } };
    }
    template<unsigned N>
    requires(N >= length) static Result<MapReply> decode(MessageInfo info, const uint64_t (&words)[N])
    {
        TRY(detail::check_shape(info, uint32_t(label), length, length));
        if (!detail::is_rights_word(words[2]))
            return Error::InvalidArgument;
        return MapReply { words[0], VirtAddr(words[1]), Rights { uint8_t(words[2]) } };
    }
    constexpr bool operator==(const MapReply&) const = default;
};

// Retype one page-sized Frame from `untyped` into the empty root slot
// `frame_slot` of the handler, map it at `address` with `rights`, resume.
struct MapNewReply {
    static constexpr FaultReply label = FaultReply::MapNew;
    static constexpr unsigned length = 4;

    CPtr frame_slot { null_cptr };
    VirtAddr address;
    Rights rights { 0 };
    CPtr untyped { null_cptr };

    constexpr Encoded<length> encode() const
    {
        return { MessageInfo(uint32_t(label), length), { frame_slot, address.get(), rights.bits, untyped } };
    }
    template<unsigned N>
    requires(N >= length) static Result<MapNewReply> decode(MessageInfo info, const uint64_t (&words)[N])
    {
        TRY(detail::check_shape(info, uint32_t(label), length, length));
        if (!detail::is_rights_word(words[2]))
            return Error::InvalidArgument;
        return MapNewReply { words[0], VirtAddr(words[1]), Rights { uint8_t(words[2]) }, words[3] };
    }
    constexpr bool operator==(const MapNewReply&) const = default;
};

// End the faulter; its supervisor gets ThreadExit(Killed, reason).
struct KillReply {
    static constexpr FaultReply label = FaultReply::Kill;
    static constexpr unsigned length = 1;

    uint64_t reason { 0 };

    constexpr Encoded<length> encode() const { return { MessageInfo(uint32_t(label), length), { reason } }; }
    template<unsigned N>
    requires(N >= length) static Result<KillReply> decode(MessageInfo info, const uint64_t (&words)[N])
    {
        TRY(detail::check_shape(info, uint32_t(label), length, length));
        return KillReply { words[0] };
    }
    constexpr bool operator==(const KillReply&) const = default;
};

// ---- the death notice (kernel -> supervisor) -------------------------------

enum class ExitCause : uint64_t {
    Killed = 1,         // the fault handler replied Kill: reason = its reason
    NoFaultHandler = 2, // faulted with no fault endpoint: reason = the vector
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

// What a supervisor receives, as if the dead thread had Sent it, with the
// badge of the supervisor cap in the thread's TCB.
struct ThreadExit {
    static constexpr uint32_t label = thread_exit_label;
    static constexpr unsigned length = 4;

    ExitCause cause { ExitCause::Killed };
    uint64_t reason { 0 };
    uint64_t address { 0 }; // the fault address (0 for an exception)
    VirtAddr ip;

    constexpr Encoded<length> encode() const
    {
        return { MessageInfo(label, length), { uint64_t(cause), reason, address, ip.get() } };
    }
    template<unsigned N>
    requires(N >= length) static Result<ThreadExit> decode(MessageInfo info, const uint64_t (&words)[N])
    {
        TRY(detail::check_shape(info, label, length, length));
        if (words[0] < uint64_t(ExitCause::Killed) || words[0] > uint64_t(ExitCause::HandlerGone))
            return Error::InvalidArgument;
        return ThreadExit { ExitCause(words[0]), words[1], words[2], VirtAddr(words[3]) };
    }
    constexpr bool operator==(const ThreadExit&) const = default;
};

} // namespace ipc
