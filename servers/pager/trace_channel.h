#pragma once
// The host trace channel: COM2, a 16550 UART whose other end is a file on
// the host (QEMU's second `-serial`; `make run` makes it build/trace.jsonl).
// The pager alone holds the port, through the IoPort cap init gave it
// (cspace::trace_port_slot), and writes whole lines of trace records
// (trace_record.h) to it; the console never sees them.
//
// The channel is opened on first use (the first `trace on`), so a boot that
// never traces never touches the port. A missing cap or a missing UART (QEMU
// without a second -serial has no COM2: its ports read 0xff) leaves it
// closed. Writing polls the line status before every 16 bytes (the transmit
// FIFO's size) a bounded number of times: a UART whose bytes are not taken
// stops the channel instead of hanging the pager.

#include <cstdint>
#include <string_view>

namespace pager::trace {

enum class ChannelState : uint8_t {
    Unopened,
    Open,
    NoPortCap, // the IoPort cap is missing or refused
    NoUart,    // no UART answers at COM2
    Stopped,   // the UART stopped taking bytes; nothing more is written
};

class HostChannel {
public:
    // Probes and sets up the UART on the first call; later calls only give the state.
    ChannelState open();
    ChannelState state() const { return m_state; }
    bool is_open() const { return m_state == ChannelState::Open; }
    // Writes all of `line`. False when the UART stopped taking bytes: the
    // channel is then Stopped (a part of the line may have gone out).
    bool write(std::string_view line);

private:
    ChannelState m_state { ChannelState::Unopened };
};

HostChannel& host_channel();

} // namespace pager::trace
