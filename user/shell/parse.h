#pragma once
// The shell's command-line parser: pure logic (no syscalls, no allocation),
// built both into the shell and into the host tests (tests/unit/shell).
//
// A line is split into words at unquoted spaces and tabs:
//   'single quotes'   keep everything literally, up to the next '
//   "double quotes"   keep everything literally except \" and \\ (the
//                     backslash escapes those two; before anything else it
//                     stays a backslash, as in POSIX sh)
//   \c                outside quotes: the character c, whatever it is
//   &                 unquoted, at the very end (alone or glued to the last
//                     word): run the command in the background
// Adjacent pieces join into one word (a"b c"'d' is one word: ab cd); "" is
// an empty word. Errors, each with a one-line message: an unterminated
// quote, a backslash at the end of the line, an `&` with something after it
// or nothing before it, too many words, a line that is too long.

#include <cstddef>
#include <cstdint>

namespace shell {

inline constexpr size_t max_line = 256; // bytes of one command line
inline constexpr size_t max_args = 32;  // words of one command line

enum class ParseError : uint8_t {
    None,
    UnterminatedSingleQuote,
    UnterminatedDoubleQuote,
    TrailingBackslash,
    MisplacedAmpersand, // something follows the `&`
    EmptyBackground,    // `&` with no command before it
    TooManyArguments,
    TooLong,
};

const char* parse_error_message(ParseError);

// The parsed words live in the object itself (argv points into storage),
// so it is neither copied nor moved.
struct CommandLine {
    char storage[max_line + max_args + 1];
    const char* argv[max_args + 1]; // argv[argc] is nullptr
    size_t argc { 0 };
    bool background { false };

    CommandLine() = default;
    CommandLine(const CommandLine&) = delete;
    CommandLine& operator=(const CommandLine&) = delete;
};

// Parses `length` bytes of `line` (no NUL needed). On error `out` holds no words.
ParseError parse_command_line(const char* line, size_t length, CommandLine& out);

// A decimal number (a pid): digits only, no sign, no overflow.
bool parse_decimal(const char* text, uint64_t& out);
// An address: hexadecimal with or without 0x (vm prints addresses bare, so
// they can be pasted back), at most 16 digits.
bool parse_address(const char* text, uint64_t& out);

// Whether two NUL-terminated strings are equal (the shell has no libc here).
bool same(const char* a, const char* b);

} // namespace shell
