#include <ipc/proto/slots.h>
#include <ipc/proto/strings.h>
#include <kernel_api.h>
#include <process.h>
#include <string.h>

namespace libc {

using ipc::Error;
using ipc::MessageInfo;
namespace proto = ipc::proto::process;

ipc::Result<uint64_t> spawn(const char* const* argv, size_t argc)
{
    char packed[proto::max_argv_bytes];
    size_t length = 0;
    for (size_t i = 0; i < argc; ++i) {
        size_t n = strlen(argv[i]) + 1;
        if (length + n > sizeof(packed))
            return Error::OutOfRange;
        memcpy(packed + length, argv[i], n);
        length += n;
    }
    uint64_t words[ipc::max_message_words] {};
    words[0] = length;
    unsigned count = 1 + ipc::proto::pack_string(words + 1, ipc::max_message_words - 1, packed, length);
    auto r = kapi::send_message(ipc::Syscall::Call, ipc::proto::process_slot_process, MessageInfo(uint32_t(proto::Label::Spawn), count), words);
    if (Error e = kapi::call_error(r); e != Error::None)
        return e;
    return r.words[0];
}

ipc::Result<ExitStatus> wait(uint64_t pid)
{
    auto r = kapi::call(ipc::proto::process_slot_process, MessageInfo(uint32_t(proto::Label::Wait), 1), pid);
    if (Error e = kapi::call_error(r); e != Error::None)
        return e;
    return ExitStatus { proto::ExitKind(r.words[0]), r.words[1], r.words[2], r.words[3] };
}

ipc::Result<void> kill(uint64_t pid)
{
    auto r = kapi::call(ipc::proto::process_slot_process, MessageInfo(uint32_t(proto::Label::Kill), 1), pid);
    if (Error e = kapi::call_error(r); e != Error::None)
        return e;
    return {};
}

} // namespace libc
