// Program start-up and exit. Three kinds of program start here:
//  - the root task: rdi = its RootBootInfo (at the fixed root address);
//  - a program started by the process manager: rdi = argc, rsi = argv;
//  - a server started by init: rdi, rsi = whatever init passes it.
// All of them get their IPC buffer set up before main runs.
#include <ipc/proto/process.h>
#include <ipc/proto/slots.h>
#include <ipc/root_boot_info.h>
#include <kernel_api.h>
#include <stdlib.h>
#include <syscall.h>

extern int main(int argc, char** argv);

extern "C" {
const ipc::RootBootInfo* __root_boot_info = nullptr;
}

namespace {
uint64_t g_start_arguments[2];
}

namespace sys {

[[noreturn]] void debug_exit(int status)
{
    syscall2(ipc::Syscall::DebugExit, uint64_t(int64_t(status)), 0);
    for (;;)
        asm volatile("ud2"); // the kernel never returns from exit
}

} // namespace sys

namespace libc {

uint64_t start_argument(unsigned i) { return i < 2 ? g_start_arguments[i] : 0; }
bool is_root_task() { return __root_boot_info != nullptr; }

[[noreturn]] void exit(int status)
{
    if (is_root_task())
        sys::debug_exit(status);
    // The process manager tears us down; it never answers.
    auto request = ipc::proto::process::ExitRequest { status }.encode();
    (void)kapi::send_message(ipc::Syscall::Call, ipc::proto::process_slot_process, request.info,
                             request.words);
    for (;;)
        asm volatile("ud2"); // unreachable unless the process manager is gone
}

} // namespace libc

using Constructor = void (*)();
extern "C" Constructor __init_array_start[];
extern "C" Constructor __init_array_end[];

// rdi and rsi as the program was entered (crt0 passes them on).
extern "C" [[noreturn]] void __libc_start(uint64_t arg0, uint64_t arg1)
{
    g_start_arguments[0] = arg0;
    g_start_arguments[1] = arg1;
    if (arg0 == ipc::root_boot_info_address) {
        __root_boot_info = reinterpret_cast<const ipc::RootBootInfo*>(arg0);
        kapi::set_ipc_buffer(reinterpret_cast<ipc::IpcBuffer*>(__root_boot_info->ipc_buffer_address));
    } else {
        kapi::set_ipc_buffer(reinterpret_cast<ipc::IpcBuffer*>(ipc::proto::process_ipc_buffer_address));
    }
    for (Constructor* c = __init_array_start; c != __init_array_end; ++c)
        (*c)();
    libc::exit(main(int(arg0), reinterpret_cast<char**>(arg1)));
}
