#include "processes.h"
#include "resources.h"
#include <ipc/fault.h>
#include <ipc/format.h>
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
using ipc::proto::process::ExitKind;
using ipc::proto::process::Label;
namespace pager = ipc::proto::pager;
namespace fs = ipc::proto::fs;

namespace {
constexpr unsigned max_processes = 32;
constexpr uint8_t program_priority = 100;

CPtr g_free_blocks[max_processes];
unsigned g_free_block_count = 0;

Result<CPtr> take_block()
{
    if (g_free_block_count)
        return g_free_blocks[--g_free_block_count];
    return carve_untyped(process_block_bits);
}

void return_block(CPtr block)
{
    if (g_free_block_count < max_processes)
        g_free_blocks[g_free_block_count++] = block;
}

Result<void> check(Error e)
{
    if (e != Error::None)
        return e;
    return {};
}
} // namespace

struct ProcessManager::Process {
    bool used;
    bool announce; // started from the run list: print how it ends
    bool server;
    bool finished;
    uint64_t pid;
    char name[32];
    ProcessObjects objects;
    CPtr fault_endpoint; // ours: the pager endpoint minted with the pid
    CPtr supervisor;     // ours: our endpoint minted with death_badge | pid
    CPtr waiter;         // a saved Reply cap of someone in Wait, or 0
    ExitRecord exit;
};

static ProcessManager::Process g_processes[max_processes];

static void copy_name(char* out, const char* in, size_t capacity)
{
    size_t n = 0;
    for (; in[n] && n + 1 < capacity; ++n)
        out[n] = in[n];
    out[n] = 0;
}

static const char* last_component(const char* path)
{
    const char* base = path;
    for (const char* c = path; *c; ++c) {
        if (*c == '/')
            base = c + 1;
    }
    return base;
}

void ProcessManager::init(const Endpoints& endpoints) { m_endpoints = endpoints; }

ProcessManager::Process* ProcessManager::find(uint64_t pid)
{
    for (auto& p : g_processes) {
        if (p.used && p.pid == pid)
            return &p;
    }
    return nullptr;
}

void ProcessManager::register_server(const char* name, uint64_t pid, const ProcessObjects& objects)
{
    for (auto& p : g_processes) {
        if (!p.used) {
            p = Process {};
            p.used = true;
            p.server = true;
            p.pid = pid;
            p.objects = objects;
            copy_name(p.name, name, sizeof(p.name));
            return;
        }
    }
}

