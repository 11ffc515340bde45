// init: the root task and process manager. It starts the file server and
// the pager (both loaded eagerly: they cannot page themselves), then runs
// the programs named by `init.run=` on the kernel command line (default:
// hello), one after the other, printing how each one ended. Programs are
// loaded lazily by the pager.
//
//   init.run=prog1,prog2:arg1:arg2   programs separated by ',', arguments by ':'
//
// Its options on the command line are read and checked in options.cpp.
#include "loader.h"
#include "options.h"
#include "processes.h"
#include "resources.h"
#include <ipc/proto/badges.h>
#include <ipc/proto/pager.h>
#include <ipc/proto/slots.h>
#include <pager/cspace.h>
#include <kernel_api.h>
#include <stdio.h>
#include <string.h>
#include <syscall.h>

using ipc::CPtr;
using ipc::Error;
using ipc::ObjectType;
using ipc::Rights;

namespace {

constexpr uint8_t fs_priority = 200;
constexpr uint8_t console_priority = 205;
constexpr uint8_t pager_priority = 210;
constexpr unsigned fs_cnode_radix = 12;
constexpr unsigned pager_cnode_radix = 15;
constexpr uint64_t initrd_address = 0x0000'1000'0000'0000;
constexpr unsigned server_stack_pages = 16;

const ipc::ModuleDescriptor* find_module(const ipc::RootBootInfo& info, const char* name)
{
    for (uint64_t i = 0; i < info.module_count; ++i) {
        if (strcmp(info.modules[i].name, name) == 0)
            return &info.modules[i];
    }
    return nullptr;
}

[[noreturn]] void fail(const char* what, Error e)
{
    libc::print("init: {}: {}\n", what, ipc::error_name(e));
    sys::debug_exit(1);
}

template<typename T>
T must(ipc::Result<T> r, const char* what)
{
    if (r.is_error())
        fail(what, r.error());
    return r.release_value();
}

void must(ipc::Result<void> r, const char* what)
{
    if (r.is_error())
        fail(what, r.error());
}

void must(Error e, const char* what)
{
    if (e != Error::None)
        fail(what, e);
}

struct Server {
    init::ProcessObjects objects;
    uint64_t entry;
};

Server start_server(const ipc::ModuleDescriptor& module, unsigned cnode_radix,
                    unsigned block_bits = init::server_block_bits)
{
    CPtr block = must(init::carve_untyped(block_bits), "memory for a server");
    init::ProcessObjects p = must(init::create_process(block, cnode_radix), "creating a server");
    const auto* image = reinterpret_cast<const uint8_t*>(module.mapped_at);
    uint64_t entry
        = must(init::load_eagerly(p, image, module.size, server_stack_pages), "loading a server image");
    return Server { p, entry };
}

// The file server gets the initrd mapped read-only at initrd_address.
init::ProcessObjects start_fs(const ipc::ModuleDescriptor& fs, const ipc::ModuleDescriptor& initrd,
                              CPtr endpoint)
{
    Server server = start_server(fs, fs_cnode_radix);
    init::ProcessObjects& p = server.objects;
    for (uint64_t i = 0; i < initrd.frame_count; ++i) {
        CPtr copy = must(init::slots().allocate(), "slots");
        must(kapi::cnode_copy(ipc::root_slot_cnode, copy, 0, initrd.first_frame + i, Rights::read),
             "initrd frame");
        must(kapi::vspace_map(p.vspace, copy, initrd_address + i * ipc::page_size, Rights::read),
             "mapping the initrd");
        must(kapi::cnode_move(p.cnode, p.take_backing_slot(), 0, copy), "initrd frame");
        init::slots().free(copy);
    }
    must(init::give_cap(p, ipc::proto::process_slot_fs, endpoint, Rights::read | Rights::write),
         "fs endpoint");
    uint64_t offset = initrd.mapped_at % ipc::page_size;
    must(init::start_thread(p,
                            init::ThreadStart { .entry = server.entry,
                                                .stack_pointer = ipc::proto::process_stack_top,
                                                .arg0 = initrd_address + offset,
                                                .arg1 = initrd.size,
                                                .fault_endpoint = 0,
                                                .supervisor = 0,
                                                .priority = fs_priority }),
         "starting fs");
    return p;
}

init::ProcessObjects start_pager(const ipc::ModuleDescriptor& pager, CPtr endpoint, CPtr fs_endpoint,
                                 uint64_t flags)
{
    // The pager's CNode (2 MiB) and its slot, mapping and cache tables need more than the usual block.
    Server server = start_server(pager, pager_cnode_radix, init::server_block_bits + 1);
    init::ProcessObjects& p = server.objects;
    must(init::give_cap(p, ipc::proto::process_slot_pager, endpoint, Rights::read | Rights::write),
         "pager endpoint");
    must(init::give_cap(p, ipc::proto::process_slot_fs, fs_endpoint, Rights::write | Rights::grant),
         "fs endpoint");
    CPtr memory = 0;
    unsigned bits = must(init::take_largest_untyped(memory), "memory for the pager");
    must(kapi::cnode_move(p.cnode, pager::cspace::memory_slot, 0, memory), "memory for the pager");
    // COM2, the host trace channel: the pager alone writes it (docs/tracing.md).
    CPtr com2 = must(init::slots().allocate(), "slots");
    must(kapi::ioport_issue(ipc::root_slot_io_ports, pager::cspace::com2_first_port,
                            pager::cspace::com2_last_port, com2),
         "COM2 ports");
    must(kapi::cnode_move(p.cnode, pager::cspace::trace_port_slot, 0, com2), "COM2 ports");
    init::slots().free(com2);
    must(init::start_thread(p,
                            init::ThreadStart { .entry = server.entry,
                                                .stack_pointer = ipc::proto::process_stack_top,
                                                .arg0 = bits,
                                                .arg1 = flags,
                                                .fault_endpoint = 0,
                                                .supervisor = 0,
                                                .priority = pager_priority }),
         "starting the pager");
    return p;
}

// The console server owns COM1: its port range, IRQ 4 bound to a
// notification, and a little memory for its input thread.
init::ProcessObjects start_console(const ipc::ModuleDescriptor& module, CPtr endpoint, CPtr process_endpoint)
{
    constexpr CPtr ports_slot = 9, irq_slot = 10, notification_slot = 11, memory_slot = 12;
    constexpr unsigned com1_irq = 4;
    Server server = start_server(module, ipc::proto::process_cnode_radix);
    init::ProcessObjects& p = server.objects;
    must(init::give_cap(p, ipc::proto::process_slot_console, endpoint, Rights::read | Rights::write),
         "console endpoint");
    // Its process cap names no program (servers have no pid) and has the
    // operator right: a typed Ctrl-C kills the foreground program.
    must(init::give_cap(p, ipc::proto::process_slot_process, process_endpoint, Rights::write,
                        ipc::proto::Badge().with_operator().raw()),
         "process endpoint");
    CPtr ports = must(init::slots().allocate(), "slots");
    must(kapi::ioport_issue(ipc::root_slot_io_ports, 0x3f8, 0x3ff, ports), "COM1 ports");
    must(kapi::cnode_move(p.cnode, ports_slot, 0, ports), "COM1 ports");
    CPtr irq = must(init::slots().allocate(), "slots");
    must(kapi::irq_control_get(ipc::root_slot_irq_control, com1_irq, irq), "COM1 IRQ");
    must(kapi::cnode_move(p.cnode, irq_slot, 0, irq), "COM1 IRQ");
    CPtr notification = must(init::retype(p.block, ObjectType::Notification), "notification");
    must(kapi::cnode_move(p.cnode, notification_slot, 0, notification), "notification");
    CPtr memory = must(init::retype(p.block, ObjectType::Untyped, 16), "console memory");
    must(kapi::cnode_move(p.cnode, memory_slot, 0, memory), "console memory");
    for (CPtr slot : { ports, irq, notification, memory })
        init::slots().free(slot);
    must(init::start_thread(p,
                            init::ThreadStart { .entry = server.entry,
                                                .stack_pointer = ipc::proto::process_stack_top,
                                                .arg0 = 0,
                                                .arg1 = 0,
                                                .fault_endpoint = 0,
                                                .supervisor = 0,
                                                .priority = console_priority }),
         "starting the console");
    return p;
}

// Splits "a,b:x:y" into argv strings ("a\0" and "b\0x\0y\0") in `storage`.
unsigned parse_run_list(std::string_view list, char* storage, size_t capacity, const char** items,
                        unsigned max_items)
{
    unsigned count = 0;
    size_t used = 0;
    size_t at = 0;
    while (at < list.size() && count < max_items && used + 2 < capacity) {
        items[count++] = storage + used;
        while (at < list.size() && list[at] != ',' && used + 2 < capacity) {
            storage[used++] = list[at] == ':' ? '\0' : list[at];
            ++at;
        }
        storage[used++] = '\0';
        storage[used++] = '\0'; // an empty string ends the item's argv
        if (at < list.size() && list[at] == ',')
            ++at;
    }
    return count;
}

// The kernel's copy of its command line, NUL-terminated within the array.
std::string_view command_line(const ipc::RootBootInfo& info)
{
    size_t n = 0;
    while (n < sizeof(info.command_line) && info.command_line[n])
        ++n;
    return { info.command_line, n };
}

} // namespace

