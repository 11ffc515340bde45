#include <kernel_api.h>
#include <mman.h>
#include <ipc/proto/slots.h>
#include <string.h>

namespace libc {

using ipc::Error;
using ipc::MessageInfo;
using ipc::proto::pager::Label;

namespace {

kapi::SyscallResult pager_call(Label label, std::initializer_list<uint64_t> args)
{
    uint64_t words[8] {};
    unsigned n = 0;
    for (uint64_t a : args)
        words[n++] = a;
    return kapi::send_message(ipc::Syscall::Call, ipc::proto::process_slot_pager,
                              MessageInfo(uint32_t(label), n), words);
}

ipc::Result<void> outcome(const kapi::SyscallResult& r)
{
    if (Error e = kapi::call_error(r); e != Error::None)
        return e;
    return {};
}

} // namespace

ipc::Result<void*> mmap(void* hint, size_t length, uint64_t prot, uint64_t flags, int64_t file,
                        uint64_t offset)
{
    auto r = pager_call(Label::Mmap, { uint64_t(hint), length, prot, flags, uint64_t(file), offset });
    TRY(outcome(r));
    return reinterpret_cast<void*>(r.words[0]);
}

ipc::Result<void> munmap(void* address, size_t length)
{
    return outcome(pager_call(Label::Munmap, { uint64_t(address), length }));
}

ipc::Result<void> mprotect(void* address, size_t length, uint64_t prot)
{
    return outcome(pager_call(Label::Mprotect, { uint64_t(address), length, prot }));
}

ipc::Result<void*> brk(void* new_break)
{
    auto r = pager_call(Label::Brk, { uint64_t(new_break) });
    TRY(outcome(r));
    return reinterpret_cast<void*>(r.words[0]);
}

void* sbrk(intptr_t increment)
{
    auto current = brk(nullptr);
    if (current.is_error())
        return nullptr;
    char* old_break = static_cast<char*>(current.value());
    if (increment == 0)
        return old_break;
    auto moved = brk(old_break + increment);
    if (moved.is_error() || moved.value() != old_break + increment)
        return nullptr;
    return old_break;
}

// A first-fit free list over sbrk: enough for small programs, and every
// byte it hands out arrives through a page fault.
namespace {
struct Block {
    size_t size; // payload bytes
    Block* next_free;
};
Block* g_free = nullptr;
constexpr size_t alignment = 16;
} // namespace

void* malloc(size_t size)
{
    size = (size + alignment - 1) & ~(alignment - 1);
    for (Block** link = &g_free; *link; link = &(*link)->next_free) {
        if ((*link)->size >= size) {
            Block* block = *link;
            *link = block->next_free;
            return block + 1;
        }
    }
    auto* block = static_cast<Block*>(sbrk(intptr_t(sizeof(Block) + size)));
    if (!block)
        return nullptr;
    block->size = size;
    return block + 1;
}

void free(void* pointer)
{
    if (!pointer)
        return;
    Block* block = static_cast<Block*>(pointer) - 1;
    block->next_free = g_free;
    g_free = block;
}

} // namespace libc
