#pragma once
// File pages: the page cache (one master frame per (file, page), filled by
// the file server and shared by every client that maps that page read-only:
// text is one frame per file page however many processes run it) and
// private fills straight into a client's frame.

#include <cstdint>
#include <ipc/message.h>
#include <ipc/result.h>

namespace pager {

// The master frame holding page `index` of fs file `file`, filling it on a miss.
ipc::Result<ipc::CPtr> cached_page(uint64_t file, uint64_t index, bool& was_hit);
// Fills `frame` (ours, unmapped) with page `index` of `file` via the file server.
ipc::Result<uint64_t> fill_from_file(ipc::CPtr frame, uint64_t file, uint64_t index);
uint64_t cache_pages();
uint64_t cache_hits();
uint64_t cache_misses();

} // namespace pager
