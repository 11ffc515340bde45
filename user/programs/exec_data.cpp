// exec_data: copies a `ret` instruction into an initialised array in .data
// and calls it. Data pages are mapped without execute (NX), so the pager must
// kill it with "protection violation" at the array's address. Returning from
// the call is a bug (exit 1).
#include "common.h"

namespace {
uint8_t g_code[64] = { 0xcc }; // initialised: lives in .data
}

int main(int, char**)
{
    g_code[0] = 0xc3; // ret
    programs::compiler_barrier();
    using Function = void (*)();
    auto address = reinterpret_cast<uint64_t>(&g_code[0]);
    auto function = reinterpret_cast<Function>(address);
    programs::say("exec_data: calling code at {:x}\n", address);
    function();
    programs::say("exec_data: FAIL: code in a data page ran\n");
    return 1;
}
