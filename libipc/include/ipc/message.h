#pragma once
// The IPC message: an info word, up to `max_message_words` words and up to
// `max_extra_caps` capabilities. Words 0-3 travel in registers (the fast
// path); the rest, and the capability pointers, in the IPC buffer.

#include <cstdint>

namespace ipc {

inline constexpr unsigned register_message_words = 4;
inline constexpr unsigned max_message_words = 64;
inline constexpr unsigned max_extra_caps = 3;

using CPtr = uint64_t;               // a slot index in the caller's CSpace root CNode
inline constexpr CPtr null_cptr = 0; // slot 0 is never used, so 0 means "no cap"

// info = label << 32 | extra_caps << 8 | length
class MessageInfo {
public:
    constexpr MessageInfo() = default;
    constexpr MessageInfo(uint32_t label, unsigned length, unsigned extra_caps = 0)
        : m_raw((uint64_t(label) << 32) | (uint64_t(extra_caps & 3) << 8) | (length & 0x7f))
    {
    }
    static constexpr MessageInfo from_raw(uint64_t raw)
    {
        MessageInfo info;
        info.m_raw = raw;
        return info;
    }

    constexpr uint32_t label() const { return uint32_t(m_raw >> 32); }
    constexpr unsigned length() const { return unsigned(m_raw & 0x7f); }
    constexpr unsigned extra_caps() const { return unsigned((m_raw >> 8) & 3); }
    constexpr uint64_t raw() const { return m_raw; }
    // A length beyond max_message_words is clamped by the kernel, never trusted.
    constexpr unsigned clamped_length() const
    {
        return length() > max_message_words ? max_message_words : length();
    }

private:
    uint64_t m_raw { 0 };
};

// A message as a codec makes it (encode) or takes it apart (decode): the
// info word and the words; only the first info.length() of them mean
// anything. Each message type (ipc/fault.h, ...) has one encode() that
// returns this and one decode() that takes it back, so the word layout of
// a message is written down once.
template<unsigned Capacity>
struct Encoded {
    static constexpr unsigned capacity = Capacity;
    MessageInfo info;
    uint64_t words[Capacity] {};
};

// One page, mapped into the thread's VSpace and registered with TcbConfigure.
struct IpcBuffer {
    uint64_t words[max_message_words]; // words[0..3] unused: those travel in registers
    CPtr caps[max_extra_caps];         // send: caps to transfer (needs grant on the endpoint)
    CPtr receive_slot;                 // receive: where a transferred cap lands (0 = refuse caps)
    uint64_t received_badges[max_extra_caps];
    uint64_t user_data; // free for the thread's own use (e.g. TLS pointer)
};
static_assert(sizeof(IpcBuffer) <= 4096);

} // namespace ipc
