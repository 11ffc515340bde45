#include "io.h"
#include <ipc/proto/console.h>
#include <ipc/proto/slots.h>
#include <ipc/proto/strings.h>
#include <string.h>
#include <syscall.h>

namespace shell {

using ipc::Error;
using ipc::MessageInfo;
namespace console = ipc::proto::console;

namespace {
constexpr ipc::CPtr console_slot = ipc::proto::process_slot_console;
bool g_console_missing = false;
} // namespace

bool console_present()
{
    auto r = request(console_slot, uint32_t(console::Label::Write), { 0 });
    g_console_missing = kapi::call_error(r) != Error::None;
    return !g_console_missing;
}

void write(const char* text, size_t length)
{
    while (length) {
        size_t chunk = length < console::write_max ? length : console::write_max;
        bool sent = false;
        if (!g_console_missing) {
            uint64_t words[ipc::max_message_words] {};
            words[0] = chunk;
            unsigned n = 1 + ipc::proto::pack_string(words + 1, ipc::max_message_words - 1, text, chunk);
            auto r = kapi::send_message(ipc::Syscall::Call, console_slot,
                                        MessageInfo(uint32_t(console::Label::Write), n), words);
            sent = kapi::call_error(r) == Error::None;
        }
        if (!sent)
            (void)sys::debug_print(text, chunk);
        text += chunk;
        length -= chunk;
    }
}

void write(const char* text) { write(text, strlen(text)); }

ipc::Result<size_t> read_input(uint8_t* buffer, size_t capacity)
{
    if (capacity > console::write_max)
        capacity = console::write_max;
    auto r = kapi::call(console_slot, MessageInfo(uint32_t(console::Label::Read), 1), capacity);
    if (Error e = kapi::call_error(r); e != Error::None)
        return e;
    size_t count = r.words[0] < capacity ? r.words[0] : capacity;
    for (size_t i = 0; i < count; ++i)
        buffer[i] = uint8_t(kapi::message_word(r, unsigned(1 + i / 8)) >> (8 * (i % 8)));
    return count;
}

void set_foreground(uint64_t pid)
{
    (void)request(console_slot, uint32_t(console::Label::SetForeground), { pid });
}

kapi::SyscallResult request(ipc::CPtr endpoint, uint32_t label, std::initializer_list<uint64_t> args)
{
    uint64_t words[8] {};
    unsigned n = 0;
    for (uint64_t a : args) {
        if (n < 8)
            words[n++] = a;
    }
    return kapi::send_message(ipc::Syscall::Call, endpoint, MessageInfo(label, n), words);
}

size_t reply_string(const kapi::SyscallResult& r, unsigned first, char* out, size_t capacity)
{
    unsigned length = r.info.clamped_length();
    if (length <= first) {
        if (capacity)
            out[0] = 0;
        return 0;
    }
    uint64_t words[ipc::max_message_words] {};
    unsigned count = length - first - 1;
    for (unsigned i = 0; i < count; ++i)
        words[i] = kapi::message_word(r, first + 1 + i);
    return ipc::proto::unpack_string(words, count, kapi::message_word(r, first), out, capacity);
}

kapi::SyscallResult request_with_string(ipc::CPtr endpoint, uint32_t label, const char* text)
{
    uint64_t words[ipc::max_message_words] {};
    size_t length = strlen(text);
    if (length > ipc::proto::max_path)
        length = ipc::proto::max_path;
    words[0] = length;
    unsigned n = 1 + ipc::proto::pack_string(words + 1, ipc::max_message_words - 1, text, length);
    return kapi::send_message(ipc::Syscall::Call, endpoint, MessageInfo(label, n), words);
}

} // namespace shell
