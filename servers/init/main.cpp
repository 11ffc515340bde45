// init: the root task. For now it proves the way into ring 3 works: it
// prints its banner through the kernel's debug console and exits.
#include <stdio.h>

int main(int, char**)
{
    libc::puts("init: faultline root task running in ring 3");
    return 0;
}
