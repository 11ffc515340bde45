// spin: runs until something kills it (the shell's Ctrl-C or `kill`, the
// process manager's Kill). It yields on every turn so it never starves the
// programs that share its priority, and touches one page of its stack now
// and then so `vm` and `why` have a live, growing client to look at.
#include "common.h"

int main(int, char**)
{
    programs::say("spin: running until killed\n");
    for (uint64_t turn = 0;; ++turn) {
        volatile uint8_t scratch[64];
        scratch[turn % sizeof(scratch)] = uint8_t(turn);
        (void)kapi::yield();
    }
}
