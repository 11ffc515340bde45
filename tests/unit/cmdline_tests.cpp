// The kernel command line: space-separated flags and key=value words.

#include "doctest_ipc_error.h"
#include <cmdline.h>
#include <doctest/doctest.h>
#include <cstdint>
#include <initializer_list>
#include <string_view>

using kernel::CommandLine;
using namespace std::string_view_literals;

TEST_CASE("command line: values by key")
{
    CommandLine line("init=init loglevel=debug quiet");
    CHECK(line.value("init") == "init");
    CHECK(line.value("loglevel") == "debug");
    CHECK(line.value("missing") == "");
    CHECK(line.value("missing", "fallback") == "fallback");
    CHECK(line.value("init", "fallback") == "init");
    CHECK(line.text() == "init=init loglevel=debug quiet");

    // The returned view points into the original text.
    const char* text = "a=1 b=22";
    CommandLine views(text);
    CHECK(views.value("b").data() == text + 6);
    CHECK(views.value("b").size() == 2);
}

TEST_CASE("command line: a key matches whole words only")
{
    CommandLine line("initrd=ramdisk xinit=no init=yes");
    CHECK(line.value("init") == "yes");
    CHECK(line.value("initrd") == "ramdisk");
    CHECK(line.value("ini") == "");
    CHECK(line.value("nit", "none") == "none");
    // A flag with the key's name is not a key=value word.
    CHECK(CommandLine("init init=real").value("init") == "real");
    CHECK(CommandLine("init").value("init", "fallback") == "fallback");
}

TEST_CASE("command line: the first of several values wins")
{
    CommandLine line("mode=a mode=b");
    CHECK(line.value("mode") == "a");
}

TEST_CASE("command line: empty values and values containing '='")
{
    CHECK(CommandLine("init=").value("init", "fallback") == "");
    CHECK(CommandLine("init= next").value("init", "fallback") == "");
    CHECK(CommandLine("opt=a=b").value("opt") == "a=b");
    CHECK(CommandLine("opt=a=b").value("opt=a") == "b");
}

TEST_CASE("command line: spacing")
{
    CommandLine line("   quiet    init=srv   debug   ");
    CHECK(line.value("init") == "srv");
    CHECK(line.has_flag("quiet"));
    CHECK(line.has_flag("debug"));
    CHECK_FALSE(line.has_flag(""));
    CHECK_FALSE(line.has_flag(" "));
    // Only spaces separate words: a tab is part of a word.
    CommandLine tabbed("quiet\tdebug");
    CHECK_FALSE(tabbed.has_flag("quiet"));
    CHECK(tabbed.has_flag("quiet\tdebug"));
}

TEST_CASE("command line: flags")
{
    CommandLine line("quiet init=init nosmp");
    CHECK(line.has_flag("quiet"));
    CHECK(line.has_flag("nosmp"));
    CHECK_FALSE(line.has_flag("quie"));
    CHECK_FALSE(line.has_flag("quiet2"));
    CHECK_FALSE(line.has_flag("smp"));
    // A key=value word is not a flag, under either name.
    CHECK_FALSE(line.has_flag("init"));
    CHECK(line.has_flag("init=init"));
    // A flag found early is not forgotten by later words.
    CHECK(CommandLine("a b c").has_flag("a"));
    CHECK(CommandLine("a b c").has_flag("c"));
}

TEST_CASE("command line: empty and missing text")
{
    for (const char* text : { static_cast<const char*>(nullptr), "", "    " }) {
        CAPTURE(text ? text : "(null)");
        CommandLine line(text);
        CHECK(line.text() == (text ? std::string_view(text) : ""sv));
        CHECK(line.value("init", "fallback") == "fallback");
        CHECK(line.value("init") == "");
        CHECK_FALSE(line.has_flag("quiet"));
        CHECK_FALSE(line.has_flag(""));
    }
}

TEST_CASE("command line: numbers within bounds")
{
    CommandLine line("timer.hz=5000 zero=0 big=18446744073709551615");
    CHECK(line.number("timer.hz", 100, 19, 10000).value() == 5000);
    CHECK(line.number("zero", 7, 0, 10).value() == 0);
    CHECK(line.number("big", 0, 0, UINT64_MAX).value() == UINT64_MAX);
    // Absent, or present with nothing after '=': the fallback, unchecked.
    CHECK(line.number("missing", 100, 19, 10000).value() == 100);
    CHECK(CommandLine("timer.hz=").number("timer.hz", 100, 19, 10000).value() == 100);
    // The bounds are inclusive.
    CHECK(CommandLine("n=19").number("n", 0, 19, 10000).value() == 19);
    CHECK(CommandLine("n=10000").number("n", 0, 19, 10000).value() == 10000);
}

TEST_CASE("command line: malformed and out-of-range numbers are errors, not guesses")
{
    for (const char* text : { "n=abc", "n=12x", "n=-5", "n=+5", "n=0x10", "n=1.5" }) {
        CAPTURE(text);
        auto n = CommandLine(text).number("n", 100, 0, 1000000);
        REQUIRE(n.is_error());
        CHECK(n.error() == ipc::Error::InvalidArgument);
    }
    for (const char* text : { "n=18", "n=10001", "n=18446744073709551616", "n=99999999999999999999999" }) {
        CAPTURE(text);
        auto n = CommandLine(text).number("n", 100, 19, 10000);
        REQUIRE(n.is_error());
        CHECK(n.error() == ipc::Error::OutOfRange);
    }
}
