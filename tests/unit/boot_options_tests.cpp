// The kernel's check of the boot command line (kernel/boot_options.h) and
// the shared word handling and messages (ipc/boot_options.h).

#include <boot_options.h>
#include <doctest/doctest.h>
#include <string>
#include <vector>

using kernel::CommandLine;
namespace opts = ipc::boot_options;

namespace {

// Every line the kernel would log for this command line, in order.
std::vector<std::string> problems(const char* text)
{
    std::vector<std::string> lines;
    CommandLine line(text);
    size_t count
        = kernel::boot_options::check(line, [&](const char* message) { lines.emplace_back(message); });
    CHECK(count == lines.size());
    return lines;
}

using Lines = std::vector<std::string>;

} // namespace

TEST_CASE("boot options: words are split at their first '='")
{
    opts::Word w = opts::split_word("pager.policy=around=16");
    CHECK(w.key == "pager.policy");
    CHECK(w.value == "around=16");
    CHECK(w.has_value);
    opts::Word flag = opts::split_word("quiet");
    CHECK(flag.key == "quiet");
    CHECK(flag.value.empty());
    CHECK_FALSE(flag.has_value);
    opts::Word empty = opts::split_word("init=");
    CHECK(empty.key == "init");
    CHECK(empty.value.empty());
    CHECK(empty.has_value);
}

TEST_CASE("boot options: the words of a line, whatever the spacing")
{
    std::vector<std::string> seen;
    for (opts::Words words("  a=1   b  c=  "); opts::Word w = words.next();)
        seen.emplace_back(w.text);
    CHECK(seen == Lines { "a=1", "b", "c=" });
    opts::Words none("    ");
    CHECK_FALSE(none.next());
    opts::Words empty("");
    CHECK_FALSE(empty.next());
}

TEST_CASE("boot options: a line the kernel knows all of has no problem")
{
    CHECK(problems("").empty());
    CHECK(problems("loglevel=debug fastpath=off timer.hz=5000 init=ktest test.fault=pf").empty());
    CHECK(problems("loglevel=error").empty());
    CHECK(problems("fastpath=on").empty());
}

TEST_CASE("boot options: server words are passed on unjudged")
{
    CHECK(problems("pager.policy=nonsense init.run=/bin/x pager.whatever ktest.only=ipc kbench.count=7")
              .empty());
    CHECK(problems("ktest.verbose init.anything=1").empty());
    // A prefix alone is not a server key, and neither is a look-alike.
    CHECK(problems("pager.=1") == Lines { "unknown option \"pager.=1\" ignored" });
    CHECK(problems("pagerx.policy=lazy") == Lines { "unknown option \"pagerx.policy=lazy\" ignored" });
}

TEST_CASE("boot options: unknown words are named, one line each")
{
    CHECK(problems("foo=bar") == Lines { "unknown option \"foo=bar\" ignored" });
    CHECK(problems("quiet loglevel=debug =5")
          == Lines { "unknown option \"quiet\" ignored", "unknown option \"=5\" ignored" });
    CHECK(problems("LOGLEVEL=debug") == Lines { "unknown option \"LOGLEVEL=debug\" ignored" });
}

TEST_CASE("boot options: a bad value names key, value and the default used")
{
    CHECK(problems("loglevel=loud")
          == Lines { "\"loglevel=loud\": loglevel takes debug, info, warn or error; using info" });
    CHECK(problems("loglevel=")
          == Lines { "\"loglevel=\": loglevel takes debug, info, warn or error; using info" });
    CHECK(problems("fastpath=maybe") == Lines { "\"fastpath=maybe\": fastpath takes on or off; using on" });
    // Values whose user judges them (timer_rate, the root task lookup) pass here.
    CHECK(problems("timer.hz=fast init=nothere").empty());
    // An option whose default is to do nothing says it ignores the word.
    CHECK(
        problems("test.fault=zz")
        == Lines { "\"test.fault=zz\": test.fault takes pf, gp, ud, de, df, wtext, xdata or irq; ignored" });
    CHECK(problems("test.fault=xdata").empty());
}

