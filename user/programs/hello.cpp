// hello: the smallest lazily loaded program. Prints a greeting and its
// arguments (init.run=/bin/hello:a:b gives argv = {"/bin/hello", "a", "b"}).
#include <stdio.h>

int main(int argc, char** argv)
{
    libc::print("hello: hello from a lazily loaded program\n");
    libc::print("hello: argc = {}\n", argc);
    for (int i = 0; i < argc; ++i)
        libc::print("hello: argv[{}] = {}\n", i, argv[i]);
    return 0;
}
