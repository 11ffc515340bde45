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

void read_message(const kapi::SyscallResult& r, proto::Message& out)
{
    out.info = r.info;
    for (unsigned i = 0; i < r.info.clamped_length(); ++i)
        out.words[i] = kapi::message_word(r, i);
}

namespace {
// One request to the process manager; its reply replaces it in `m` (one
// message on the stack: programs with small stacks call these).
ipc::Result<void> call(proto::Message& m)
{
    auto r = kapi::send_message(ipc::Syscall::Call, ipc::proto::process_slot_process, m.info, m.words);
    if (!r.ok())
        return r.error;
    read_message(r, m);
    return {};
}

template<typename Reply>
ipc::Result<Reply> ask(proto::Message& m)
{
    if (auto called = call(m); called.is_error())
        return called.error();
    return Reply::decode(m);
}

ipc::Result<void> ask_done(proto::Message m)
{
    auto done = ask<proto::EmptyReply>(m);
    if (done.is_error())
        return done.error();
    return {};
}
} // namespace

ipc::Result<uint64_t> spawn(const char* const* argv, size_t argc)
{
    proto::Message m;
    if (auto encoded = proto::SpawnRequest::encode_argv(argv, argc, m); encoded.is_error())
        return encoded.error();
    auto spawned = ask<proto::SpawnReply>(m);
    if (spawned.is_error())
        return spawned.error();
    return uint64_t(spawned.value().pid.value());
}

ipc::Result<ExitStatus> wait(uint64_t pid)
{
    auto target = proto::Pid::from_word(pid);
    if (target.is_error())
        return target.error();
    proto::Message m = proto::WaitRequest { target.value() }.encode();
    auto r = ask<proto::WaitReply>(m);
    if (r.is_error())
        return r.error();
    const proto::WaitReply& w = r.value();
    return ExitStatus { w.kind, w.status, w.address, w.distance, w.cause, 0 };
}

ipc::Result<void> kill(uint64_t pid)
{
    auto target = proto::Pid::from_word(pid);
    if (target.is_error())
        return target.error();
    return ask_done(proto::KillRequest { target.value() }.encode());
}

ipc::Result<proto::ListReply> list_process(uint64_t index)
{
    proto::Message m = proto::ListRequest { index }.encode();
    return ask<proto::ListReply>(m);
}

ipc::Result<void> power_off() { return ask_done(proto::PowerOffRequest {}.encode()); }
ipc::Result<void> reboot() { return ask_done(proto::RebootRequest {}.encode()); }

} // namespace libc
