#include <ipc/format.h>

namespace ipc::fmt {

void BufferSink::write(const char* text, size_t length)
{
    for (size_t i = 0; i < length; ++i) {
        if (m_length + 1 >= m_capacity) {
            m_truncated = true;
            break;
        }
        m_buffer[m_length++] = text[i];
    }
    if (m_capacity)
        m_buffer[m_length < m_capacity ? m_length : m_capacity - 1] = 0;
}

namespace {

struct Spec {
    bool hex { false };
    bool zero_pad { false };
    unsigned width { 0 };
};

size_t string_length(const char* s)
{
    size_t n = 0;
    while (s[n])
        ++n;
    return n;
}

void pad(Sink& sink, char fill, size_t count)
{
    for (size_t i = 0; i < count; ++i)
        sink.write(&fill, 1);
}

void write_unsigned(Sink& sink, uint64_t value, bool negative, const Spec& spec)
{
    char digits[24];
    size_t n = 0;
    unsigned base = spec.hex ? 16 : 10;
    do {
        digits[n++] = "0123456789abcdef"[value % base];
        value /= base;
    } while (value);

    size_t prefix = (negative ? 1 : 0) + (spec.hex ? 2 : 0);
    size_t used = prefix + n;
    if (!spec.zero_pad && spec.width > used)
        pad(sink, ' ', spec.width - used);
    if (negative)
        sink.write("-", 1);
    if (spec.hex)
        sink.write("0x", 2);
    // Zero padding counts digits only, so {:016x} always shows 16 hex digits.
    if (spec.zero_pad && spec.width > n)
        pad(sink, '0', spec.width - n);
    while (n)
        sink.write(&digits[--n], 1);
}

void write_arg(Sink& sink, const Arg& arg, const Spec& spec)
{
    switch (arg.kind) {
    case Arg::Kind::Signed:
        if (arg.s < 0 && !spec.hex)
            write_unsigned(sink, ~static_cast<uint64_t>(arg.s) + 1, true, spec);
        else
            write_unsigned(sink, static_cast<uint64_t>(arg.s), false, spec);
        return;
    case Arg::Kind::Unsigned: write_unsigned(sink, arg.u, false, spec); return;
    case Arg::Kind::Pointer: {
        Spec hex = spec;
        hex.hex = true;
        write_unsigned(sink, arg.u, false, hex);
        return;
    }
    case Arg::Kind::Bool: {
        const char* text = arg.b ? "true" : "false";
        sink.write(text, string_length(text));
        return;
    }
    case Arg::Kind::Char:
        sink.write(&arg.c, 1);
        if (spec.width > 1)
            pad(sink, ' ', spec.width - 1);
        return;
    case Arg::Kind::String: {
        size_t length = string_length(arg.str);
        sink.write(arg.str, length);
        if (spec.width > length)
            pad(sink, ' ', spec.width - length);
        return;
    }
    }
}

// Parses "{...}" at `p` (pointing at '{'); returns the position after '}' or
// nullptr if this is not a placeholder we understand.
const char* parse_spec(const char* p, Spec& spec)
{
    ++p;
    if (*p == '}')
        return p + 1;
    if (*p != ':')
        return nullptr;
    ++p;
    if (*p == '0') {
        spec.zero_pad = true;
        ++p;
    }
    while (*p >= '0' && *p <= '9')
        spec.width = spec.width * 10 + static_cast<unsigned>(*p++ - '0');
    if (*p == 'x') {
        spec.hex = true;
        ++p;
    }
    return *p == '}' ? p + 1 : nullptr;
}

} // namespace

void vformat(Sink& sink, const char* format, const Arg* args, size_t count)
{
    size_t next = 0;
    const char* run = format;
    const char* p = format;
    while (*p) {
        if (*p != '{') {
            ++p;
            continue;
        }
        Spec spec;
        const char* after = parse_spec(p, spec);
        if (!after || next >= count) {
            ++p;
            continue;
        }
        sink.write(run, static_cast<size_t>(p - run));
        write_arg(sink, args[next++], spec);
        p = run = after;
    }
    sink.write(run, static_cast<size_t>(p - run));
}

} // namespace ipc::fmt
