#pragma once
#include "bootinfo/multiboot2.h"
#include <string_view>

namespace kernel {

// Loads the boot module called `name` (an ELF64 executable) into a fresh
// address space and runs it in ring 3. Panics with a clear message if the
// module is missing or is not a valid executable.
[[noreturn]] void start_root_task(const bootinfo::BootInfo&, std::string_view name);

} // namespace kernel
