#pragma once
// Memory for user programs, served by the pager (<ipc/proto/pager.h>):
// mmap, munmap, mprotect, brk, and a small malloc over brk.
#include <cstddef>
#include <cstdint>
#include <ipc/proto/pager.h>
#include <ipc/result.h>

namespace libc {

using Prot = ipc::proto::pager::Prot;
using MapFlags = ipc::proto::pager::MapFlags;
inline constexpr int64_t no_file = -1;

// `file` is an fs file id (see open_file) or no_file with MapFlags::anonymous.
ipc::Result<void*> mmap(void* hint, size_t length, uint64_t prot, uint64_t flags, int64_t file = no_file,
                        uint64_t offset = 0);
ipc::Result<void> munmap(void* address, size_t length);
ipc::Result<void> mprotect(void* address, size_t length, uint64_t prot);
// Sets the program break (nullptr asks for it) and returns the break in force.
ipc::Result<void*> brk(void* new_break);
void* sbrk(intptr_t increment); // nullptr when the pager refuses

void* malloc(size_t size);
void free(void* pointer);

} // namespace libc
