// The "{}" formatter of the kernel log and user printf, and BufferSink.

#include <climits>
#include <cstdint>
#include <cstring>
#include <doctest/doctest.h>
#include <ipc/addr.h>
#include <ipc/format.h>
#include <ipc/object.h>
#include <limits>
#include <string>

using ipc::fmt::BufferSink;
using ipc::fmt::Sink;

namespace {

// Collects everything written, with no limit.
class StringSink final : public Sink {
public:
    void write(const char* text, size_t length) override { m_text.append(text, length); }
    const std::string& text() const { return m_text; }

private:
    std::string m_text;
};

template<typename... Args>
std::string formatted(const char* format_string, const Args&... args)
{
    StringSink sink;
    ipc::fmt::format(sink, format_string, args...);

    // A big enough BufferSink must produce the same text.
    char buffer[512];
    std::memset(buffer, 'Z', sizeof buffer);
    BufferSink bounded(buffer, sizeof buffer);
    ipc::fmt::format(bounded, format_string, args...);
    CHECK_FALSE(bounded.truncated());
    CHECK(bounded.length() == sink.text().size());
    CHECK(std::string(buffer) == sink.text());
    return sink.text();
}

enum class Small : uint8_t { Zero, One, Two };
enum Plain { plain_seven = 7 };

} // namespace

TEST_CASE("format: text without placeholders is copied")
{
    CHECK(formatted("") == "");
    CHECK(formatted("hello") == "hello");
    CHECK(formatted("100% done") == "100% done");
    CHECK(formatted("a}b}") == "a}b}");
}

TEST_CASE("format: decimal numbers")
{
    CHECK(formatted("{}", 0) == "0");
    CHECK(formatted("{}", 7) == "7");
    CHECK(formatted("{}", 1234567890) == "1234567890");
    CHECK(formatted("{} {}", 10u, 20ul) == "10 20");
    CHECK(formatted("{}", uint64_t(UINT64_MAX)) == "18446744073709551615");
    CHECK(formatted("{}", int64_t(INT64_MAX)) == "9223372036854775807");
    CHECK(formatted("{}", uint16_t(65535)) == "65535");
    // Small integer types are numbers, not characters.
    CHECK(formatted("{}", uint8_t(65)) == "65");
    CHECK(formatted("{}", int8_t(-1)) == "-1");
    CHECK(formatted("{}", static_cast<signed char>(-128)) == "-128");
    CHECK(formatted("{}", static_cast<unsigned char>(255)) == "255");
    // Enums print their value.
    CHECK(formatted("{}", ipc::ObjectType::Frame) == "7");
    CHECK(formatted("{}", Small::Two) == "2");
    CHECK(formatted("{}", plain_seven) == "7");
}

TEST_CASE("format: negative numbers")
{
    CHECK(formatted("{}", -1) == "-1");
    CHECK(formatted("{}", -42) == "-42");
    CHECK(formatted("{}", short(-300)) == "-300");
    CHECK(formatted("{}", long(-9000000000)) == "-9000000000");
    CHECK(formatted("{}", INT32_MIN) == "-2147483648");
    CHECK(formatted("{}", std::numeric_limits<int64_t>::min()) == "-9223372036854775808");
    CHECK(formatted("{}", std::numeric_limits<long long>::min()) == "-9223372036854775808");
    CHECK(formatted("[{}]", int64_t(-9223372036854775807)) == "[-9223372036854775807]");
}

TEST_CASE("format: hexadecimal")
{
    CHECK(formatted("{:x}", 0) == "0x0");
    CHECK(formatted("{:x}", 255) == "0xff");
    CHECK(formatted("{:x}", 0xdeadbeefu) == "0xdeadbeef");
    CHECK(formatted("{:x}", UINT64_MAX) == "0xffffffffffffffff");
    CHECK(formatted("{:x}", uint8_t(0xab)) == "0xab");
    // A negative value in hex shows its 64-bit two's complement, whatever
    // its own width (int is sign-extended to 64 bits first).
    CHECK(formatted("{:x}", -1) == "0xffffffffffffffff");
    CHECK(formatted("{:x}", int64_t(INT64_MIN)) == "0x8000000000000000");
    CHECK(formatted("{:x}", int8_t(-2)) == "0xfffffffffffffffe");
}

TEST_CASE("format: zero-padded hex always shows the requested digits after 0x")
{
    CHECK(formatted("{:016x}", 0) == "0x0000000000000000");
    CHECK(formatted("{:016x}", 0xdead) == "0x000000000000dead");
    CHECK(formatted("{:016x}", UINT64_MAX) == "0xffffffffffffffff");
    CHECK(formatted("{:04x}", 0x8) == "0x0008");
    CHECK(formatted("{:04x}", 0x12345) == "0x12345"); // never truncated
    CHECK(formatted("{:02x}", uint8_t(0xf)) == "0x0f");
}

