// file_mmap: private read-only mappings of two files of the initrd, compared
// byte for byte with what the file server's Read returns:
//   /etc/motd        a small text file (less than one page: the rest of the
//                    page must read as zero)
//   argv[0]          the program's own ELF (several pages)
// Prints the first line of /etc/motd as seen through the mapping, then
// `file_mmap: ok`.
#include "common.h"
#include <files.h>
#include <mman.h>

namespace {

uint8_t g_chunk[4096];

void check_file(const char* path, bool print_first_line)
{
    auto file = libc::open_file(path);
    if (file.is_error())
        programs::fail("file_mmap", "open_file", file.error());
    uint64_t size = file.value().size;
    if (size == 0)
        programs::fail("file_mmap", "the file is empty");
    auto mapped
        = libc::mmap(nullptr, size, libc::Prot::read, libc::MapFlags::priv, int64_t(file.value().id), 0);
    if (mapped.is_error())
        programs::fail("file_mmap", "mmap of the file", mapped.error());
    const volatile uint8_t* bytes = static_cast<const volatile uint8_t*>(mapped.value());
    for (uint64_t offset = 0; offset < size; offset += sizeof(g_chunk)) {
        auto got = libc::read_file(file.value().id, offset, g_chunk, sizeof(g_chunk));
        if (got.is_error())
            programs::fail("file_mmap", "read_file", got.error());
        uint64_t expected = size - offset < sizeof(g_chunk) ? size - offset : sizeof(g_chunk);
        if (got.value() != expected)
            programs::fail("file_mmap", "read_file returned a short count");
        for (uint64_t i = 0; i < expected; ++i) {
            if (bytes[offset + i] != g_chunk[i]) {
                programs::say("file_mmap: {}: byte {} is {:x} in the mapping, {:x} in the file\n", path,
                              offset + i, bytes[offset + i], g_chunk[i]);
                programs::fail("file_mmap", "the mapping differs from the file");
            }
        }
    }
    uint64_t page_end = (size + 4095) / 4096 * 4096;
    for (uint64_t i = size; i < page_end; ++i) {
        if (bytes[i] != 0)
            programs::fail("file_mmap", "the tail of the last page past the end of the file is not zero");
    }
    programs::say("file_mmap: {}: {} bytes at {:x} match the file\n", path, size,
                  reinterpret_cast<uint64_t>(mapped.value()));
    if (print_first_line) {
        char line[81];
        size_t n = 0;
        for (; n < size && n + 1 < sizeof(line) && bytes[n] != '\n'; ++n)
            line[n] = char(bytes[n]);
        line[n] = 0;
        programs::say("file_mmap: motd: {}\n", line);
    }
    auto region = programs::region_of(reinterpret_cast<uint64_t>(mapped.value()));
    if (!region.is_error())
        programs::say("file_mmap: {} region {:x}-{:x}, resident {} pages, file id {}\n",
                      programs::region_type_name(region.value().type), region.value().start,
                      region.value().end, region.value().resident_pages, region.value().file);
    auto unmapped = libc::munmap(mapped.value(), size);
    if (unmapped.is_error())
        programs::fail("file_mmap", "munmap", unmapped.error());
}

} // namespace

// Files back other programs' text through the pager's page cache, so a
// shared writable mapping of one (directly or by mprotect) must be refused.
void check_shared_write_refused(const char* path)
{
    auto file = libc::open_file(path);
    if (file.is_error())
        programs::fail("file_mmap", "open_file", file.error());
    auto writable = libc::mmap(nullptr, 4096, libc::Prot::read | libc::Prot::write, libc::MapFlags::shared,
                               int64_t(file.value().id), 0);
    if (!writable.is_error() || writable.error() != ipc::Error::InsufficientRights)
        programs::fail("file_mmap", "a shared writable file mapping was not refused");
    auto readable
        = libc::mmap(nullptr, 4096, libc::Prot::read, libc::MapFlags::shared, int64_t(file.value().id), 0);
    if (readable.is_error())
        programs::fail("file_mmap", "shared read-only mmap", readable.error());
    auto upgraded = libc::mprotect(readable.value(), 4096, libc::Prot::read | libc::Prot::write);
    if (!upgraded.is_error() || upgraded.error() != ipc::Error::InsufficientRights)
        programs::fail("file_mmap", "mprotect made a shared file mapping writable");
    programs::say("file_mmap: {}: shared writable mapping refused\n", path);
}

int main(int argc, char** argv)
{
    check_file("/etc/motd", true);
    check_file(argc > 0 ? argv[0] : "/bin/file_mmap", false);
    check_shared_write_refused("/bin/hello");
    programs::say("file_mmap: ok\n");
    return 0;
}
