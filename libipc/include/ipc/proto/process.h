#pragma once
// The process manager protocol (init). Programs hold its endpoint badged
// with their pid.
//
//   Spawn  w0 = argv length, w1.. = argv (NUL-separated; argv[0] is the path)
//                               -> w0 = pid
//   Wait   (one waiter per process: a second one gets Busy)
//          w0 = pid             -> w0 = ExitKind, w1 = status or kill reason word, w2 = fault address,
//                                  w3 = distance (guard hits), w4 = ipc::ExitCause (kills)
//   Kill   w0 = pid
//   List   w0 = index           -> w0 = pid, w1 = state, w2 = name length, w3.. = name (NotFound at the end)
//   Exit   w0 = status          (no reply: the caller is gone)
//   PowerOff                    ends the run (the root task exits 0: QEMU exit code 33)
//   Reboot                      resets the machine

#include <cstdint>

namespace ipc::proto::process {

enum class Label : uint32_t {
    Spawn = 0x300,
    Wait = 0x301,
    Kill = 0x302,
    List = 0x303,
    Exit = 0x304,
    PowerOff = 0x305,
    Reboot = 0x306,
};

enum class ExitKind : uint64_t { Exited = 1, Killed = 2 };

inline constexpr unsigned max_argv_bytes = 400;

} // namespace ipc::proto::process
