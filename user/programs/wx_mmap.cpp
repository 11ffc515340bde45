// wx_mmap (hostile): asks for memory that is writable and executable at
// once, which would let it write code and run it (W^X, as for ELF segments):
//   - an anonymous mmap with read, write and execute
//   - a private file mapping with write and execute
//   - an mprotect of a writable anonymous mapping to add execute
// Each must be refused with its own error at the call (`unsupported`), and
// the mapping must stay as it was. Prints one line per refusal, then `wx_mmap: ok`.
#include "common.h"
#include <files.h>
#include <mman.h>

namespace {

constexpr uint64_t rwx = libc::Prot::read | libc::Prot::write | libc::Prot::exec;

void expect_refused(const char* what, ipc::Result<void*> result)
{
    if (!result.is_error())
        programs::fail("wx_mmap", what);
    programs::say("wx_mmap: {}: refused: {}\n", what, ipc::error_name(result.error()));
    if (result.error() != ipc::Error::Unsupported)
        programs::fail("wx_mmap", "W+X refused with another error than unsupported");
}

} // namespace

int main(int, char**)
{
    expect_refused("anonymous W+X mmap",
                   libc::mmap(nullptr, 4096, rwx, libc::MapFlags::anonymous | libc::MapFlags::priv));
    auto file = libc::open_file("/etc/motd");
    if (file.is_error())
        programs::fail("wx_mmap", "open /etc/motd", file.error());
    expect_refused("private file W+X mmap",
                   libc::mmap(nullptr, 4096, rwx, libc::MapFlags::priv, int64_t(file.value().id), 0));

    auto writable = libc::mmap(nullptr, 4096, libc::Prot::read | libc::Prot::write,
                               libc::MapFlags::anonymous | libc::MapFlags::priv);
    if (writable.is_error())
        programs::fail("wx_mmap", "a plain writable mmap", writable.error());
    auto* page = static_cast<volatile uint8_t*>(writable.value());
    page[0] = 0xc3; // ret
    auto protected_ = libc::mprotect(writable.value(), 4096, rwx);
    if (!protected_.is_error())
        programs::fail("wx_mmap", "mprotect to W+X was accepted");
    programs::say("wx_mmap: mprotect to W+X: refused: {}\n", ipc::error_name(protected_.error()));
    if (protected_.error() != ipc::Error::Unsupported)
        programs::fail("wx_mmap", "W+X mprotect refused with another error than unsupported");
    auto region = programs::region_of(uint64_t(writable.value()));
    if (region.is_error() || region.value().prot != (libc::Prot::read | libc::Prot::write))
        programs::fail("wx_mmap", "the refused mprotect changed the mapping");
    page[1] = 1; // still writable
    programs::say("wx_mmap: ok\n");
    return 0;
}