// Every failure is reported here, once, with the most specific reason known.
Result<uint64_t> ProcessManager::spawn(const char* argv, size_t argv_length, bool announce)
{
    const char* path = argv; // argv[0]
    auto refuse = [&](Error e) -> Result<uint64_t> {
        libc::print("init: cannot run {}: {}\n", path, ipc::error_name(e));
        return e;
    };
    Process* slot = nullptr;
    for (auto& p : g_processes) {
        if (!p.used) {
            slot = &p;
            break;
        }
    }
    if (!slot)
        return refuse(Error::NoMemory);

    // 1. The program's file, from the file server.
    uint64_t words[ipc::max_message_words] {};
    size_t path_length = strlen(path);
    words[0] = path_length;
    unsigned n = 1 + ipc::proto::pack_string(words + 1, fs::path_words, path, path_length);
    auto opened = kapi::send_message(ipc::Syscall::Call, m_endpoints.fs,
                                     MessageInfo(uint32_t(fs::Label::Open), n), words);
    if (Error e = kapi::call_error(opened); e != Error::None)
        return refuse(e);
    uint64_t file_id = opened.words[0], file_size = opened.words[1];

    // 2. An empty process.
    uint64_t pid = m_next_pid++;
    auto taken = take_block();
    if (taken.is_error())
        return refuse(taken.error());
    CPtr block = taken.value();
    auto created = create_process(block, ipc::proto::process_cnode_radix);
    // Undoes the half-made process; `said` when the reason is already printed.
    auto fail = [&](Error e, bool said = false) -> Result<uint64_t> {
        if (!said)
            libc::print("init: cannot run {}: {}\n", path, ipc::error_name(e));
        ProcessObjects objects { .block = block };
        if (!created.is_error())
            objects = created.value();
        destroy_process(objects);
        return_block(block);
        return e;
    };
    if (created.is_error())
        return fail(created.error());
    ProcessObjects objects = created.value();
    auto given = give_cap(objects, ipc::proto::process_slot_pager, m_endpoints.pager, Rights::write, pid);
    if (!given.is_error())
        given = give_cap(objects, ipc::proto::process_slot_process, m_endpoints.process, Rights::write, pid);
    if (!given.is_error())
        given = give_cap(objects, ipc::proto::process_slot_fs, m_endpoints.fs, Rights::write);
    if (!given.is_error() && m_endpoints.console)
        given = give_cap(objects, ipc::proto::process_slot_console, m_endpoints.console, Rights::write);
    if (given.is_error())
        return fail(given.error());

    // 3. The pager takes over the address space: it reads the ELF and will
    // populate every page on demand.
    pager::NewClientRequest request;
    request.pid = uint32_t(pid);
    request.file = file_id;
    request.file_size = file_size;
    request.argv_length = argv_length < sizeof(request.argv) ? argv_length : sizeof(request.argv);
    memcpy(request.argv, argv, request.argv_length);
    pager::Message message;
    request.encode(message);
    kapi::ipc_buffer()->caps[0] = objects.vspace;
    if (Error e = libc::pager::exchange(message, message, m_endpoints.pager_control); e != Error::None)
        return fail(e);
    auto client = pager::NewClientReply::decode(pager::MessageView::of(message));
    if (client.is_error()) {
        auto refusal = pager::NewClientRefusal::decode(pager::MessageView::of(message));
        if (client.error() == Error::Malformed && !refusal.is_error())
            libc::print("init: cannot run {}: bad ELF: {}\n", path,
                        ipc::elf::elf_error_name(ipc::elf::ElfError(refusal.value().detail)));
        else
            libc::print("init: cannot run {}: the pager refused it: {}\n", path,
                        ipc::error_name(client.error()));
        return fail(client.error(), true);
    }

    // 4. Its thread: faults go to the pager with our pid as badge, its death to us.
    Process& p = *slot;
    p = Process {};
    p.used = true;
    p.announce = announce;
    p.pid = pid;
    p.objects = objects;
    copy_name(p.name, last_component(path), sizeof(p.name));
    auto minted_fault = slots().allocate();
    auto minted_death = slots().allocate();
    if (minted_fault.is_error() || minted_death.is_error())
        return fail(Error::NoMemory);
    p.fault_endpoint = minted_fault.value();
    p.supervisor = minted_death.value();
    Error e
        = kapi::cnode_mint(ipc::root_slot_cnode, p.fault_endpoint, 0, m_endpoints.pager, Rights::write, pid);
    if (e == Error::None)
        e = kapi::cnode_mint(ipc::root_slot_cnode, p.supervisor, 0, m_endpoints.process, Rights::write,
                             death_badge | pid);
    auto started = check(e);
    if (!started.is_error())
        started = start_thread(objects,
                               ThreadStart { .entry = client.value().entry,
                                             .stack_pointer = client.value().stack_pointer,
                                             .arg0 = client.value().argc,
                                             .arg1 = client.value().argv,
                                             .fault_endpoint = p.fault_endpoint,
                                             .supervisor = p.supervisor,
                                             .priority = program_priority });
    if (started.is_error()) {
        p.used = false;
        return fail(started.error());
    }
    return pid;
}

void ProcessManager::finish(Process& p, const ExitRecord& record)
{
    p.exit = record;
    p.finished = true;
    (void)kapi::tcb_suspend(p.objects.tcb);
    if (!p.server) {
        auto ended = libc::pager::call<pager::EmptyReply>(pager::EndClientRequest { uint32_t(p.pid) },
                                                          m_endpoints.pager_control);
        if (ended.is_error())
            libc::print("init: pager could not forget pid {}: {}\n", p.pid, ipc::error_name(ended.error()));
    }
    destroy_process(p.objects);
    return_block(p.objects.block);
    for (CPtr slot : { p.fault_endpoint, p.supervisor }) {
        if (slot) {
            (void)kapi::cnode_delete(ipc::root_slot_cnode, slot);
            slots().free(slot);
        }
    }
    p.fault_endpoint = p.supervisor = 0;
    char text[160];
    libc::describe_exit(libc::ExitStatus { record.kind, record.status, record.address, record.distance,
                                           record.cause, record.ip },
                        text, sizeof(text));
    if (p.announce || p.server)
        libc::print("init: {}{} (pid {}) {}\n", p.server ? "server " : "", p.name, p.pid, text);
    if (p.waiter)
        reply_wait(p);
    else if (p.announce)
        p.used = false; // nobody else will wait for it
    if (p.pid == m_waiting_for) {
        m_waiting_for = 0;
        start_next_from_run_list();
    }
}

void ProcessManager::reply_wait(Process& p)
{
    uint64_t words[5]
        = { uint64_t(p.exit.kind), p.exit.status, p.exit.address, p.exit.distance, p.exit.cause };
    (void)kapi::send_message(ipc::Syscall::Send, p.waiter, MessageInfo(0, 5), words);
    slots().free(p.waiter);
    p.waiter = 0;
    p.used = false;
}

