// wild_pointer: writes through a pointer to an address no region holds
// (0x5000dead0000). The pager must kill it with "invalid address" there.
#include "common.h"

namespace {
volatile uint64_t g_address = 0x0000'5000'dead'0000;
}

int main(int, char**)
{
    auto* pointer = reinterpret_cast<volatile uint64_t*>(g_address);
    programs::say("wild_pointer: writing to {:x}\n", g_address);
    *pointer = 0x1234;
    programs::say("wild_pointer: FAIL: the write to a wild pointer succeeded\n");
    return 1;
}
