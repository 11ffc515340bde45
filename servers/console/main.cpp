// console: the serial console server. It owns COM1 (an IoPort cap for
// 0x3f8-0x3ff and the handler of IRQ 4) and serves the protocol of
// <ipc/proto/console.h>: raw bytes out (Write), raw bytes in (Read), and the
// foreground pid that a typed Ctrl-C kills (SetForeground). Line editing and
// echo are the shell's business.
//
// Two threads share this address space; all state belongs to the main one:
//   main   serves requests on our endpoint. A Read with input buffered is
//          answered at once; otherwise its Reply cap is saved in our CNode
//          and answered, oldest first, when bytes arrive.
//   input  waits on the IRQ notification, drains the receive FIFO, acks the
//          IRQ, and hands the bytes to the main thread by Calling our own
//          endpoint with `input_label` (through a cap minted with
//          `input_badge`, so no client can forge input). It never touches
//          the state.
// A Ctrl-C byte while a foreground pid is set is echoed as "^C" and turned
// into Kill(pid) on the process manager's endpoint instead of being input.
//
// Output is polled (LSR bit 5 before every byte), "\n" goes out as "\r\n".
// The kernel log and programs' debug prints also write COM1 directly; lines
// may interleave, bytes are never lost.
//
// CSpace (given by init): see the slot constants below.
#include <ipc/proto/console.h>
#include <ipc/proto/slots.h>
#include <ipc/proto/strings.h>
#include <kernel_api.h>
#include <process.h>
#include <stdio.h>
#include <syscall.h>

