#include "parse.h"

namespace shell {

const char* parse_error_message(ParseError error)
{
    switch (error) {
    case ParseError::None: return "no error";
    case ParseError::UnterminatedSingleQuote: return "unterminated ' quote";
    case ParseError::UnterminatedDoubleQuote: return "unterminated \" quote";
    case ParseError::TrailingBackslash: return "backslash at the end of the line";
    case ParseError::MisplacedAmpersand: return "'&' must end the line";
    case ParseError::EmptyBackground: return "nothing to run before '&'";
    case ParseError::TooManyArguments: return "too many arguments";
    case ParseError::TooLong: return "line too long";
    }
    return "unknown error";
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

class Parser {
public:
    Parser(const char* line, size_t length, CommandLine& out) : m_line(line), m_length(length), m_out(out) { }

    ParseError run()
    {
        for (;;) {
            while (m_at < m_length && is_blank(m_line[m_at]))
                ++m_at;
            if (m_at == m_length)
                break;
            if (m_out.background)
                return ParseError::MisplacedAmpersand;
            if (m_out.argc == max_args)
                return ParseError::TooManyArguments;
            if (ParseError e = word(); e != ParseError::None)
                return e;
        }
        if (m_out.background && m_out.argc == 0)
            return ParseError::EmptyBackground;
        return ParseError::None;
    }

private:
    void put(char c) { m_out.storage[m_used++] = c; }

    // One word from m_at; an unquoted `&` ends it and the command.
    ParseError word()
    {
        size_t start = m_used;
        bool started = false; // quotes make a word even when they are empty
        while (m_at < m_length && !is_blank(m_line[m_at])) {
            char c = m_line[m_at];
            if (c == '&') {
                ++m_at;
                m_out.background = true;
                break;
            }
            started = true;
            if (c == '\\') {
                if (m_at + 1 == m_length)
                    return ParseError::TrailingBackslash;
                put(m_line[m_at + 1]);
                m_at += 2;
            } else if (c == '\'') {
                size_t i = m_at + 1;
                while (i < m_length && m_line[i] != '\'')
                    put(m_line[i++]);
                if (i == m_length)
                    return ParseError::UnterminatedSingleQuote;
                m_at = i + 1;
            } else if (c == '"') {
                size_t i = m_at + 1;
                while (i < m_length && m_line[i] != '"') {
                    if (m_line[i] == '\\' && i + 1 < m_length
                        && (m_line[i + 1] == '"' || m_line[i + 1] == '\\'))
                        ++i;
                    put(m_line[i++]);
                }
                if (i == m_length)
                    return ParseError::UnterminatedDoubleQuote;
                m_at = i + 1;
            } else {
                put(c);
                ++m_at;
            }
        }
        if (!started)
            return ParseError::None; // a lone `&`
        put('\0');
        m_out.argv[m_out.argc++] = m_out.storage + start;
        m_out.argv[m_out.argc] = nullptr;
        return ParseError::None;
    }

    const char* m_line;
    size_t m_length;
    CommandLine& m_out;
    size_t m_at { 0 };
    size_t m_used { 0 };
};

} // namespace

ParseError parse_command_line(const char* line, size_t length, CommandLine& out)
{
    out.argc = 0;
    out.background = false;
    out.argv[0] = nullptr;
    // Every word is at most as long as its source text plus its NUL, so
    // storage cannot overflow once the line fits.
    if (length > max_line)
        return ParseError::TooLong;
    ParseError e = Parser(line, length, out).run();
    if (e != ParseError::None) {
        out.argc = 0;
        out.background = false;
        out.argv[0] = nullptr;
    }
    return e;
}

bool parse_decimal(const char* text, uint64_t& out)
{
    if (!text || !*text)
        return false;
    uint64_t value = 0;
    for (const char* c = text; *c; ++c) {
        if (*c < '0' || *c > '9')
            return false;
        uint64_t digit = uint64_t(*c - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    out = value;
    return true;
}

bool parse_address(const char* text, uint64_t& out)
{
    if (!text)
        return false;
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        text += 2;
    if (!*text)
        return false;
    uint64_t value = 0;
    unsigned digits = 0;
    for (const char* c = text; *c; ++c) {
        unsigned d;
        if (*c >= '0' && *c <= '9')
            d = unsigned(*c - '0');
        else if (*c >= 'a' && *c <= 'f')
            d = unsigned(*c - 'a' + 10);
        else if (*c >= 'A' && *c <= 'F')
            d = unsigned(*c - 'A' + 10);
        else
            return false;
        if ((value || d) && ++digits > 16) // leading zeros do not count
            return false;
        value = (value << 4) | d;
    }
    out = value;
    return true;
}

bool same(const char* a, const char* b)
{
    while (*a && *a == *b)
        ++a, ++b;
    return *a == *b;
}

} // namespace shell
