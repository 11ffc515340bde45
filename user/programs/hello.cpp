// hello: the smallest lazily loaded program. Prints a greeting and its
// arguments (init.run=/bin/hello:a:b gives argv = {"/bin/hello", "a", "b"}).
#include "common.h"

int main(int argc, char** argv)
{
    programs::say("hello: hello from a lazily loaded program\n");
    programs::say("hello: argc = {}\n", argc);
    for (int i = 0; i < argc; ++i)
        programs::say("hello: argv[{}] = {}\n", i, argv[i]);
    return 0;
}
