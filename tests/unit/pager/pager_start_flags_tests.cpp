// The pager's start flags for the optional pre-zeroed pool: what init makes
// of `pager.pool=N` on the command line and what the pager reads back.

#include <doctest/doctest.h>
#include <pager/start_flags.h>

using pager::start_flags::pool_frames;
using pager::start_flags::pool_from_command_line;

TEST_CASE("pager start flags: pager.pool=N round-trips through the start flags")
{
    CHECK(pool_frames(pool_from_command_line("pager.pool=64")) == 64);
    CHECK(pool_frames(pool_from_command_line("init.run=/bin/bench:200:16 pager.pool=32 pager.policy=lazy")) == 32);
    CHECK(pool_frames(pool_from_command_line("pager.pool=65535")) == 65535);
    CHECK(pool_from_command_line("pager.pool=64") == uint64_t(64) << 32);
}

TEST_CASE("pager start flags: no pool unless asked for, and never from a malformed word")
{
    CHECK(pool_from_command_line("") == 0);
    CHECK(pool_from_command_line("init.run=/bin/bench:4:1 pager.policy=around=16") == 0);
    CHECK(pool_from_command_line("pager.pool=0") == 0);
    CHECK(pool_from_command_line("pager.pool=65536") == 0);     // too many
    CHECK(pool_from_command_line("pager.pool=99999999999") == 0);
    CHECK(pool_from_command_line("pager.pool=12x") == 0);       // not a number
    CHECK(pool_from_command_line("pager.pool=") == 0);
    CHECK(pool_from_command_line("xpager.pool=8") == 0);        // whole words only
    CHECK(pool_frames(pool_from_command_line("xpager.pool=8 pager.pool=4")) == 4);
}

TEST_CASE("pager start flags: the pool bits leave the log and policy bits alone")
{
    uint64_t flags = 1 | (2 << 8) | (uint64_t(16) << 16) | pool_from_command_line("pager.pool=9");
    CHECK(pool_frames(flags) == 9);
    CHECK((flags & 0xffff'ffff) == (1 | (2 << 8) | (uint64_t(16) << 16)));
    CHECK(pool_frames(1 | (2 << 8) | (uint64_t(0xffff) << 16)) == 0);
}
