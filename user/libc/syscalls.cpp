#include <ipc/root_boot_info.h>
#include <syscall.h>

extern int main(int argc, char** argv);

// rdi at entry: the root task's RootBootInfo (see <kernel_api.h>).
extern "C" {
const ipc::RootBootInfo* __root_boot_info = nullptr;
}

namespace sys {

[[noreturn]] void debug_exit(int status)
{
    syscall2(ipc::Syscall::DebugExit, uint64_t(int64_t(status)), 0);
    for (;;)
        asm volatile("ud2"); // the kernel never returns from exit
}

} // namespace sys

using Constructor = void (*)();
extern "C" Constructor __init_array_start[];
extern "C" Constructor __init_array_end[];

// `entry_argument` is rdi as the program was entered (crt0 passes it on).
extern "C" [[noreturn]] void __libc_start(uint64_t entry_argument)
{
    __root_boot_info = reinterpret_cast<const ipc::RootBootInfo*>(entry_argument);
    for (Constructor* c = __init_array_start; c != __init_array_end; ++c)
        (*c)();
    sys::debug_exit(main(0, nullptr));
}
