// The shell's command-line parser (user/shell/parse.h): words, quotes,
// escapes, the trailing `&`, every error, and the number parsers.

#include <doctest/doctest.h>
#include <shell/parse.h>
#include <string>
#include <vector>

using shell::CommandLine;
using shell::parse_command_line;
using shell::ParseError;

namespace {

struct Parsed {
    ParseError error;
    std::vector<std::string> words;
    bool background;
};

Parsed parse(const std::string& line)
{
    CommandLine c;
    ParseError e = parse_command_line(line.data(), line.size(), c);
    Parsed p { e, {}, c.background };
    for (size_t i = 0; i < c.argc; ++i)
        p.words.emplace_back(c.argv[i]);
    CHECK(c.argv[c.argc] == nullptr);
    return p;
}

using Words = std::vector<std::string>;

} // namespace

TEST_CASE("words are split at spaces and tabs")
{
    auto p = parse("ls /bin");
    CHECK(p.error == ParseError::None);
    CHECK(p.words == Words { "ls", "/bin" });
    CHECK_FALSE(p.background);

    CHECK(parse("  hello\t a   b  ").words == Words { "hello", "a", "b" });
    CHECK(parse("x").words == Words { "x" });
}

TEST_CASE("an empty or blank line has no words and is no error")
{
    for (const char* line : { "", " ", "\t  \t" }) {
        auto p = parse(line);
        CHECK(p.error == ParseError::None);
        CHECK(p.words.empty());
        CHECK_FALSE(p.background);
    }
}

TEST_CASE("single quotes keep everything literally")
{
    CHECK(parse("echo 'a b'").words == Words { "echo", "a b" });
    CHECK(parse(R"(echo 'a\b "c"')").words == Words { "echo", R"(a\b "c")" });
    CHECK(parse("echo '&'").words == Words { "echo", "&" });
    CHECK_FALSE(parse("echo '&'").background);
}

