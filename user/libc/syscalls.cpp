#include <syscall.h>

extern int main(int argc, char** argv);

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

extern "C" [[noreturn]] void __libc_start()
{
    for (Constructor* c = __init_array_start; c != __init_array_end; ++c)
        (*c)();
    sys::debug_exit(main(0, nullptr));
}
