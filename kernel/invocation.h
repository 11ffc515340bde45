#pragma once
// Object invocations: a Call on a capability to anything other than an
// Endpoint. The decoder reads the message words through a typed view,
// checks every argument and right, and only then changes state.

#include "object/tcb.h"
#include <ipc/message.h>
#include <ipc/result.h>

namespace kernel {

// The words of the caller's message: 0-3 from registers, the rest from its
// IPC buffer, never beyond the length the caller declared. Copied once up
// front, so an invocation that changes the caller's own IPC buffer cannot
// pull the arguments out from under itself.
class MessageWords {
public:
    explicit MessageWords(Tcb& caller);
    unsigned length() const { return m_length; }
    uint64_t operator[](unsigned i) const { return i < m_length ? m_words[i] : 0; }
    ipc::Result<void> require(unsigned count) const;

private:
    static constexpr unsigned max_argument_words = 24;
    uint64_t m_words[max_argument_words]; // only [0, m_length) is ever read: no zeroing
    unsigned m_length;
};

// Words an invocation answers with (at most 18).
struct InvocationResult {
    uint64_t words[18] {};
    unsigned length { 0 };
    void push(uint64_t w) { words[length++] = w; }
};

ipc::Result<void> invoke_object(Tcb& caller, Slot& target, uint32_t label, InvocationResult& result);

} // namespace kernel
