// file_id_range (hostile): mmaps file ids the file server cannot have. The
// pager used to cut them to 32 bits, so 2^32 + N mapped file N (a real
// file the program never opened by that id). Each must be refused at the
// call with `out of range`; the real id still maps. Prints one line per id,
// then `file_id_range: ok`.
#include "common.h"
#include <files.h>
#include <mman.h>

int main(int, char**)
{
    auto motd = libc::open_file("/etc/motd");
    if (motd.is_error())
        programs::fail("file_id_range", "open /etc/motd", motd.error());
    uint64_t id = motd.value().id;
    const uint64_t bad_ids[]
        = { (uint64_t(1) << 32) + id, 0xffff'ffff, uint64_t(1) << 63, 0x7fff'ffff'ffff'ffff };
    for (uint64_t bad : bad_ids) {
        auto mapped = libc::mmap(nullptr, 4096, libc::Prot::read, libc::MapFlags::priv, int64_t(bad), 0);
        if (!mapped.is_error()) {
            programs::say("file_id_range: file id {:x} mapped, first byte {:x}\n", bad,
                          *static_cast<const volatile uint8_t*>(mapped.value()));
            programs::fail("file_id_range", "an out-of-range file id was accepted");
        }
        programs::say("file_id_range: file id {:x}: refused: {}\n", bad, ipc::error_name(mapped.error()));
        if (mapped.error() != ipc::Error::OutOfRange)
            programs::fail("file_id_range", "refused with another error than out of range");
    }
    auto good = libc::mmap(nullptr, 4096, libc::Prot::read, libc::MapFlags::priv, int64_t(id), 0);
    if (good.is_error())
        programs::fail("file_id_range", "mmap of /etc/motd by its own id", good.error());
    if (*static_cast<const volatile uint8_t*>(good.value()) == 0)
        programs::fail("file_id_range", "/etc/motd maps as zeros");
    programs::say("file_id_range: ok\n");
    return 0;
}