TEST_CASE("format: width")
{
    // Numbers are right-aligned with spaces; the width includes a sign and 0x.
    CHECK(formatted("[{:5}]", 42) == "[   42]");
    CHECK(formatted("[{:5}]", -42) == "[  -42]");
    CHECK(formatted("[{:2}]", 12345) == "[12345]");
    CHECK(formatted("[{:8x}]", 255) == "[    0xff]");
    CHECK(formatted("[{:4x}]", 255) == "[0xff]");
    CHECK(formatted("[{:1}]", 0) == "[0]");
    CHECK(formatted("[{:20}]", UINT64_MAX) == "[18446744073709551615]");
    CHECK(formatted("[{:21}]", UINT64_MAX) == "[ 18446744073709551615]");
    // Zero padding pads the digits.
    CHECK(formatted("[{:05}]", 42) == "[00042]");
    // For a negative number the sign comes first and does not count toward
    // the width ("zero padding counts digits only").
    CHECK(formatted("[{:05}]", -42) == "[-00042]");
    // Strings and characters are left-aligned.
    CHECK(formatted("[{:8}]", "ab") == "[ab      ]");
    CHECK(formatted("[{:2}]", "abcd") == "[abcd]");
    CHECK(formatted("[{:4}]", "abcd") == "[abcd]");
    CHECK(formatted("[{:3}]", 'x') == "[x  ]");
    CHECK(formatted("[{:0}]", "s") == "[s]");
    CHECK(formatted("[{:10}|{:3}]", "name", 7) == "[name      |  7]");
    // An empty spec is the same as {}.
    CHECK(formatted("[{:}]", 5) == "[5]");
}

TEST_CASE("format: strings, characters and booleans")
{
    CHECK(formatted("{}", "text") == "text");
    CHECK(formatted("<{}>", "") == "<>");
    const char* null_string = nullptr;
    CHECK(formatted("{}", null_string) == "(null)");
    char mutable_text[] = "mutable";
    CHECK(formatted("{}", static_cast<char*>(mutable_text)) == "mutable");
    CHECK(formatted("{}", 'q') == "q");
    CHECK(formatted("{}{}{}", 'a', 'b', 'c') == "abc");
    CHECK(formatted("{}", true) == "true");
    CHECK(formatted("{}", false) == "false");
    CHECK(formatted("{} and {}", true, false) == "true and false");
    // The argument text is not itself a format string.
    CHECK(formatted("{}", "{} {:x}") == "{} {:x}");
}

