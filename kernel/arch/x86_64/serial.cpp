// COM1 at 115200 8N1, polled. The kernel log only writes; line input belongs
// to the userspace console server.
#include "arch/arch.h"
#include "cpu.h"

namespace arch {

namespace {
constexpr uint16_t com1 = 0x3f8;
constexpr uint8_t line_status_transmit_empty = 0x20;

void put(char c)
{
    while (!(x86_64::inb(com1 + 5) & line_status_transmit_empty))
        ;
    x86_64::outb(com1, uint8_t(c));
}
} // namespace

void console_init()
{
    using x86_64::outb;
    outb(com1 + 1, 0x00); // no interrupts
    outb(com1 + 3, 0x80); // DLAB on
    outb(com1 + 0, 0x01); // divisor 1 = 115200 baud
    outb(com1 + 1, 0x00);
    outb(com1 + 3, 0x03); // 8N1, DLAB off
    outb(com1 + 2, 0xc7); // FIFO on, cleared, 14-byte threshold
    outb(com1 + 4, 0x03); // DTR, RTS
}

void console_write(const char* text, size_t length)
{
    for (size_t i = 0; i < length; ++i) {
        if (text[i] == '\n')
            put('\r');
        put(text[i]);
    }
}

} // namespace arch
