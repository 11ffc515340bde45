#include <mman.h>
#include <pager_client.h>
#include <string.h>

namespace libc {

namespace proto = ipc::proto::pager;

namespace pager {

// The one Call to the pager every request makes (<pager_client.h>).
// `request` and `reply` may be the same message: the words are sent before
// any reply word is written.
ipc::Error exchange(const proto::Message& request, proto::Message& reply, ipc::CPtr slot)
{
    auto r = kapi::send_message(ipc::Syscall::Call, slot, request.info(), request.words);
    if (r.error != ipc::Error::None)
        return r.error;
    reply.begin(r.info.label());
    ipc::IpcBuffer* buffer = kapi::ipc_buffer();
    unsigned length = r.info.clamped_length();
    for (unsigned i = 0; i < length; ++i)
        reply.push(kapi::message_word(r, i, buffer));
    return ipc::Error::None;
}

} // namespace pager

ipc::Result<void*> mmap(void* hint, size_t length, uint64_t prot, uint64_t flags, int64_t file,
                        uint64_t offset)
{
    auto mapped = TRY(pager::call<proto::AddressReply>(
        proto::MmapRequest { uint64_t(hint), length, prot, flags, uint64_t(file), offset }));
    return reinterpret_cast<void*>(mapped.address);
}

ipc::Result<void> munmap(void* address, size_t length)
{
    TRY(pager::call<proto::EmptyReply>(proto::MunmapRequest { uint64_t(address), length }));
    return {};
}

ipc::Result<void> mprotect(void* address, size_t length, uint64_t prot)
{
    TRY(pager::call<proto::EmptyReply>(proto::MprotectRequest { uint64_t(address), length, prot }));
    return {};
}

ipc::Result<void*> brk(void* new_break)
{
    auto current = TRY(pager::call<proto::AddressReply>(proto::BrkRequest { uint64_t(new_break) }));
    return reinterpret_cast<void*>(current.address);
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
