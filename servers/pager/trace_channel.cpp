#include "trace_channel.h"
#include "cspace.h"
#include <kernel_api.h>

namespace pager::trace {

namespace {

using ipc::Error;

constexpr ipc::CPtr ports = cspace::trace_port_slot;
constexpr uint16_t com2 = cspace::com2_first_port;
constexpr uint16_t reg_data = com2 + 0; // THR (write)
constexpr uint16_t reg_interrupt_enable = com2 + 1;
constexpr uint16_t reg_divisor_low = com2 + 0; // while LCR's divisor latch bit is set
constexpr uint16_t reg_divisor_high = com2 + 1;
constexpr uint16_t reg_fifo_control = com2 + 2;
constexpr uint16_t reg_line_control = com2 + 3;
constexpr uint16_t reg_modem_control = com2 + 4;
constexpr uint16_t reg_line_status = com2 + 5;
constexpr uint16_t reg_scratch = com2 + 7;
static_assert(reg_scratch == cspace::com2_last_port);

constexpr uint8_t lcr_divisor_latch = 0x80;
constexpr uint8_t lcr_8n1 = 0x03;
constexpr uint8_t fcr_enable_and_clear = 0x07;
constexpr uint8_t mcr_dtr_rts = 0x03; // no OUT2: this UART raises no interrupt
constexpr uint8_t lsr_transmit_empty = 0x20;
constexpr uint8_t divisor_115200 = 1;

constexpr unsigned fifo_bytes = 16;
// Polls of the line status before giving up on the UART. QEMU empties the
// FIFO as the bytes are written; a real 16550 at 115200 baud takes about
// 1.4 ms per FIFO, far fewer polls than this.
constexpr unsigned max_polls = 1u << 16;

HostChannel g_channel;

bool write_register(uint16_t reg, uint8_t value)
{
    return kapi::ioport_out8(ports, reg, value) == Error::None;
}

// A UART has a scratch register that keeps what is written to it; no device
// reads as 0xff whatever was written.
ChannelState probe()
{
    for (uint8_t pattern : { uint8_t(0x5a), uint8_t(0xa5) }) {
        if (!write_register(reg_scratch, pattern))
            return ChannelState::NoPortCap;
        auto back = kapi::ioport_in8(ports, reg_scratch);
        if (back.is_error())
            return ChannelState::NoPortCap;
        if (back.value() != pattern)
            return ChannelState::NoUart;
    }
    return ChannelState::Open;
}

bool wait_transmitter_empty()
{
    for (unsigned poll = 0; poll < max_polls; ++poll) {
        auto status = kapi::ioport_in8(ports, reg_line_status);
        if (status.is_error())
            return false;
        if (status.value() & lsr_transmit_empty)
            return true;
    }
    return false;
}

} // namespace

HostChannel& host_channel() { return g_channel; }

ChannelState HostChannel::open()
{
    if (m_state != ChannelState::Unopened)
        return m_state;
    m_state = probe();
    if (m_state != ChannelState::Open)
        return m_state;
    // 115200 baud, 8 data bits, no parity, one stop bit; FIFOs on and empty;
    // no interrupts (we poll).
    const struct {
        uint16_t reg;
        uint8_t value;
    } setup[] = { { reg_interrupt_enable, 0 },         { reg_line_control, lcr_divisor_latch },
                  { reg_divisor_low, divisor_115200 }, { reg_divisor_high, 0 },
                  { reg_line_control, lcr_8n1 },       { reg_fifo_control, fcr_enable_and_clear },
                  { reg_modem_control, mcr_dtr_rts } };
    for (auto s : setup) {
        if (!write_register(s.reg, s.value)) {
            m_state = ChannelState::NoPortCap;
            break;
        }
    }
    return m_state;
}

bool HostChannel::write(std::string_view line)
{
    if (m_state != ChannelState::Open)
        return false;
    for (size_t at = 0; at < line.size(); at += fifo_bytes) {
        if (!wait_transmitter_empty()) {
            m_state = ChannelState::Stopped;
            return false;
        }
        size_t end = line.size() - at < fifo_bytes ? line.size() : at + fifo_bytes;
        for (size_t i = at; i < end; ++i) {
            if (!write_register(reg_data, uint8_t(line[i]))) {
                m_state = ChannelState::Stopped;
                return false;
            }
        }
    }
    return true;
}

} // namespace pager::trace