TEST_CASE("double quotes: \\\" and \\\\ are escapes, other backslashes stay")
{
    CHECK(parse(R"(echo "a b")").words == Words { "echo", "a b" });
    CHECK(parse(R"(echo "say \"hi\"")").words == Words { "echo", R"(say "hi")" });
    CHECK(parse(R"(echo "back\\slash")").words == Words { "echo", R"(back\slash)" });
    CHECK(parse(R"(echo "a\nb")").words == Words { "echo", R"(a\nb)" });
    CHECK(parse(R"(echo "it's")").words == Words { "echo", "it's" });
}

TEST_CASE("a backslash outside quotes takes the next character literally")
{
    CHECK(parse(R"(echo a\ b)").words == Words { "echo", "a b" });
    CHECK(parse(R"(echo \'x\')").words == Words { "echo", "'x'" });
    CHECK(parse(R"(echo \&)").words == Words { "echo", "&" });
    CHECK_FALSE(parse(R"(echo \&)").background);
    CHECK(parse(R"(echo \\)").words == Words { "echo", R"(\)" });
}

TEST_CASE("adjacent pieces join into one word; empty quotes make an empty word")
{
    CHECK(parse(R"(a"b c"'d')").words == Words { "ab cd" });
    CHECK(parse(R"(echo "" '')").words == Words { "echo", "", "" });
    CHECK(parse(R"(x"")").words == Words { "x" });
}

TEST_CASE("a trailing & runs in the background, alone or glued to the last word")
{
    auto p = parse("hello a b &");
    CHECK(p.error == ParseError::None);
    CHECK(p.words == Words { "hello", "a", "b" });
    CHECK(p.background);

    p = parse("hello&");
    CHECK(p.words == Words { "hello" });
    CHECK(p.background);

    p = parse("hello &   ");
    CHECK(p.error == ParseError::None);
    CHECK(p.background);
}

TEST_CASE("errors")
{
    CHECK(parse("echo 'abc").error == ParseError::UnterminatedSingleQuote);
    CHECK(parse(R"(echo "abc)").error == ParseError::UnterminatedDoubleQuote);
    CHECK(parse(R"(echo "abc\")").error == ParseError::UnterminatedDoubleQuote);
    CHECK(parse(R"(echo abc\)").error == ParseError::TrailingBackslash);
    CHECK(parse("a & b").error == ParseError::MisplacedAmpersand);
    CHECK(parse("a&b").error == ParseError::MisplacedAmpersand);
    CHECK(parse("a && b").error == ParseError::MisplacedAmpersand);
    CHECK(parse("a &&").error == ParseError::MisplacedAmpersand);
    CHECK(parse("&").error == ParseError::EmptyBackground);
    CHECK(parse("  & ").error == ParseError::EmptyBackground);

    // On error nothing is left behind.
    auto p = parse("a b 'c");
    CHECK(p.words.empty());
    CHECK_FALSE(p.background);
    CHECK(parse("a &x").words.empty());
}

TEST_CASE("limits: max_args words and max_line bytes")
{
    std::string line;
    for (size_t i = 0; i < shell::max_args; ++i)
        line += "w ";
    auto p = parse(line);
    CHECK(p.error == ParseError::None);
    CHECK(p.words.size() == shell::max_args);
    CHECK(parse(line + "one-more").error == ParseError::TooManyArguments);

    std::string longest(shell::max_line, 'x');
    p = parse(longest);
    CHECK(p.error == ParseError::None);
    REQUIRE(p.words.size() == 1);
    CHECK(p.words[0] == longest);
    CHECK(parse(longest + "x").error == ParseError::TooLong);

    // The densest line: one-character words fill storage exactly.
    std::string dense;
    for (size_t i = 0; i < shell::max_args; ++i)
        dense += i + 1 < shell::max_args ? "a " : "a";
    CHECK(parse(dense).words.size() == shell::max_args);
}

TEST_CASE("every error has a message")
{
    for (auto e : { ParseError::UnterminatedSingleQuote, ParseError::UnterminatedDoubleQuote,
                    ParseError::TrailingBackslash, ParseError::MisplacedAmpersand,
                    ParseError::EmptyBackground, ParseError::TooManyArguments, ParseError::TooLong }) {
        std::string message = shell::parse_error_message(e);
        CHECK_FALSE(message.empty());
        CHECK(message != "unknown error");
    }
}

TEST_CASE("parse_decimal: digits only, no overflow")
{
    uint64_t v = 7;
    CHECK(shell::parse_decimal("0", v));
    CHECK(v == 0);
    CHECK(shell::parse_decimal("1002", v));
    CHECK(v == 1002);
    CHECK(shell::parse_decimal("18446744073709551615", v));
    CHECK(v == UINT64_MAX);
    v = 5;
    CHECK_FALSE(shell::parse_decimal("18446744073709551616", v));
    CHECK_FALSE(shell::parse_decimal("", v));
    CHECK_FALSE(shell::parse_decimal("-1", v));
    CHECK_FALSE(shell::parse_decimal("12a", v));
    CHECK_FALSE(shell::parse_decimal("0x10", v));
    CHECK_FALSE(shell::parse_decimal(nullptr, v));
    CHECK(v == 5); // untouched on failure
}

TEST_CASE("parse_address: hexadecimal, 0x optional, as vm prints them")
{
    uint64_t v = 0;
    CHECK(shell::parse_address("0x7ffffff00000", v));
    CHECK(v == 0x7ffffff00000);
    CHECK(shell::parse_address("0000000000400000", v));
    CHECK(v == 0x400000);
    CHECK(shell::parse_address("DeadBeef", v));
    CHECK(v == 0xdeadbeef);
    CHECK(shell::parse_address("0X10", v));
    CHECK(v == 0x10);
    CHECK(shell::parse_address("ffffffffffffffff", v));
    CHECK(v == UINT64_MAX);
    CHECK(shell::parse_address("000000000000000001", v)); // leading zeros do not count
    CHECK(v == 1);
    CHECK_FALSE(shell::parse_address("10000000000000000", v)); // 17 digits
    CHECK_FALSE(shell::parse_address("0x", v));
    CHECK_FALSE(shell::parse_address("", v));
    CHECK_FALSE(shell::parse_address("12g", v));
    CHECK_FALSE(shell::parse_address(nullptr, v));
}

TEST_CASE("same")
{
    CHECK(shell::same("ls", "ls"));
    CHECK(shell::same("", ""));
    CHECK_FALSE(shell::same("ls", "lsx"));
    CHECK_FALSE(shell::same("lsx", "ls"));
    CHECK_FALSE(shell::same("", "a"));
}
