// fs: the file server. It serves the initrd (a cpio archive that init maps
// read-only into our address space: start arguments 0 and 1 are its address
// and size) through the protocol of <ipc/proto/fs.h>. Every reply's label is
// an ipc::Error. A malformed archive is reported once and then every request
// is answered with that error; nothing a client sends can crash us.
#include "cpio.h"
#include <ipc/proto/fs.h>
#include <ipc/proto/slots.h>
#include <ipc/proto/strings.h>
#include <kernel_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

namespace {

using ipc::Error;
using ipc::MessageInfo;
namespace proto = ipc::proto::fs;

constexpr ipc::CPtr received_frame_slot = ipc::proto::process_slot_first_free;
constexpr uint64_t fill_window = 0x0000'2000'0000'0000;

fs::Archive g_archive;
Error g_archive_error = Error::None;

struct Reply {
    Error error { Error::None };
    unsigned length { 0 };
    uint64_t words[ipc::max_message_words]; // only [0, length) is sent: not zeroed per request
    void push(uint64_t w) { words[length++] = w; }
};

uint64_t type_code(fs::EntryType t)
{
    switch (t) {
    case fs::EntryType::File: return uint64_t(proto::FileType::Regular);
    case fs::EntryType::Directory: return uint64_t(proto::FileType::Directory);
    case fs::EntryType::Other: return uint64_t(proto::FileType::Other);
    }
    return uint64_t(proto::FileType::Other);
}

// A path from words[first]: its length, then the packed bytes.
std::string_view read_path(const uint64_t* words, unsigned length, unsigned first,
                           char (&buffer)[ipc::proto::max_path + 1])
{
    if (length <= first)
        return {};
    unsigned word_count = length - first - 1;
    size_t n = ipc::proto::unpack_string(words + first + 1, word_count, words[first], buffer, sizeof(buffer));
    return { buffer, n };
}

void open(const uint64_t* w, unsigned length, Reply& r)
{
    char buffer[ipc::proto::max_path + 1];
    auto stat = g_archive.stat(read_path(w, length, 0, buffer));
    if (stat.is_error()) {
        r.error = stat.error();
        return;
    }
    r.push(stat.value().id);
    r.push(stat.value().size);
    r.push(type_code(stat.value().type));
}

void stat_file(const uint64_t* w, Reply& r)
{
    auto entry = g_archive.entry(fs::FileId(w[0]));
    if (entry.is_error()) {
        r.error = entry.error();
        return;
    }
    r.push(entry.value()->size);
    r.push(type_code(entry.value()->type));
    r.push(entry.value()->mode);
}

void read_file(const uint64_t* w, Reply& r)
{
    uint8_t bytes[proto::read_max];
    uint64_t wanted = w[2] < sizeof(bytes) ? w[2] : sizeof(bytes);
    auto n = g_archive.read(fs::FileId(w[0]), w[1], std::span<uint8_t>(bytes, wanted));
    if (n.is_error()) {
        r.error = n.error();
        return;
    }
    r.push(n.value());
    memset(bytes + n.value(), 0, sizeof(bytes) - n.value());
    for (size_t i = 0; i < (n.value() + 7) / 8; ++i) {
        uint64_t word;
        memcpy(&word, bytes + i * 8, 8);
        r.push(word);
    }
}

// The w0-th child of a directory (0-based). Archive::list pages through a
// directory with a cursor of its own, so walk to the wanted child.
void list(const uint64_t* w, unsigned length, Reply& r)
{
    char buffer[ipc::proto::max_path + 1];
    std::string_view path = read_path(w, length, 1, buffer);
    fs::DirEntry entry[1];
    size_t cursor = 0;
    for (uint64_t i = 0;; ++i) {
        auto page = g_archive.list(path, entry, cursor);
        if (page.is_error()) {
            r.error = page.error();
            return;
        }
        if (page.value().count == 0) {
            r.error = Error::NotFound;
            return;
        }
        if (i == w[0])
            break;
        if (!page.value().more) {
            r.error = Error::NotFound;
            return;
        }
        cursor = page.value().next_cursor;
    }
    uint64_t size = 0;
    if (entry[0].id != fs::no_file) {
        if (auto e = g_archive.entry(entry[0].id); !e.is_error())
            size = e.value()->size;
    }
    r.push(type_code(entry[0].type));
    r.push(size);
    r.push(entry[0].name.size());
    r.length += ipc::proto::pack_string(r.words + r.length, ipc::max_message_words - r.length,
                                        entry[0].name.data(), entry[0].name.size());
}

// The frame arrives as a transferred cap; we map it, fill it, and delete our
// copy (which unmaps it) before answering.
void fill_page(const uint64_t* w, MessageInfo info, Reply& r)
{
    if (info.extra_caps() != 1) {
        r.error = Error::InvalidArgument;
        return;
    }
    Error mapped = kapi::vspace_map(ipc::proto::process_slot_vspace, received_frame_slot, fill_window,
                                    ipc::Rights::read | ipc::Rights::write);
    if (mapped != Error::None) {
        r.error = mapped;
    } else {
        auto* frame = reinterpret_cast<uint8_t*>(fill_window);
        auto filled = g_archive.page(fs::FileId(w[0]), w[1], fs::PageFrame(frame, ipc::page_size));
        if (filled.is_error())
            r.error = filled.error();
        else
            r.push(filled.value().data_bytes);
    }
    (void)kapi::cnode_delete(ipc::proto::process_slot_cnode, received_frame_slot);
}

void handle(const kapi::SyscallResult& message, Reply& r)
{
    // The handlers read fixed arguments among the register words and the
    // rest only below `length`: zero those four, not all 64, per request.
    uint64_t w[ipc::max_message_words];
    for (unsigned i = 0; i < ipc::register_message_words; ++i)
        w[i] = 0;
    unsigned length = message.info.clamped_length();
    for (unsigned i = 0; i < length; ++i)
        w[i] = kapi::message_word(message, i, kapi::ipc_buffer());
    if (g_archive_error != Error::None) {
        r.error = g_archive_error;
        (void)kapi::cnode_delete(ipc::proto::process_slot_cnode, received_frame_slot);
        return;
    }
    switch (proto::Label(message.info.label())) {
    case proto::Label::Open: open(w, length, r); break;
    case proto::Label::Stat: stat_file(w, r); break;
    case proto::Label::Read: read_file(w, r); break;
    case proto::Label::List: list(w, length, r); break;
    case proto::Label::FillPage: fill_page(w, message.info, r); break;
    default: r.error = Error::InvalidArgument; break;
    }
}

} // namespace

int main(int, char**)
{
    auto* base = reinterpret_cast<const uint8_t*>(libc::start_argument(0));
    size_t size = libc::start_argument(1);
    if (auto loaded = g_archive.load(base, size); loaded.is_error()) {
        g_archive_error = loaded.error();
        libc::print("fs: the initrd is not a valid cpio archive: {}; every request will fail\n",
                    ipc::error_name(g_archive_error));
    } else {
        libc::print("fs: serving {} files from the initrd ({} bytes)\n", g_archive.entry_count(), size);
    }
    ipc::IpcBuffer* buffer = kapi::ipc_buffer();
    buffer->receive_slot = received_frame_slot;
    auto message = kapi::recv(ipc::proto::process_slot_fs);
    for (;;) {
        Reply reply; // filled in place: no copy of its 64 words
        if (message.ok())
            handle(message, reply);
        else
            reply.error = message.error;
        buffer->receive_slot = received_frame_slot;
        message = kapi::send_message(ipc::Syscall::ReplyRecv, ipc::proto::process_slot_fs,
                                     MessageInfo(uint32_t(reply.error), reply.length), reply.words);
    }
}
