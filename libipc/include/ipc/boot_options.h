#pragma once
// The boot command line as its owners judge it.
//
// GRUB hands the kernel one line of space-separated words, each "key=value"
// or a bare "flag". Every word has one owner. The kernel owns its own keys
// (kernel/boot_options.h) and passes on, unjudged, every word whose key
// starts with a root task's or a server's prefix (`server_prefixes`); init
// owns the "init." and "pager." words (servers/init/options.h), ktest and
// kbench read theirs. An owner reports each word it will not use as
// written in one line, and goes on with the default:
//
//   unknown option "foo=bar" ignored
//   "loglevel=loud": loglevel takes debug, info, warn or error; using info
//   "loglevel=warn" ignored: loglevel is already given ("loglevel=debug" counts)
//   "fastpath" ignored: fastpath takes a value (on or off)
//
// The first word with a key counts (kernel::CommandLine::value, init's
// options): a later one is reported, never silently preferred.
//
// Pure logic: compiled by the kernel, init and the host tests.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ipc::boot_options {

// The words' prefixes that belong to a root task or a server, not to the kernel.
inline constexpr std::string_view server_prefixes[] = { "init.", "pager.", "ktest.", "kbench." };

// One word, split at its first '='.
struct Word {
    std::string_view text;  // as written
    std::string_view key;   // before the '=' (the whole word for a flag)
    std::string_view value; // after the '=' (empty for a flag)
    bool has_value { false };

    explicit operator bool() const { return !text.empty(); }
};

Word split_word(std::string_view text);

// The words of a line, in order: for (Words words(line); Word w = words.next();)
class Words {
public:
    explicit Words(std::string_view line) : m_rest(line) { }
    // The next word, or an empty Word at the end of the line.
    Word next();

private:
    std::string_view m_rest;
};

// The first "key=..." word of `line` with this key (an empty Word if none):
// the one whose value counts.
Word first_valued(std::string_view line, std::string_view key);

// Whether `key` belongs to a root task or a server (see server_prefixes).
bool is_server_key(std::string_view key);
// Whether `key` is in the namespace `prefix` ("pager.").
bool in_namespace(std::string_view key, std::string_view prefix);

// What an owner knows about one of its keys.
struct Option {
    std::string_view key;
    // The values it takes, for the message ("debug, info, warn or error").
    std::string_view takes;
    // The value used when the word is missing or bad ("info").
    std::string_view fallback;
    // nullptr: any value; the option's user judges it where it uses it
    // (timer.hz, init, test.fault in the kernel).
    bool (*accepts)(std::string_view value);
};

// The option with this key in `options`, or nullptr.
const Option* find_option(const Option* options, size_t count, std::string_view key);

enum class Problem : uint8_t {
    None,
    Unknown,      // no owner knows the key: the word is ignored
    BadValue,     // the value is not one the option takes: `used` instead
    MissingValue, // a valued option written as a bare flag: ignored
    Repeated,     // the key was given before: the earlier word counts
    TooLong,      // the line is longer than the root task's copy of it
};

struct Finding {
    Problem problem { Problem::None };
    std::string_view word;
    const Option* option { nullptr }; // BadValue, MissingValue
    std::string_view counts;          // Repeated: the earlier word that counts
    size_t length { 0 }, kept { 0 };  // TooLong: the line's length and what is kept

    explicit operator bool() const { return problem != Problem::None; }

    static Finding unknown(std::string_view word) { return { Problem::Unknown, word, nullptr, {}, 0, 0 }; }
    static Finding bad_value(std::string_view word, const Option* option)
    {
        return { Problem::BadValue, word, option, {}, 0, 0 };
    }
    static Finding missing_value(std::string_view word, const Option* option)
    {
        return { Problem::MissingValue, word, option, {}, 0, 0 };
    }
    static Finding repeated(std::string_view word, std::string_view counts)
    {
        return { Problem::Repeated, word, nullptr, counts, 0, 0 };
    }
    static Finding too_long(size_t length, size_t kept)
    {
        return { Problem::TooLong, {}, nullptr, {}, length, kept };
    }
};

// The value that counts for `option`: the first "key=value" word's value if
// the option accepts it, else its fallback.
std::string_view value_in_use(std::string_view line, const Option& option);

// What the owner of `options` makes of `word` (one of `line`'s words, its
// key known to be in the owner's namespace).
Finding check_word(std::string_view line, const Word& word, const Option* options, size_t count);

// Longest message describe() writes, NUL included.
inline constexpr size_t message_capacity = 200;
// The report's one line (no newline) into `out`; a word too long for the
// line is cut and marked with "...". Returns the length written.
size_t describe(const Finding&, char (&out)[message_capacity]);

} // namespace ipc::boot_options
