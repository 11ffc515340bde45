#include "processes.h"
#include "resources.h"
#include <ipc/fault.h>
#include <ipc/format.h>
#include <ipc/proto/badges.h>
#include <ipc/proto/fs.h>
#include <ipc/proto/pager.h>
#include <ipc/proto/slots.h>
#include <ipc/proto/strings.h>
#include <pager_client.h>
#include <process.h>
#include <stdio.h>
#include <syscall.h>
#include <string.h>

namespace init {

using ipc::CPtr;
using ipc::Error;
using ipc::MessageInfo;
using ipc::Result;
using ipc::Rights;
using ipc::proto::Badge;
using ipc::proto::process::ExitKind;
using ipc::proto::process::Label;
using ipc::proto::process::Message;
namespace process = ipc::proto::process;
namespace pager = ipc::proto::pager;
namespace fs = ipc::proto::fs;

namespace {
constexpr uint8_t program_priority = 100;

// What a program is made of, kept for it by index in the program table.
struct ProgramObjects {
    ProcessObjects objects;
    CPtr fault_endpoint { 0 }; // ours: the pager endpoint minted with the pid
    CPtr supervisor { 0 };     // ours: our endpoint minted with the pid's exit-notice badge
};
ProgramObjects g_objects[program_table_size];

CPtr g_free_blocks[program_table_size];
unsigned g_free_block_count = 0;

Result<CPtr> take_block()
{
    if (g_free_block_count)
        return g_free_blocks[--g_free_block_count];
    return carve_untyped(process_block_bits);
}

void return_block(CPtr block)
{
    if (g_free_block_count < program_table_size)
        g_free_blocks[g_free_block_count++] = block;
}

Result<void> check(Error e)
{
    if (e != Error::None)
        return e;
    return {};
}

const char* last_component(const char* path)
{
    const char* base = path;
    for (const char* c = path; *c; ++c) {
        if (*c == '/')
            base = c + 1;
    }
    return base;
}

void copy_name(char* out, const char* in, size_t capacity)
{
    size_t n = 0;
    for (; in[n] && n + 1 < capacity; ++n)
        out[n] = in[n];
    out[n] = 0;
}

void reply(const Message& m) { (void)kapi::send_message(ipc::Syscall::Reply, 0, m.info, m.words); }
void refuse(Error e) { (void)kapi::reply(MessageInfo(uint32_t(e), 0)); }

void discard_reply_cap(CPtr slot)
{
    (void)kapi::cnode_delete(ipc::root_slot_cnode, slot);
    slots().free(slot);
}
} // namespace

void ProcessManager::init(const Endpoints& endpoints) { m_endpoints = endpoints; }

void ProcessManager::register_server(const char* name, const ProcessObjects& objects)
{
    if (m_server_count == max_servers) {
        libc::print("init: no room to list server {}\n", name);
        return;
    }
    Server& s = m_servers[m_server_count++];
    copy_name(s.name, name, sizeof(s.name));
    s.objects = objects;
}

// A failure of init's own program is reported here, once, with the most
// specific reason known; a client gets the error alone (and says it itself:
// a program spawning in a loop must not fill the console with init's lines).
Result<Pid> ProcessManager::spawn(const process::SpawnRequest& request, Pid parent, bool from_run_list)
{
    const char* path = request.path();
    bool report = from_run_list;
    auto refused = [&](Error e) -> Result<Pid> {
        if (report)
            libc::print("init: cannot run {}: {}\n", path, ipc::error_name(e));
        return e;
    };
    auto reserved = m_programs.reserve(parent, last_component(path), from_run_list);
    if (reserved.is_error())
        return refused(reserved.error());
    ProgramTable::Index index = reserved.value();
    Pid pid = m_programs.at(index).pid;
    // From here on a failure gives the entry back: a refused Spawn costs nothing.
    auto unreserve = [&](Error e) -> Result<Pid> {
        m_programs.release(index);
        return refused(e);
    };

    // 1. The program's file, from the file server.
    uint64_t words[ipc::max_message_words] {};
    size_t path_length = strlen(path);
    if (path_length > ipc::proto::max_path)
        return unreserve(Error::InvalidArgument);
    words[0] = path_length;
    unsigned n = 1 + ipc::proto::pack_string(words + 1, fs::path_words, path, path_length);
    auto opened = kapi::send_message(ipc::Syscall::Call, m_endpoints.fs,
                                     MessageInfo(uint32_t(fs::Label::Open), n), words);
    if (Error e = kapi::call_error(opened); e != Error::None)
        return unreserve(e);
    uint64_t file_id = opened.words[0], file_size = opened.words[1];

    // 2. An empty process.
    auto taken = take_block();
    if (taken.is_error())
        return unreserve(taken.error());
    CPtr block = taken.value();
    auto created = create_process(block, ipc::proto::process_cnode_radix);
    // Undoes the half-made process; `said` when the reason is already printed.
    auto fail = [&](Error e, bool said = false) -> Result<Pid> {
        if (!said && report)
            libc::print("init: cannot run {}: {}\n", path, ipc::error_name(e));
        ProcessObjects objects { .block = block };
        if (!created.is_error())
            objects = created.value();
        destroy_process(objects);
        return_block(block);
        ProgramObjects& o = g_objects[index];
        for (CPtr slot : { o.fault_endpoint, o.supervisor }) {
            if (slot) {
                (void)kapi::cnode_delete(ipc::root_slot_cnode, slot);
                slots().free(slot);
            }
        }
        o = ProgramObjects {};
        m_programs.release(index);
        return e;
    };
    if (created.is_error())
        return fail(created.error());
    ProcessObjects objects = created.value();
    // Its caps: the pager's and ours name it by its pid; only init's own
    // programs (the shell) get the operator right, on both.
    Badge client = Badge::client(pid.value());
    Badge process_badge = from_run_list ? client.with_operator() : client;
    auto given = give_cap(objects, ipc::proto::process_slot_pager, m_endpoints.pager, Rights::write,
                          process_badge.raw());
    if (!given.is_error())
        given = give_cap(objects, ipc::proto::process_slot_process, m_endpoints.process, Rights::write,
                         process_badge.raw());
    if (!given.is_error())
        given = give_cap(objects, ipc::proto::process_slot_fs, m_endpoints.fs, Rights::write);
    if (!given.is_error() && m_endpoints.console)
        given = give_cap(objects, ipc::proto::process_slot_console, m_endpoints.console, Rights::write);
    if (given.is_error())
        return fail(given.error());

    // 3. The pager takes over the address space: it reads the ELF and will
    // populate every page on demand. It counts argv's strings by their NULs,
    // so an empty last argument survives.
    uint64_t message[ipc::max_message_words] {};
    size_t argv_length = request.length();
    static_assert(4 + (process::max_spawn_argv_bytes + 1 + 7) / 8 <= ipc::max_message_words);
    message[0] = pid.value();
    message[1] = file_id;
    message[2] = file_size;
    message[3] = argv_length;
    unsigned length = 4
        + ipc::proto::pack_string(message + 4, process::new_client_argv_words, request.block(), argv_length);
    kapi::ipc_buffer()->caps[0] = objects.vspace;
    auto client_started
        = kapi::send_message(ipc::Syscall::Call, m_endpoints.pager_control,
                             MessageInfo(uint32_t(pager::Label::NewClient), length, 1), message);
    if (Error e = kapi::call_error(client_started); e != Error::None) {
        if (!report)
            return fail(e, true);
        if (e == Error::Malformed)
            libc::print("init: cannot run {}: bad ELF: {}\n", path,
                        ipc::elf::elf_error_name(ipc::elf::ElfError(client_started.words[0])));
        else
            libc::print("init: cannot run {}: the pager refused it: {}\n", path, ipc::error_name(e));
        return fail(e, true);
    }

    // 4. Its thread: faults go to the pager with its pid as badge, its death to us.
    ProgramObjects& o = g_objects[index];
    o = ProgramObjects { .objects = objects };
    Error e = Error::None;
    for (CPtr* slot : { &o.fault_endpoint, &o.supervisor }) {
        auto minted = slots().allocate();
        if (minted.is_error()) {
            e = minted.error();
            break;
        }
        *slot = minted.value();
    }
    if (e == Error::None)
        e = kapi::cnode_mint(ipc::root_slot_cnode, o.fault_endpoint, 0, m_endpoints.pager, Rights::write,
                             Badge::fault_of(pid.value()).raw());
    if (e == Error::None)
        e = kapi::cnode_mint(ipc::root_slot_cnode, o.supervisor, 0, m_endpoints.process, Rights::write,
                             Badge::exit_notice_of(pid.value()).raw());
    auto started = check(e);
    if (!started.is_error())
        started = start_thread(objects,
                               ThreadStart { .entry = client_started.words[0],
                                             .stack_pointer = client_started.words[1],
                                             .arg0 = client_started.words[2],
                                             .arg1 = client_started.words[3],
                                             .fault_endpoint = o.fault_endpoint,
                                             .supervisor = o.supervisor,
                                             .priority = program_priority });
    if (started.is_error()) {
        // The pager already serves it: it must forget it again.
        (void)kapi::call(m_endpoints.pager_control, MessageInfo(uint32_t(pager::Label::EndClient), 1),
                         pid.value());
        return fail(started.error());
    }
    m_programs.started(index);
    return pid;
}

void ProcessManager::finish(ProgramTable::Index index, const ExitRecord& record)
{
    Program& p = m_programs.at(index);
    ProgramObjects& o = g_objects[index];
    Pid pid = p.pid;
    (void)kapi::tcb_suspend(o.objects.tcb);
    auto ended = kapi::call(m_endpoints.pager_control, MessageInfo(uint32_t(pager::Label::EndClient), 1),
                            pid.value());
    if (Error e = kapi::call_error(ended); e != Error::None)
        libc::print("init: pager could not forget pid {}: {}\n", pid.value(), ipc::error_name(e));
    destroy_process(o.objects);
    return_block(o.objects.block);
    for (CPtr slot : { o.fault_endpoint, o.supervisor }) {
        if (slot) {
            (void)kapi::cnode_delete(ipc::root_slot_cnode, slot);
            slots().free(slot);
        }
    }
    o = ProgramObjects {};
    // init says how its own programs end: the run list's, and the orphans
    // it took over (which it reaps here: nobody else can wait for them).
    if (p.parent.is_none()) {
        char text[160];
        libc::describe_exit(libc::ExitStatus { record.kind, record.status, record.address, record.distance,
                                               record.cause, record.ip },
                            text, sizeof(text));
        libc::print("init: {}{} (pid {}) {}\n", p.announce ? "" : "orphan ", p.name, pid.value(), text);
    }
    // Its children go to init; its zombies and the Reply caps of its own
    // pending Wait go with it.
    ProgramTable::Ended effects = m_programs.ended(index, record);
    for (unsigned i = 0; i < effects.stale_waiter_count; ++i)
        discard_reply_cap(effects.stale_waiters[i]);
    if (!effects.freed && m_programs.at(index).waiter)
        answer_wait(index);
    if (pid == m_waiting_for) {
        m_waiting_for = Pid::none();
        start_next_from_run_list();
    }
}

// The parent waits and the child has ended: tell it how, and forget the child.
void ProcessManager::answer_wait(ProgramTable::Index index)
{
    Program& p = m_programs.at(index);
    const ExitRecord& e = p.exit;
    Message m = process::WaitReply { e.kind, e.status, e.address, e.distance, e.cause }.encode();
    (void)kapi::send_message(ipc::Syscall::Send, p.waiter, m.info, m.words);
    discard_reply_cap(p.waiter);
    m_programs.release(index);
}

// The kernel's ThreadExit, decoded by its one definition (<ipc/fault.h>).
void ProcessManager::handle_exit_notice(Pid pid, const Message& message)
{
    Program* p = m_programs.find(pid);
    if (!p || p->state != ProgramState::Running)
        return;
    auto notice = ipc::ThreadExit::decode(message.info, message.words);
    if (notice.is_error()) {
        libc::print("init: pid {}: malformed death notice: {}\n", pid.value(),
                    ipc::error_name(notice.error()));
        return;
    }
    ExitRecord record { .kind = ExitKind::Killed,
                        .status = notice.value().reason,
                        .cause = uint64_t(notice.value().cause),
                        .address = notice.value().address,
                        .distance = 0,
                        .ip = notice.value().ip.get() };
    if (ipc::ExitCause(record.cause) == ipc::ExitCause::Killed) {
        auto info = kapi::call(m_endpoints.pager_control, MessageInfo(uint32_t(pager::Label::KillInfo), 1),
                               pid.value());
        if (kapi::call_error(info) == Error::None) {
            record.address = info.words[1];
            record.distance = info.words[2];
        }
    }
    finish(m_programs.index_of(*p), record);
}

void ProcessManager::handle(Badge badge, const Message& message)
{
    if (badge.is_exit_notice() && badge.is_well_formed() && !badge.is_fault() && !badge.is_control()) {
        handle_exit_notice(Pid(badge.pid()), message);
        return;
    }
    if (auto allowed = badge_allows(badge, message.info.label()); allowed.is_error()) {
        refuse(allowed.error());
        return;
    }
    Pid caller(badge.pid()); // none: a server (the console)
    Program* self = m_programs.find(caller);
    if (!caller.is_none() && (!self || self->state != ProgramState::Running)) {
        refuse(Error::NotPermitted); // a pid that is no running program of ours
        return;
    }
    switch (Label(message.info.label())) {
    case Label::Exit: {
        auto request = process::ExitRequest::decode(message);
        if (request.is_error()) {
            refuse(request.error());
            return;
        }
        finish(m_programs.index_of(*self),
               ExitRecord { .kind = ExitKind::Exited, .status = uint64_t(request.value().status) });
        return; // no reply: the caller is gone
    }
    case Label::Spawn: {
        auto request = process::SpawnRequest::decode(message);
        if (request.is_error()) {
            refuse(request.error());
            return;
        }
        auto spawned = spawn(request.value(), caller, false);
        if (spawned.is_error())
            refuse(spawned.error());
        else
            reply(process::SpawnReply { spawned.value() }.encode());
        return;
    }
    case Label::Wait: {
        auto request = process::WaitRequest::decode(message);
        if (request.is_error()) {
            refuse(request.error());
            return;
        }
        auto target = m_programs.wait_target(caller, request.value().pid);
        if (target.is_error()) {
            refuse(target.error());
            return;
        }
        Program& child = m_programs.at(target.value());
        if (child.waiter) {
            refuse(Error::Busy); // one waiter per process
            return;
        }
        auto slot = slots().allocate();
        if (slot.is_error()) {
            refuse(slot.error());
            return;
        }
        if (Error e = kapi::cnode_save_caller(ipc::root_slot_cnode, slot.value()); e != Error::None) {
            slots().free(slot.value());
            refuse(e);
            return;
        }
        child.waiter = slot.value();
        if (child.state == ProgramState::Zombie)
            answer_wait(target.value());
        return;
    }
    case Label::Kill: {
        auto request = process::KillRequest::decode(message);
        if (request.is_error()) {
            refuse(request.error());
            return;
        }
        auto target = m_programs.kill_target(caller, badge.is_operator(), request.value().pid);
        if (target.is_error()) {
            refuse(target.error());
            return;
        }
        finish(target.value(),
               ExitRecord { .kind = ExitKind::Killed,
                            .status = pager::encode_kill(pager::KillReason::Killed, 0),
                            .cause = uint64_t(ipc::ExitCause::Killed) });
        reply(process::EmptyReply {}.encode());
        return;
    }
    case Label::PowerOff: {
        if (auto request = process::PowerOffRequest::decode(message); request.is_error()) {
            refuse(request.error());
            return;
        }
        libc::puts("init: powering off");
        sys::debug_exit(0);
    }
    case Label::Reboot: {
        if (auto request = process::RebootRequest::decode(message); request.is_error()) {
            refuse(request.error());
            return;
        }
        libc::puts("init: rebooting");
        // The keyboard controller's reset line (QEMU with -no-reboot exits).
        (void)kapi::ioport_out8(ipc::root_slot_io_ports, 0x64, 0xfe);
        sys::debug_exit(0);
    }
    case Label::List: {
        auto request = process::ListRequest::decode(message);
        if (request.is_error()) {
            refuse(request.error());
            return;
        }
        uint64_t index = request.value().index;
        if (index < m_server_count) {
            const Server& s = m_servers[index];
            reply(process::ListReply(Pid::none(), process::EntryKind::Server, s.name).encode());
            return;
        }
        if (const Program* p = m_programs.running(index - m_server_count)) {
            reply(process::ListReply(p->pid, process::EntryKind::Program, p->name).encode());
            return;
        }
        refuse(Error::NotFound);
        return;
    }
    }
    refuse(Error::InvalidArgument);
}

void ProcessManager::start_next_from_run_list()
{
    while (m_run_next < m_run_count && m_waiting_for.is_none()) {
        const char* argv = m_run_list[m_run_next++];
        libc::print("init: running {}\n", argv);
        size_t length = 0;
        while (argv[length] || argv[length + 1]) // the argv strings end with an empty one
            ++length;
        auto request = process::SpawnRequest::from_block(argv, length + 1);
        if (request.is_error()) {
            libc::print("init: cannot run {}: {}\n", argv, ipc::error_name(request.error()));
            continue;
        }
        auto pid = spawn(request.value(), Pid::none(), true); // a failure is reported by spawn
        if (!pid.is_error())
            m_waiting_for = pid.value();
    }
}

void ProcessManager::serve(const char* const* run_list, unsigned run_count)
{
    m_run_list = run_list;
    m_run_count = run_count;
    start_next_from_run_list();
    while (!m_waiting_for.is_none() || m_run_next < m_run_count) {
        auto received = kapi::recv(m_endpoints.process);
        if (!received.ok())
            continue;
        static Message message; // one at a time: init serves one request after the other
        libc::read_message(received, message);
        handle(Badge::from_raw(received.badge), message);
    }
}

} // namespace init
