// mmap_dir (hostile): maps a directory (/etc) as if it were a file. A
// directory has no pages: the pager must refuse it at the call (`wrong
// object type`) instead of accepting it and killing the program "out of
// memory" at its first read. Prints the refusal, then `mmap_dir: ok`.
#include "common.h"
#include <files.h>
#include <mman.h>

int main(int, char**)
{
    auto directory = libc::open_file("/etc");
    if (directory.is_error())
        programs::fail("mmap_dir", "open /etc", directory.error());
    if (directory.value().type != ipc::proto::fs::FileType::Directory)
        programs::fail("mmap_dir", "/etc is not a directory");
    auto mapped
        = libc::mmap(nullptr, 4096, libc::Prot::read, libc::MapFlags::priv, int64_t(directory.value().id), 0);
    if (!mapped.is_error()) {
        programs::say("mmap_dir: mapped /etc at {:x}\n", uint64_t(mapped.value()));
        programs::fail("mmap_dir", "mmap of a directory was accepted");
    }
    programs::say("mmap_dir: mmap of /etc (file id {}): refused: {}\n", directory.value().id,
                  ipc::error_name(mapped.error()));
    if (mapped.error() != ipc::Error::WrongType)
        programs::fail("mmap_dir", "refused with another error than wrong object type");
    programs::say("mmap_dir: ok\n");
    return 0;
}
