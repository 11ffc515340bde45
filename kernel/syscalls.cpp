// Syscall dispatch. For now only the two temporary debug calls exist; the
// capability invocations arrive with the kernel core.
#include "hooks.h"
#include "log.h"
#include <ipc/syscall.h>

namespace kernel {

namespace {

uint64_t encode_error(ipc::Error e) { return uint64_t(-int64_t(e)); }

// Prints user text through the kernel console. Returns bytes written.
uint64_t debug_print(uint64_t address, uint64_t length)
{
    if (length > ipc::debug_print_max)
        return encode_error(ipc::Error::OutOfRange);
    char chunk[256];
    uint64_t done = 0;
    while (done < length) {
        uint64_t n = length - done < sizeof(chunk) ? length - done : sizeof(chunk);
        if (auto copied = arch::copy_from_user(chunk, ipc::VirtAddr(address + done), n); copied.is_error())
            return encode_error(copied.error());
        arch::console_write(chunk, n);
        done += n;
    }
    return length;
}

[[noreturn]] void debug_exit(int64_t status)
{
    log::info("kernel", "root task exited with status {} after {} timer ticks", status, arch::timer_ticks());
    arch::qemu_exit(status == 0 ? arch::QemuExit::Success : arch::QemuExit::Failure);
}

} // namespace

void on_syscall(arch::TrapFrame& frame)
{
    arch::SyscallRegisters regs(frame);
    switch (static_cast<ipc::Syscall>(regs.number())) {
    case ipc::Syscall::DebugPrint:
        regs.set_result(debug_print(regs.arg(0), regs.arg(1)));
        return;
    case ipc::Syscall::DebugExit:
        debug_exit(int64_t(regs.arg(0)));
    }
    regs.set_result(encode_error(ipc::Error::Unsupported));
}

void on_user_exception(arch::TrapFrame& frame, uint64_t fault_address)
{
    // No fault handlers yet: a user exception ends the run, the kernel stays up to report it.
    log::error("kernel", "root task killed: {} at rip {:x}, fault address {:x}, error code {:x}",
               arch::exception_name(frame.vector), frame.rip, fault_address, frame.error_code);
    log::info("kernel", "root task exited with status killed after {} timer ticks", arch::timer_ticks());
    arch::qemu_exit(arch::QemuExit::Failure);
}

} // namespace kernel
