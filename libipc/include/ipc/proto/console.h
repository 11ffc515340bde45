#pragma once
// The console server protocol. The console owns COM1 (an IoPort cap for
// 0x3f8-0x3ff and the IRQ 4 handler) and serves raw bytes: line editing is
// the shell's business. Every reply's label is an ipc::Error.
//
//   Write          w0 = length (at most write_max), w1.. = bytes (packed, see strings.h)
//   Read           w0 = most bytes wanted; blocks until at least one byte
//                  is there -> w0 = count, w1.. = bytes
//   SetForeground  w0 = pid (0 = none): a Ctrl-C typed while it runs kills
//                  it through the process manager (and is echoed as ^C,
//                  not delivered as input)

#include <cstdint>
#include <ipc/message.h>

namespace ipc::proto::console {

enum class Label : uint32_t {
    Write = 0x400,
    Read = 0x401,
    SetForeground = 0x402,
};

inline constexpr unsigned write_max = 8 * (max_message_words - 1);
inline constexpr uint8_t interrupt_character = 0x03; // Ctrl-C

} // namespace ipc::proto::console
