#include <files.h>
#include <ipc/proto/slots.h>
#include <ipc/proto/strings.h>
#include <kernel_api.h>
#include <string.h>

namespace libc {

using ipc::Error;
using ipc::MessageInfo;
namespace fs = ipc::proto::fs;

ipc::Result<FileInfo> open_file(const char* path)
{
    uint64_t words[ipc::max_message_words] {};
    size_t length = strlen(path);
    if (length > ipc::proto::max_path)
        return Error::OutOfRange;
    words[0] = length;
    unsigned n = 1 + ipc::proto::pack_string(words + 1, fs::path_words, path, length);
    auto r = kapi::send_message(ipc::Syscall::Call, ipc::proto::process_slot_fs,
                                MessageInfo(uint32_t(fs::Label::Open), n), words);
    if (Error e = kapi::call_error(r); e != Error::None)
        return e;
    return FileInfo { r.words[0], r.words[1], fs::FileType(r.words[2]) };
}

ipc::Result<size_t> read_file(uint64_t id, uint64_t offset, void* buffer, size_t length)
{
    size_t done = 0;
    while (done < length) {
        size_t chunk = length - done < fs::read_max ? length - done : fs::read_max;
        uint64_t words[3] { id, offset + done, chunk };
        auto r = kapi::send_message(ipc::Syscall::Call, ipc::proto::process_slot_fs,
                                    MessageInfo(uint32_t(fs::Label::Read), 3), words);
        if (Error e = kapi::call_error(r); e != Error::None)
            return e;
        size_t got = r.words[0];
        if (got > chunk)
            return Error::Malformed;
        for (size_t i = 0; i < got; ++i) {
            uint64_t word = kapi::message_word(r, 1 + unsigned(i / 8), kapi::ipc_buffer());
            static_cast<char*>(buffer)[done + i] = char(word >> (8 * (i % 8)));
        }
        done += got;
        if (got < chunk)
            break;
    }
    return done;
}

ipc::Result<DirectoryEntry> list_directory(const char* path, uint64_t index)
{
    uint64_t words[ipc::max_message_words] {};
    size_t length = strlen(path);
    if (length > ipc::proto::max_path)
        return Error::OutOfRange;
    words[0] = index;
    words[1] = length;
    unsigned n = 2 + ipc::proto::pack_string(words + 2, fs::path_words, path, length);
    auto r = kapi::send_message(ipc::Syscall::Call, ipc::proto::process_slot_fs,
                                MessageInfo(uint32_t(fs::Label::List), n), words);
    if (Error e = kapi::call_error(r); e != Error::None)
        return e;
    DirectoryEntry entry {};
    entry.type = fs::FileType(r.words[0]);
    entry.size = r.words[1];
    uint64_t name_words[ipc::max_message_words] {};
    unsigned count = r.info.length() > 3 ? r.info.length() - 3 : 0;
    for (unsigned i = 0; i < count; ++i)
        name_words[i] = kapi::message_word(r, 3 + i, kapi::ipc_buffer());
    ipc::proto::unpack_string(name_words, count, r.words[2], entry.name, sizeof(entry.name));
    return entry;
}

} // namespace libc
