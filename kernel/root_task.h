#pragma once
#include "bootinfo/multiboot2.h"
#include "object/tcb.h"
#include <string_view>

namespace kernel {

// Turns all free memory into Untyped capabilities, builds the root task's
// CSpace (ipc::RootSlot), VSpace and thread from the boot module called
// `name` (an ELF64 executable), and runs it. Panics with a clear message if
// the module is missing or is not a valid executable.
[[noreturn]] void start_root_task(const bootinfo::BootInfo&, std::string_view name);

Tcb* root_thread();
// Free bytes over the Untyped caps the root task was given, wherever they
// have moved (for leak checks).
uint64_t root_untyped_free_bytes();
// Keeps the boot Untyped bookkeeping pointing at a moved cap.
void note_untyped_moved(const Slot& from, Slot& to);

} // namespace kernel
