// init's options: the "init." and "pager." words of the kernel command line
// (servers/init/options.h), what init reports and what it passes the pager.

#include <doctest/doctest.h>
#include <options.h>
#include <string>
#include <vector>

using Lines = std::vector<std::string>;

namespace {

struct Read {
    init::Options options;
    Lines problems;
};

Read read(const char* line)
{
    Read r;
    r.options = init::read_options(line, [&](const char* message) { r.problems.emplace_back(message); });
    return r;
}

using ipc::proto::pager::BootPolicy;
using ipc::proto::pager::StartArguments;
constexpr StartArguments defaults {};

} // namespace

TEST_CASE("init options: the defaults")
{
    Read r = read("");
    CHECK(r.problems.empty());
    CHECK(r.options.run.empty());
    CHECK(r.options.pager == defaults);
}

TEST_CASE("init options: good words become the pager's start arguments")
{
    Read r = read(
        "loglevel=debug init.run=/bin/hello:a,/bin/big pager.policy=eager pager.log=debug pager.pool=64");
    CHECK(r.problems.empty());
    CHECK(r.options.run == "/bin/hello:a,/bin/big");
    CHECK(r.options.pager
          == StartArguments { .log_decisions = true, .policy = BootPolicy::Eager, .pool_frames = 64 });

    StartArguments around = read("pager.policy=around=16").options.pager;
    CHECK(around == StartArguments { .policy = BootPolicy::Around, .around_pages = 16 });
    CHECK(read("pager.policy=around=512").problems.empty());
    CHECK(read("pager.policy=around=512").options.pager.around_pages == 512);
    CHECK(read("pager.policy=lazy pager.log=off pager.pool=0").options.pager == defaults);
    CHECK(read("pager.pool=65535").options.pager.pool_frames == 65535);
}

TEST_CASE("init options: what init reads is what the pager decodes")
{
    for (const char* line : { "", "pager.pool=9 pager.policy=around=16 pager.log=debug", "pager.policy=eager",
                              "pager.policy=around=512 pager.pool=65535", "pager.log=debug" }) {
        StartArguments sent = read(line).options.pager;
        auto decoded = StartArguments::decode(sent.encode());
        REQUIRE_MESSAGE(decoded.has_value(), line);
        CHECK_MESSAGE(decoded.value() == sent, line);
    }
    // The wire layout the pager has always read: bit 0, bits 8-15, 16-31, 32-47.
    CHECK(read("pager.pool=9 pager.policy=around=16 pager.log=debug").options.pager.encode()
          == (1 | (2 << 8) | (uint64_t(16) << 16) | (uint64_t(9) << 32)));
}

TEST_CASE("init options: other owners' words are left alone")
{
    Read r = read("loglevel=loud foo=bar ktest.only=x kbench.count=3 init=init initrd=1 pagerx.policy=eager");
    CHECK(r.problems.empty());
    CHECK(r.options.pager == defaults);
}

TEST_CASE("init options: unknown init. and pager. keys are named")
{
    Read r = read("pager.polciy=eager init.runn=/bin/x pager.log=debug");
    CHECK(r.problems
          == Lines { "unknown option \"pager.polciy=eager\" ignored",
                     "unknown option \"init.runn=/bin/x\" ignored" });
    CHECK(r.options.pager.policy == BootPolicy::Lazy);
    CHECK(r.options.run.empty());
    CHECK(r.options.pager.log_decisions);
}

TEST_CASE("init options: bad values name the word and the default used")
{
    CHECK(read("pager.policy=sloppy").problems
          == Lines { "\"pager.policy=sloppy\": pager.policy takes lazy, eager or around=N (N from 1 to 512); "
                     "using lazy" });
    for (const char* bad :
         { "pager.policy=", "pager.policy=around=", "pager.policy=around=0", "pager.policy=around=513",
           "pager.policy=around=16x", "pager.policy=around=99999999999999999999999", "pager.policy=eagerly",
           "pager.policy=LAZY" }) {
        Read r = read(bad);
        CHECK_MESSAGE(r.problems.size() == 1, bad);
        CHECK_MESSAGE(r.options.pager == defaults, bad);
    }
    CHECK(read("pager.log=verbose").problems
          == Lines { "\"pager.log=verbose\": pager.log takes debug or off; using off" });
    CHECK(read("pager.pool=lots").problems
          == Lines { "\"pager.pool=lots\": pager.pool takes a whole number from 0 to 65535; using 0" });
    for (const char* bad : { "pager.pool=65536", "pager.pool=-1", "pager.pool=", "pager.pool=12x",
                             "pager.pool=99999999999999999999999" }) {
        Read r = read(bad);
        CHECK_MESSAGE(r.problems.size() == 1, bad);
        CHECK_MESSAGE(r.options.pager.pool_frames == 0, bad);
    }
    Read empty_run = read("init.run=");
    CHECK(empty_run.problems
          == Lines { "\"init.run=\": init.run takes PROG[:ARG...][,PROG...], 1 to 16 programs; using the "
                     "default program" });
    CHECK(empty_run.options.run.empty());
}

TEST_CASE("init options: at most 16 programs")
{
    std::string sixteen = "init.run=/bin/a";
    for (int i = 1; i < 16; ++i)
        sixteen += ",/bin/a";
    CHECK(read(sixteen.c_str()).problems.empty());
    CHECK(read(sixteen.c_str()).options.run.size() == sixteen.size() - 9);
    std::string seventeen = sixteen + ",/bin/b";
    Read r = read(seventeen.c_str());
    CHECK(r.problems.size() == 1);
    CHECK(r.options.run.empty());
}

TEST_CASE("init options: flags and repeats")
{
    Read flag = read("pager.log");
    CHECK(flag.problems == Lines { "\"pager.log\" ignored: pager.log takes a value (debug or off)" });
    CHECK(flag.options.pager == defaults);

    Read twice = read("pager.policy=eager pager.policy=lazy");
    CHECK(
        twice.problems
        == Lines {
            "\"pager.policy=lazy\" ignored: pager.policy is already given (\"pager.policy=eager\" counts)" });
    CHECK(twice.options.pager.policy == BootPolicy::Eager);
    // A bad first word is reported, and so is the later one: neither is used.
    Read bad_first = read("pager.pool=x pager.pool=8");
    CHECK(bad_first.problems.size() == 2);
    CHECK(bad_first.options.pager.pool_frames == 0);
}
