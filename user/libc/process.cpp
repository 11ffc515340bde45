#include <ipc/proto/slots.h>
#include <ipc/proto/strings.h>
#include <ipc/fault.h>
#include <ipc/format.h>
#include <ipc/proto/pager.h>
#include <kernel_api.h>
#include <process.h>
#include <string.h>

namespace libc {

using ipc::Error;
using ipc::MessageInfo;
namespace proto = ipc::proto::process;

void describe_exit(const ExitStatus& e, char* out, size_t capacity)
{
    namespace pager = ipc::proto::pager;
    ipc::fmt::BufferSink sink(out, capacity);
    if (e.kind == proto::ExitKind::Exited) {
        ipc::fmt::format(sink, "exited with status {}", int64_t(e.status));
        return;
    }
    switch (ipc::ExitCause(e.cause)) {
    case ipc::ExitCause::Killed: {
        auto reason = pager::kill_reason(e.status);
        if (reason == pager::KillReason::Killed) {
            ipc::fmt::format(sink, "killed on request");
            return;
        }
        ipc::fmt::format(sink, "killed: {} at {:x}", pager::kill_reason_name(reason), e.address);
        if (reason == pager::KillReason::GuardHit)
            ipc::fmt::format(sink, " (stack overflow, {} KiB below the stack)", (e.distance + 1023) / 1024);
        return;
    }
    case ipc::ExitCause::NoFaultHandler:
        ipc::fmt::format(sink, "killed: CPU exception {} at ip {:x} with no fault handler", e.status, e.ip);
        return;
    case ipc::ExitCause::HandlerGone:
        ipc::fmt::format(sink, "killed: its pager went away (fault at {:x})", e.address);
        return;
    }
    ipc::fmt::format(sink, "killed (cause {})", e.cause);
}

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
    auto r = kapi::send_message(ipc::Syscall::Call, ipc::proto::process_slot_process,
                                MessageInfo(uint32_t(proto::Label::Spawn), count), words);
    if (Error e = kapi::call_error(r); e != Error::None)
        return e;
    return r.words[0];
}

ipc::Result<ExitStatus> wait(uint64_t pid)
{
    auto r = kapi::call(ipc::proto::process_slot_process, MessageInfo(uint32_t(proto::Label::Wait), 1), pid);
    if (Error e = kapi::call_error(r); e != Error::None)
        return e;
    return ExitStatus { proto::ExitKind(r.words[0]),
                        r.words[1],
                        r.words[2],
                        r.words[3],
                        kapi::message_word(r, 4, kapi::ipc_buffer()),
                        0 };
}

ipc::Result<void> kill(uint64_t pid)
{
    auto r = kapi::call(ipc::proto::process_slot_process, MessageInfo(uint32_t(proto::Label::Kill), 1), pid);
    if (Error e = kapi::call_error(r); e != Error::None)
        return e;
    return {};
}

} // namespace libc