TEST_CASE("boot options: a valued option written as a flag")
{
    CHECK(problems("fastpath") == Lines { "\"fastpath\" ignored: fastpath takes a value (on or off)" });
    CHECK(problems("init") == Lines { "\"init\" ignored: init takes a value (a boot module's name)" });
}

TEST_CASE("boot options: a repeated key is reported and the first counts")
{
    CHECK(problems("loglevel=debug loglevel=warn")
          == Lines { "\"loglevel=warn\" ignored: loglevel is already given (\"loglevel=debug\" counts)" });
    CommandLine line("loglevel=debug loglevel=warn fastpath=off fastpath=on");
    CHECK(kernel::boot_options::log_level(line) == kernel::log::Level::Debug);
    CHECK_FALSE(kernel::boot_options::fastpath_on(line));
    // The first counts even when bad: the kernel does not look further.
    CHECK(problems("loglevel=loud loglevel=warn").size() == 2);
    CHECK(kernel::boot_options::log_level(CommandLine("loglevel=loud loglevel=warn"))
          == kernel::log::Level::Info);
    // A bare flag is not a value: the valued word after it counts.
    CHECK(problems("fastpath fastpath=off").size() == 1);
    CHECK_FALSE(kernel::boot_options::fastpath_on(CommandLine("fastpath fastpath=off")));
}

TEST_CASE("boot options: the values in use")
{
    using kernel::log::Level;
    CHECK(kernel::boot_options::log_level(CommandLine("")) == Level::Info);
    CHECK(kernel::boot_options::log_level(CommandLine("loglevel=debug")) == Level::Debug);
    CHECK(kernel::boot_options::log_level(CommandLine("loglevel=warn")) == Level::Warn);
    CHECK(kernel::boot_options::log_level(CommandLine("loglevel=error")) == Level::Error);
    CHECK(kernel::boot_options::log_level(CommandLine("loglevel=loud")) == Level::Info);
    CHECK(kernel::boot_options::log_level(CommandLine("xloglevel=debug")) == Level::Info);
    CHECK(kernel::boot_options::fastpath_on(CommandLine("")));
    CHECK(kernel::boot_options::fastpath_on(CommandLine("fastpath=maybe")));
    CHECK_FALSE(kernel::boot_options::fastpath_on(CommandLine("fastpath=off")));
}

TEST_CASE("boot options: a line longer than the root task's copy is reported")
{
    std::string words = "init=init " + std::string(501, 'a');
    CHECK(words.size() == 511);
    // The 'aaa...' word is unknown, and long: cut in the message, marked.
    Lines at_limit = problems(words.c_str());
    REQUIRE(at_limit.size() == 1);
    CHECK(at_limit[0] == "unknown option \"" + std::string(48, 'a') + "...\" ignored");
    std::string longer = "init.run=" + std::string(600, 'b');
    CHECK(problems(longer.c_str())
          == Lines { "the command line is 609 characters long: the root task gets only the first 511" });
}

TEST_CASE("boot options: every message fits its buffer")
{
    // Long words are cut, and the cut is marked.
    std::string worst = "loglevel=" + std::string(200, 'z') + " loglevel=" + std::string(200, 'y');
    Lines lines = problems(worst.c_str());
    REQUIRE(lines.size() == 2);
    CHECK(lines[0]
          == "\"loglevel=" + std::string(39, 'z')
              + "...\": loglevel takes debug, info, warn or error; using info");
    CHECK(lines[1]
          == "\"loglevel=" + std::string(39, 'y') + "...\" ignored: loglevel is already given (\"loglevel="
              + std::string(39, 'z') + "...\" counts)");
    // A message longer than the buffer is cut at its end, marked too.
    std::string takes(300, 'v');
    opts::Option long_option { "k", takes, "one", nullptr };
    opts::Finding finding = opts::Finding::missing_value("k", &long_option);
    char out[opts::message_capacity];
    size_t n = opts::describe(finding, out);
    CHECK(n == opts::message_capacity - 1);
    std::string start = "\"k\" ignored: k takes a value (";
    CHECK(std::string(out)
          == start + std::string(opts::message_capacity - 1 - start.size() - 3, 'v') + "...");
    for (const std::string& message : problems((worst + " " + std::string(600, 'q')).c_str()))
        CHECK(message.size() < opts::message_capacity);
}