void ProcessManager::handle(uint64_t badge, const kapi::SyscallResult& message)
{
    if (badge & death_badge) {
        Process* p = find(badge & ~death_badge);
        if (!p || p->finished)
            return;
        ExitRecord record { .kind = ExitKind::Killed,
                            .status = message.words[1],
                            .cause = message.words[0],
                            .address = message.words[2],
                            .distance = 0,
                            .ip = message.words[3] };
        if (ipc::ExitCause(record.cause) == ipc::ExitCause::Killed && !p->server) {
            auto info = libc::pager::call<pager::KillInfoReply>(pager::KillInfoRequest { uint32_t(p->pid) },
                                                                m_endpoints.pager_control);
            if (!info.is_error()) {
                record.address = info.value().address;
                record.distance = info.value().distance;
            }
        }
        finish(*p, record);
        return;
    }
    uint64_t pid = badge;
    Process* self = find(pid);
    switch (Label(message.info.label())) {
    case Label::Exit:
        if (self && !self->finished)
            finish(*self, ExitRecord { .kind = ExitKind::Exited, .status = message.words[0] });
        return; // no reply: the caller is gone
    case Label::Spawn: {
        char argv[ipc::proto::process::max_argv_bytes + 1];
        uint64_t words[ipc::max_message_words] {};
        for (unsigned i = 0; i < message.info.length() && i < ipc::max_message_words; ++i)
            words[i] = kapi::message_word(message, i, kapi::ipc_buffer());
        size_t length
            = words[0] > ipc::proto::process::max_argv_bytes ? ipc::proto::process::max_argv_bytes : words[0];
        ipc::proto::unpack_string(words + 1, message.info.length() ? message.info.length() - 1 : 0, length,
                                  argv, sizeof(argv));
        auto spawned = spawn(argv, length, false);
        if (spawned.is_error())
            (void)kapi::reply(MessageInfo(uint32_t(spawned.error()), 0));
        else
            (void)kapi::reply(MessageInfo(0, 1), spawned.value());
        return;
    }
    case Label::Wait: {
        Process* target = find(message.words[0]);
        if (!target || target->server) {
            (void)kapi::reply(MessageInfo(uint32_t(Error::NotFound), 0));
            return;
        }
        if (target->waiter) {
            (void)kapi::reply(MessageInfo(uint32_t(Error::Busy), 0)); // one waiter per process
            return;
        }
        auto slot = slots().allocate();
        if (slot.is_error() || kapi::cnode_save_caller(ipc::root_slot_cnode, slot.value()) != Error::None)
            return;
        target->waiter = slot.value();
        if (target->finished)
            reply_wait(*target);
        return;
    }
    case Label::Kill: {
        Process* target = find(message.words[0]);
        if (!target || target->server || target->finished) {
            (void)kapi::reply(MessageInfo(uint32_t(Error::NotFound), 0));
            return;
        }
        finish(*target,
               ExitRecord { .kind = ExitKind::Killed,
                            .status = pager::encode_kill(pager::KillReason::Killed, 0),
                            .cause = uint64_t(ipc::ExitCause::Killed) });
        (void)kapi::reply(MessageInfo(0, 0));
        return;
    }
    case Label::PowerOff: libc::puts("init: powering off"); sys::debug_exit(0);
    case Label::Reboot:
        libc::puts("init: rebooting");
        // The keyboard controller's reset line (QEMU with -no-reboot exits).
        (void)kapi::ioport_out8(ipc::root_slot_io_ports, 0x64, 0xfe);
        sys::debug_exit(0);
    case Label::List: {
        unsigned index = 0;
        for (auto& p : g_processes) {
            if (!p.used || p.finished)
                continue;
            if (index++ == message.words[0]) {
                uint64_t words[8] { p.pid, p.server ? 1u : 0u, strlen(p.name) };
                unsigned n = 3 + ipc::proto::pack_string(words + 3, 5, p.name, strlen(p.name));
                (void)kapi::send_message(ipc::Syscall::Reply, 0, MessageInfo(0, n), words);
                return;
            }
        }
        (void)kapi::reply(MessageInfo(uint32_t(Error::NotFound), 0));
        return;
    }
    }
    (void)kapi::reply(MessageInfo(uint32_t(Error::InvalidArgument), 0));
}

void ProcessManager::start_next_from_run_list()
{
    while (m_run_next < m_run_count && !m_waiting_for) {
        const char* argv = m_run_list[m_run_next++];
        libc::print("init: running {}\n", argv);
        size_t length = 0;
        while (argv[length] || argv[length + 1]) // the argv strings end with an empty one
            ++length;
        auto pid = spawn(argv, length + 1, true); // a failure is reported by spawn
        if (!pid.is_error())
            m_waiting_for = pid.value();
    }
}

void ProcessManager::serve(const char* const* run_list, unsigned run_count)
{
    m_run_list = run_list;
    m_run_count = run_count;
    start_next_from_run_list();
    while (m_waiting_for || m_run_next < m_run_count) {
        auto message = kapi::recv(m_endpoints.process);
        if (!message.ok())
            continue;
        handle(message.badge, message);
    }
}

} // namespace init
