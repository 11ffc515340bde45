#pragma once
#include "bootinfo/multiboot2.h"
#include "object/tcb.h"
#include <string_view>

namespace kernel {

// The root task when the command line names none (init=NAME).
inline constexpr char default_root_task[] = "init";

// Turns all free memory into Untyped capabilities, builds the root task's
// CSpace (ipc::RootSlot), VSpace and thread from the boot module called
// `name` (an ELF64 executable), and runs it. If no module has that name, it
// says so and starts default_root_task instead; panics with a clear message
// if that is missing too, or the module is not a valid executable.
[[noreturn]] void start_root_task(const bootinfo::BootInfo&, std::string_view name);

Tcb* root_thread();
// Free bytes over the Untyped caps the root task was given, wherever they
// have moved (for leak checks).
uint64_t root_untyped_free_bytes();
// Keeps the boot Untyped bookkeeping pointing at a moved cap.
void note_untyped_moved(const Slot& from, Slot& to);

} // namespace kernel
