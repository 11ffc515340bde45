// spin: runs until something kills it (the shell's Ctrl-C or `kill`, the
// process manager's Kill). It yields on every turn so it never starves the
// programs that share its priority, and touches one page of its stack now
// and then so `vm` and `why` have a live, growing client to look at.
#include "common.h"
#include <mman.h>

// One page of each kind, so `vm` shows every region type of a process:
// initialised data, bss, and (with the malloc below) a heap.
volatile int g_turns = 1;
volatile uint8_t g_scratch[8192];

int main(int, char**)
{
    auto* block = static_cast<volatile uint8_t*>(libc::malloc(4096));
    if (!block)
        programs::fail("spin", "malloc");
    block[0] = 1;
    g_scratch[0] = 1;
    g_turns = 2;
    programs::say("spin: running until killed\n");
    for (uint64_t turn = 0;; ++turn) {
        volatile uint8_t scratch[64];
        scratch[turn % sizeof(scratch)] = uint8_t(turn);
        (void)kapi::yield();
    }
}
