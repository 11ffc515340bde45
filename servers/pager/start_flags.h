#pragma once
// The pager's optional pre-zeroed frame pool as it travels from the kernel
// command line to the pager: init reads `pager.pool=N` (servers/init/
// options.cpp) and puts N in bits 32-47 of the pager's start flags (start
// argument 1; bit 0 and bits 8-31 are the log and policy flags, see
// servers/pager/main.cpp). The pager
// reads it back with pool_frames(). 0, the default, means no pool: every
// fault zeroes the frames it maps (see FramePool in frames.h).
//
// Pure logic, shared by init and the pager and tested on the host
// (tests/unit/init/options_tests.cpp).

#include <cstdint>

namespace pager::start_flags {

inline constexpr unsigned pool_shift = 32;
inline constexpr uint64_t pool_max = 0xffff;

constexpr unsigned pool_frames(uint64_t flags) { return unsigned((flags >> pool_shift) & pool_max); }

} // namespace pager::start_flags