namespace {

using ipc::CPtr;
using ipc::Error;
using ipc::MessageInfo;
using ipc::ObjectType;
namespace proto = ipc::proto::console;

// Given by init.
constexpr CPtr slot_cnode = ipc::proto::process_slot_cnode;
constexpr CPtr slot_vspace = ipc::proto::process_slot_vspace;
constexpr CPtr slot_service = ipc::proto::process_slot_console; // our endpoint, read + write
constexpr CPtr slot_ports = 9;                                  // IoPort 0x3f8-0x3ff
constexpr CPtr slot_irq = 10;                                   // IrqHandler for IRQ 4
constexpr CPtr slot_notification = 11;
constexpr CPtr slot_untyped = 12; // 2^16 bytes for the input thread
// Ours.
constexpr CPtr slot_input_endpoint = 13; // slot_service minted with input_badge
constexpr CPtr slot_input_tcb = 14;
constexpr CPtr slot_input_ipc_frame = 15;
constexpr CPtr first_reader_slot = 16; // saved Reply caps of blocked readers
constexpr unsigned max_readers = 32;   // slots 16..47 (init puts our image's pages at 64..)

constexpr uint32_t input_label = 0x4ff;
constexpr uint64_t input_badge = uint64_t(1) << 60;
constexpr uint64_t input_ipc_buffer_address = 0x0000'7fff'c000'0000;

// COM1 registers.
constexpr uint16_t com1 = 0x3f8;
constexpr uint16_t reg_data = com1 + 0; // RBR (read) / THR (write)
constexpr uint16_t reg_interrupt_enable = com1 + 1;
constexpr uint16_t reg_fifo_control = com1 + 2;
constexpr uint16_t reg_modem_control = com1 + 4;
constexpr uint16_t reg_line_status = com1 + 5;
constexpr uint8_t lsr_data_ready = 0x01, lsr_transmit_empty = 0x20;
constexpr uint8_t ier_receive = 0x01;
constexpr uint8_t mcr_dtr_rts_out2 = 0x0b;     // OUT2 gates the UART's IRQ onto the bus
constexpr uint8_t fcr_enable_trigger_1 = 0x01; // FIFO on, interrupt at every byte, nothing cleared

// --- the port ----------------------------------------------------------------

bool g_have_port = true; // false: COM1 refused us, output goes through the kernel log

void put_byte(uint8_t byte)
{
    for (;;) {
        auto status = kapi::ioport_in8(slot_ports, reg_line_status);
        if (status.is_error())
            return;
        if (status.value() & lsr_transmit_empty)
            break;
    }
    (void)kapi::ioport_out8(slot_ports, reg_data, byte);
}

void put_bytes(const char* text, size_t length)
{
    if (!g_have_port) {
        (void)sys::debug_print(text, length);
        return;
    }
    for (size_t i = 0; i < length; ++i) {
        if (text[i] == '\n')
            put_byte('\r');
        put_byte(uint8_t(text[i]));
    }
}

Error setup_port()
{
    struct Setting {
        uint16_t port;
        uint8_t value;
    };
    const Setting settings[] = { { reg_fifo_control, fcr_enable_trigger_1 },
                                 { reg_modem_control, mcr_dtr_rts_out2 },
                                 { reg_interrupt_enable, ier_receive } };
    for (Setting s : settings) {
        if (Error e = kapi::ioport_out8(slot_ports, s.port, s.value); e != Error::None)
            return e;
    }
    // Whatever arrived before we listened.
    for (unsigned i = 0; i < 64; ++i) {
        auto status = kapi::ioport_in8(slot_ports, reg_line_status);
        if (status.is_error() || !(status.value() & lsr_data_ready))
            break;
        (void)kapi::ioport_in8(slot_ports, reg_data);
    }
    return kapi::irq_set_notification(slot_irq, slot_notification);
}

// --- the input thread ------------------------------------------------------------

alignas(16) uint8_t g_input_stack[8192];
ipc::IpcBuffer* g_input_ipc_buffer = nullptr;

ipc::IpcBuffer* locate_ipc_buffer()
{
    auto sp = reinterpret_cast<uint64_t>(__builtin_frame_address(0));
    auto base = reinterpret_cast<uint64_t>(g_input_stack);
    if (sp >= base && sp < base + sizeof(g_input_stack))
        return g_input_ipc_buffer;
    return nullptr; // the main thread: the default buffer
}

// Up to 24 bytes travel in registers (w1..w3); w0 is the count.
void hand_over(const uint8_t* bytes, unsigned count)
{
    uint64_t words[3] {};
    for (unsigned i = 0; i < count; ++i)
        words[i / 8] |= uint64_t(bytes[i]) << (8 * (i % 8));
    (void)kapi::call(slot_input_endpoint, MessageInfo(input_label, 4), count, words[0], words[1], words[2]);
}

[[noreturn]] void input_thread()
{
    constexpr unsigned chunk = 24;
    for (;;) {
        (void)kapi::wait(slot_notification);
        uint8_t bytes[chunk];
        unsigned count = 0;
        for (;;) {
            auto status = kapi::ioport_in8(slot_ports, reg_line_status);
            if (status.is_error() || !(status.value() & lsr_data_ready))
                break;
            auto byte = kapi::ioport_in8(slot_ports, reg_data);
            if (byte.is_error())
                break;
            bytes[count++] = byte.value();
            if (count == chunk) {
                hand_over(bytes, count);
                count = 0;
            }
        }
        // Bytes arriving from here on raise the (edge-triggered) line again;
        // the PIC holds that edge until the ack unmasks it.
        (void)kapi::irq_ack(slot_irq);
        if (count)
            hand_over(bytes, count);
    }
}

Error start_input_thread()
{
    Error e
        = kapi::cnode_mint(slot_cnode, slot_input_endpoint, 0, slot_service, ipc::Rights::write, input_badge);
    if (e == Error::None)
        e = kapi::untyped_retype(slot_untyped, ObjectType::Tcb, 0, 0, slot_input_tcb, 1);
    if (e == Error::None)
        e = kapi::untyped_retype(slot_untyped, ObjectType::Frame, 0, 0, slot_input_ipc_frame, 1);
    if (e == Error::None)
        e = kapi::vspace_map(slot_vspace, slot_input_ipc_frame, input_ipc_buffer_address,
                             ipc::Rights::read | ipc::Rights::write);
    if (e != Error::None)
        return e;
    g_input_ipc_buffer = reinterpret_cast<ipc::IpcBuffer*>(input_ipc_buffer_address);
    kapi::set_ipc_buffer_locator(locate_ipc_buffer);
    // As urgent as we are: the highest priority the kernel lets us give
    // (above our own is OutOfRange).
    Error configured = Error::OutOfRange;
    for (unsigned priority = 255; priority > 0 && configured == Error::OutOfRange; --priority)
        configured = kapi::tcb_configure(slot_input_tcb, slot_cnode, slot_vspace, slot_input_ipc_frame,
                                         input_ipc_buffer_address, 0, priority);
    if (configured != Error::None)
        return configured;
    uint64_t top = reinterpret_cast<uint64_t>(g_input_stack + sizeof(g_input_stack));
    *reinterpret_cast<uint64_t*>(top - 8) = 0; // a zero return address: (rsp + 8) % 16 == 0 at entry
    kapi::Registers regs {};
    regs.rip = reinterpret_cast<uint64_t>(&input_thread);
    regs.rsp = top - 8;
    regs.rflags = 0x202;
    if (e = kapi::tcb_write_registers(slot_input_tcb, regs); e != Error::None)
        return e;
    return kapi::tcb_resume(slot_input_tcb);
}

// --- state (main thread only) -------------------------------------------------------

class InputBuffer {
public:
    bool empty() const { return m_count == 0; }
    size_t size() const { return m_count; }
    void push(uint8_t byte)
    {
        if (m_count == sizeof(m_bytes))
            return; // nobody reads: drop what does not fit
        m_bytes[(m_head + m_count++) % sizeof(m_bytes)] = byte;
    }
    uint8_t peek(size_t i) const { return m_bytes[(m_head + i) % sizeof(m_bytes)]; }
    void drop(size_t n)
    {
        m_head = (m_head + n) % sizeof(m_bytes);
        m_count -= n;
    }

private:
    uint8_t m_bytes[2048];
    size_t m_head { 0 };
    size_t m_count { 0 };
};

struct Reader {
    CPtr reply; // saved Reply cap
    uint64_t wanted;
};

InputBuffer g_input;
Reader g_readers[max_readers]; // FIFO: g_readers[0] is the oldest
unsigned g_reader_count = 0;
uint64_t g_foreground = 0;

// A Read reply: w0 = count, w1.. = bytes (not yet taken from the buffer).
unsigned read_reply(uint64_t wanted, uint64_t* words, size_t& count)
{
    count = g_input.size();
    if (count > wanted)
        count = wanted;
    if (count > proto::write_max)
        count = proto::write_max;
    words[0] = count;
    for (unsigned w = 0; w < (count + 7) / 8; ++w)
        words[1 + w] = 0;
    for (size_t i = 0; i < count; ++i)
        words[1 + i / 8] |= uint64_t(g_input.peek(i)) << (8 * (i % 8));
    return unsigned(1 + (count + 7) / 8);
}

CPtr free_reader_slot()
{
    for (CPtr slot = first_reader_slot; slot < first_reader_slot + max_readers; ++slot) {
        bool used = false;
        for (unsigned i = 0; i < g_reader_count; ++i)
            used |= g_readers[i].reply == slot;
        if (!used)
            return slot;
    }
    return 0;
}

// Answers blocked readers, oldest first, while there is input.
void serve_readers()
{
    while (g_reader_count && !g_input.empty()) {
        Reader reader = g_readers[0];
        for (unsigned i = 1; i < g_reader_count; ++i)
            g_readers[i - 1] = g_readers[i];
        --g_reader_count;
        uint64_t words[ipc::max_message_words];
        size_t count;
        unsigned length = read_reply(reader.wanted, words, count);
        auto sent = kapi::send_message(ipc::Syscall::Send, reader.reply, MessageInfo(0, length), words);
        if (sent.ok())
            g_input.drop(count); // else the reader is gone: the bytes go to the next one
        (void)kapi::cnode_delete(slot_cnode, reader.reply);
    }
}

void interrupt_foreground()
{
    put_bytes("^C\n", 3);
    // Our process cap has the operator right: the person at the keyboard may
    // end any program. A foreground pid that has ended already is NotFound.
    (void)libc::kill(g_foreground);
}

void take_input(const kapi::SyscallResult& m)
{
    uint64_t count = m.words[0] > 24 ? 24 : m.words[0];
    for (uint64_t i = 0; i < count; ++i) {
        auto byte = uint8_t(m.words[1 + i / 8] >> (8 * (i % 8)));
        if (byte == proto::interrupt_character && g_foreground)
            interrupt_foreground();
        else
            g_input.push(byte);
    }
    serve_readers();
}

struct Answer {
    bool deferred { false }; // the caller's Reply cap was saved: answer nothing now
    Error error { Error::None };
    unsigned length { 0 };
    uint64_t words[ipc::max_message_words] {};
};

Answer handle(const kapi::SyscallResult& m)
{
    Answer a;
    if (m.badge == input_badge && m.info.label() == input_label) {
        take_input(m);
        return a;
    }
    switch (proto::Label(m.info.label())) {
    case proto::Label::Write: {
        uint64_t length = m.words[0];
        if (length > proto::write_max || m.info.length() < 1 + (length + 7) / 8) {
            a.error = Error::InvalidArgument;
            return a;
        }
        char text[proto::write_max];
        for (uint64_t i = 0; i < length; ++i)
            text[i] = char(kapi::message_word(m, unsigned(1 + i / 8), kapi::ipc_buffer()) >> (8 * (i % 8)));
        put_bytes(text, length);
        return a;
    }
    case proto::Label::Read: {
        if (!g_input.empty() || m.words[0] == 0) {
            size_t count;
            a.length = read_reply(m.words[0], a.words, count);
            g_input.drop(count);
            return a;
        }
        CPtr slot = free_reader_slot();
        if (!slot) {
            a.error = Error::Busy;
            return a;
        }
        if (Error e = kapi::cnode_save_caller(slot_cnode, slot); e != Error::None) {
            a.error = e;
            return a;
        }
        g_readers[g_reader_count++] = Reader { slot, m.words[0] };
        a.deferred = true;
        return a;
    }
    case proto::Label::SetForeground: g_foreground = m.words[0]; return a;
    }
    a.error = Error::InvalidArgument;
    return a;
}

} // namespace

int main(int, char**)
{
    if (Error e = setup_port(); e != Error::None) {
        g_have_port = false;
        libc::print("console: cannot drive COM1 ({}): output only, through the kernel log\n",
                    ipc::error_name(e));
    } else if (Error t = start_input_thread(); t != Error::None) {
        libc::print("console: cannot start the input thread ({}): output only\n", ipc::error_name(t));
    }
    auto message = kapi::recv(slot_service);
    for (;;) {
        if (!message.ok()) {
            message = kapi::recv(slot_service);
            continue;
        }
        Answer a = handle(message);
        if (a.deferred)
            message = kapi::recv(slot_service);
        else
            message = kapi::send_message(ipc::Syscall::ReplyRecv, slot_service,
                                         MessageInfo(uint32_t(a.error), a.length), a.words);
    }
}
