#pragma once
// The pager's optional pre-zeroed frame pool as it travels from the kernel
// command line to the pager: init reads `pager.pool=N` and puts N in bits
// 32-47 of the pager's start flags (start argument 1; bit 0 and bits 8-31
// are the log and policy flags, see servers/pager/main.cpp). The pager
// reads it back with pool_frames(). 0, the default, means no pool: every
// fault zeroes the frames it maps (see FramePool in frames.h).
//
// Pure logic, shared by init and the pager and tested on the host.

#include <cstdint>
#include <string_view>

namespace pager::start_flags {

inline constexpr unsigned pool_shift = 32;
inline constexpr uint64_t pool_max = 0xffff;

constexpr unsigned pool_frames(uint64_t flags) { return unsigned((flags >> pool_shift) & pool_max); }

// The pool bits for a command line: N from the first `pager.pool=N` word
// (digits only, N <= pool_max), else 0 (no pool; also for a malformed N).
constexpr uint64_t pool_from_command_line(std::string_view line)
{
    constexpr std::string_view key = "pager.pool=";
    for (size_t at = 0; at < line.size(); ++at) {
        if ((at != 0 && line[at - 1] != ' ') || line.substr(at, key.size()) != key)
            continue;
        uint64_t n = 0;
        size_t i = at + key.size();
        for (; i < line.size() && line[i] >= '0' && line[i] <= '9' && n <= pool_max; ++i)
            n = n * 10 + uint64_t(line[i] - '0');
        bool ends_word = i == line.size() || line[i] == ' ';
        return ends_word && n <= pool_max ? n << pool_shift : 0;
    }
    return 0;
}

} // namespace pager::start_flags
