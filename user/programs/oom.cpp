// oom: maps 16 MiB of anonymous memory at a time and writes to every page,
// until the pager runs out of frames and kills it ("out of memory"). The
// tests run another program after it to show the pager took everything back.
#include "common.h"
#include <mman.h>

namespace {
constexpr size_t chunk = 16 * 1024 * 1024;
constexpr unsigned max_chunks = 256; // 4 GiB: far more than any test machine gives the pager
} // namespace

int main(int, char**)
{
    for (unsigned n = 0; n < max_chunks; ++n) {
        auto mapped = libc::mmap(nullptr, chunk, libc::Prot::read | libc::Prot::write,
                                 libc::MapFlags::priv | libc::MapFlags::anonymous);
        if (mapped.is_error()) {
            programs::say("oom: mmap of chunk {} refused: {}\n", n, ipc::error_name(mapped.error()));
            return 2;
        }
        auto* bytes = static_cast<volatile uint8_t*>(mapped.value());
        for (size_t offset = 0; offset < chunk; offset += 4096)
            bytes[offset] = uint8_t(n + 1);
        programs::say("oom: {} MiB touched\n", (n + 1) * (chunk >> 20));
    }
    programs::say("oom: FAIL: never ran out of memory\n");
    return 1;
}