TEST_CASE("format: pointers and addresses print in hex")
{
    const void* pointer = reinterpret_cast<const void*>(uintptr_t(0xffff'8000'0010'2000));
    CHECK(formatted("{}", pointer) == "0xffff800000102000");
    CHECK(formatted("{:x}", pointer) == "0xffff800000102000");
    CHECK(formatted("{}", static_cast<const void*>(nullptr)) == "0x0");
    int object = 0;
    int* typed = &object;
    CHECK(formatted("{}", typed) == formatted("{:x}", reinterpret_cast<uintptr_t>(typed)));
    CHECK(formatted("{:016}", reinterpret_cast<const void*>(uintptr_t(0x1234))) == "0x0000000000001234");
    CHECK(formatted("[{:8}]", reinterpret_cast<const void*>(uintptr_t(0x1234))) == "[  0x1234]");

    CHECK(formatted("{}", ipc::VirtAddr(0x40'1000)) == "0x401000");
    CHECK(formatted("{}", ipc::PhysAddr(0)) == "0x0");
    CHECK(formatted("{:016x}", ipc::PhysAddr(0x10'0000)) == "0x0000000000100000");
}

TEST_CASE("format: unknown placeholders print as they are and take no argument")
{
    CHECK(formatted("{x}", 5) == "{x}");
    CHECK(formatted("{x} {}", 5) == "{x} 5");
    CHECK(formatted("{:y} {}", 5) == "{:y} 5");
    CHECK(formatted("{:08q} {}", 5) == "{:08q} 5");
    CHECK(formatted("{:x2} {}", 5) == "{:x2} 5");
    CHECK(formatted("{ } {}", 5) == "{ } 5");
    // Unterminated placeholders at the end of the text.
    CHECK(formatted("end{", 5) == "end{");
    CHECK(formatted("end{:", 5) == "end{:");
    CHECK(formatted("end{:0", 5) == "end{:0");
    CHECK(formatted("end{:08x", 5) == "end{:08x");
    // A brace before a placeholder stays; the placeholder is used.
    CHECK(formatted("{{}", 5) == "{5");
    CHECK(formatted("{{}}", 5) == "{5}");
}

TEST_CASE("format: more placeholders than arguments print the rest literally")
{
    CHECK(formatted("{}") == "{}");
    CHECK(formatted("a {} b {:x} c") == "a {} b {:x} c");
    CHECK(formatted("{} and {}", 1) == "1 and {}");
    CHECK(formatted("{} {:x} {:016x} {:4}", 1, 2) == "1 0x2 {:016x} {:4}");
}

TEST_CASE("format: fewer placeholders than arguments ignore the rest")
{
    CHECK(formatted("{}", 1, 2, 3) == "1");
    CHECK(formatted("x", 1) == "x");
    CHECK(formatted("{}-{}", "a", "b", "c") == "a-b");
}

TEST_CASE("format: arguments are taken in order, whatever their type")
{
    CHECK(formatted("{}:{}:{}:{}:{:x}:{}", "s", 'c', -3, true, 255u, ipc::VirtAddr(0x1000))
          == "s:c:-3:true:0xff:0x1000");
}

TEST_CASE("buffer sink: truncates, remembers it, and always terminates")
{
    SUBCASE("fits exactly")
    {
        char buffer[6];
        BufferSink sink(buffer, sizeof buffer);
        ipc::fmt::format(sink, "hello");
        CHECK(std::string(buffer) == "hello");
        CHECK(sink.length() == 5);
        CHECK_FALSE(sink.truncated());
    }
    SUBCASE("one character too many")
    {
        char buffer[6];
        BufferSink sink(buffer, sizeof buffer);
        ipc::fmt::format(sink, "hello!");
        CHECK(std::string(buffer) == "hello");
        CHECK(sink.length() == 5);
        CHECK(sink.truncated());
    }
    SUBCASE("truncation inside an argument, and nothing after it")
    {
        char buffer[16];
        std::memset(buffer, 'Z', sizeof buffer);
        BufferSink sink(buffer, 8);
        ipc::fmt::format(sink, "n={} s={}", 123456, "tail");
        CHECK(std::string(buffer) == "n=12345");
        CHECK(sink.length() == 7);
        CHECK(sink.truncated());
        // Bytes beyond the capacity are never touched.
        for (size_t i = 8; i < sizeof buffer; ++i)
            CHECK(buffer[i] == 'Z');
        // Later writes change nothing.
        sink.write("more", 4);
        CHECK(std::string(buffer) == "n=12345");
        CHECK(sink.length() == 7);
        CHECK(sink.truncated());
    }
    SUBCASE("padding is truncated too")
    {
        char buffer[8];
        BufferSink sink(buffer, sizeof buffer);
        ipc::fmt::format(sink, "{:100}|", "ab");
        CHECK(std::string(buffer) == "ab     ");
        CHECK(sink.truncated());
    }
    SUBCASE("several writes accumulate")
    {
        char buffer[32];
        BufferSink sink(buffer, sizeof buffer);
        ipc::fmt::format(sink, "a{}", 1);
        ipc::fmt::format(sink, "b{:x}", 2);
        sink.write("", 0);
        CHECK(std::string(buffer) == "a1b0x2");
        CHECK(sink.length() == 6);
        CHECK_FALSE(sink.truncated());
    }
    SUBCASE("a fresh sink holds the empty string")
    {
        char buffer[4] = { 'x', 'x', 'x', 'x' };
        BufferSink sink(buffer, sizeof buffer);
        CHECK(buffer[0] == 0);
        CHECK(sink.length() == 0);
        CHECK_FALSE(sink.truncated());
        ipc::fmt::format(sink, "");
        CHECK(buffer[0] == 0);
        CHECK_FALSE(sink.truncated());
    }
    SUBCASE("capacity one holds only the terminator")
    {
        char buffer[2] = { 'x', 'y' };
        BufferSink sink(buffer, 1);
        ipc::fmt::format(sink, "{}", 5);
        CHECK(buffer[0] == 0);
        CHECK(buffer[1] == 'y');
        CHECK(sink.length() == 0);
        CHECK(sink.truncated());
    }
    SUBCASE("capacity zero writes nothing at all")
    {
        char buffer[1] = { 'x' };
        BufferSink sink(buffer, 0);
        ipc::fmt::format(sink, "abc");
        CHECK(buffer[0] == 'x');
        CHECK(sink.length() == 0);
        CHECK(sink.truncated());
    }
}
