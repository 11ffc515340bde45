// guard_hit: unbounded recursion with small frames, so the stack pointer
// walks down through the whole main stack and into the guard below it. The
// pager must kill it with "guard page hit ... (stack overflow, ...)"; if the
// recursion ever returns, that is a bug and the program exits 1.
#include "common.h"

namespace {

volatile uint64_t g_never = ~uint64_t(0); // the recursion stops only at this depth

[[gnu::noinline]] uint64_t dive(uint64_t depth)
{
    volatile uint8_t frame[448];
    frame[0] = uint8_t(depth);
    frame[sizeof(frame) - 1] = uint8_t(depth >> 8);
    if (depth == g_never)
        return 0;
    return dive(depth + 1) + frame[0] + frame[sizeof(frame) - 1];
}

} // namespace

int main(int, char**)
{
    programs::say("guard_hit: recursing until the stack overflows\n");
    uint64_t sum = dive(0);
    programs::say("guard_hit: FAIL: the recursion returned ({})\n", sum);
    return 1;
}
