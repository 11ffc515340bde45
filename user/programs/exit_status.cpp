// exit_status: exits with the status given as its first argument (default 3),
// so the tests can check that a non-zero status reaches init unchanged.
#include "common.h"

namespace {
int parse(const char* text)
{
    int value = 0;
    for (; *text >= '0' && *text <= '9'; ++text)
        value = value * 10 + (*text - '0');
    return value;
}
} // namespace

int main(int argc, char** argv)
{
    int status = argc > 1 ? parse(argv[1]) : 3;
    programs::say("exit_status: exiting with status {}\n", status);
    return status;
}