int main(int, char**)
{
    const ipc::RootBootInfo& info = *__root_boot_info;
    kapi::set_ipc_buffer(reinterpret_cast<ipc::IpcBuffer*>(info.ipc_buffer_address));
    libc::puts("init: faultline root task running in ring 3");

    const ipc::ModuleDescriptor* fs = find_module(info, "fs");
    const ipc::ModuleDescriptor* pager = find_module(info, "pager");
    const ipc::ModuleDescriptor* initrd = find_module(info, "initrd");
    if (!fs || !pager || !initrd) {
        libc::puts("init: no fs, pager or initrd module: nothing to run");
        return 0;
    }

    init::slots().init(info.first_free_slot, unsigned(info.cnode_radix));
    init::init_untyped(info);
    must(init::init_scratch(), "scratch mappings");
    CPtr objects = must(init::carve_untyped(16), "memory for endpoints");
    CPtr process_ep = must(init::retype(objects, ObjectType::Endpoint), "endpoint");
    CPtr pager_ep = must(init::retype(objects, ObjectType::Endpoint), "endpoint");
    CPtr fs_ep = must(init::retype(objects, ObjectType::Endpoint), "endpoint");

    init::Options options = init::read_options(
        command_line(info), [](const char* problem) { libc::print("init: {}\n", problem); });
    init::ProcessManager manager;
    manager.register_server("fs", start_fs(*fs, *initrd, fs_ep));
    manager.register_server("pager", start_pager(*pager, pager_ep, fs_ep, options.pager.encode()));
    const ipc::ModuleDescriptor* console = find_module(info, "console");
    CPtr console_ep = 0;
    if (console) {
        console_ep = must(init::retype(objects, ObjectType::Endpoint), "endpoint");
        manager.register_server("console", start_console(*console, console_ep, process_ep));
    }
    libc::print("init: file server{} and pager started\n", console ? ", console" : "");

    // The pager's control cap: our endpoint cap minted with the control badge.
    CPtr pager_control = must(init::slots().allocate(), "slots");
    must(kapi::cnode_mint(ipc::root_slot_cnode, pager_control, 0, pager_ep, Rights::write | Rights::grant,
                          ipc::proto::pager::control_badge),
         "pager control cap");
    manager.init(init::Endpoints { .process = process_ep,
                                   .pager = pager_ep,
                                   .pager_control = pager_control,
                                   .fs = fs_ep,
                                   .console = console_ep });

    // Room for every program of the longest line: its bytes plus two NULs each.
    static char storage[sizeof(ipc::RootBootInfo::command_line) + 2 * init::max_programs];
    const char* run_list[init::max_programs];
    std::string_view run = options.run.empty() ? (console ? "/bin/shell" : "/bin/hello") : options.run;
    unsigned count = parse_run_list(run, storage, sizeof(storage), run_list, init::max_programs);
    manager.serve(run_list, count);
    libc::puts("init: all programs finished");
    return 0;
}
