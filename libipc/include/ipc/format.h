#pragma once
// Type-safe "{}" formatting for the kernel log and userspace printf, with no
// heap and no libc. Placeholders: {} (decimal, string, char, bool),
// {:x} (hex with 0x), {:016x} (zero-padded hex), {:8} (width; strings are
// left-aligned, numbers right-aligned). Unknown placeholders print as-is.

#include <cstddef>
#include <cstdint>
#include <ipc/addr.h>
#include <type_traits>

namespace ipc::fmt {

class Sink {
public:
    virtual void write(const char* text, size_t length) = 0;

protected:
    ~Sink() = default;
};

// A sink into a fixed buffer; always NUL-terminated, truncates silently but
// remembers that it did.
class BufferSink final : public Sink {
public:
    BufferSink(char* buffer, size_t capacity) : m_buffer(buffer), m_capacity(capacity)
    {
        if (m_capacity)
            m_buffer[0] = 0;
    }
    void write(const char* text, size_t length) override;
    size_t length() const { return m_length; }
    bool truncated() const { return m_truncated; }

private:
    char* m_buffer;
    size_t m_capacity;
    size_t m_length { 0 };
    bool m_truncated { false };
};

struct Arg {
    enum class Kind : uint8_t { Signed, Unsigned, String, Char, Bool, Pointer } kind;
    union {
        int64_t s;
        uint64_t u;
        const char* str;
        char c;
        bool b;
    };
};

inline Arg make_arg(const char* v)
{
    Arg a { Arg::Kind::String, {} };
    a.str = v ? v : "(null)";
    return a;
}
inline Arg make_arg(char* v) { return make_arg(static_cast<const char*>(v)); }
inline Arg make_arg(char v)
{
    Arg a { Arg::Kind::Char, {} };
    a.c = v;
    return a;
}
inline Arg make_arg(bool v)
{
    Arg a { Arg::Kind::Bool, {} };
    a.b = v;
    return a;
}
inline Arg make_arg(const void* v)
{
    Arg a { Arg::Kind::Pointer, {} };
    a.u = reinterpret_cast<uintptr_t>(v);
    return a;
}
template<typename Tag>
Arg make_arg(Address<Tag> v)
{
    Arg a { Arg::Kind::Pointer, {} };
    a.u = v.get();
    return a;
}
template<typename T>
requires std::is_integral_v<T> || std::is_enum_v<T> Arg make_arg(T v)
{
    Arg a { std::is_signed_v<T> ? Arg::Kind::Signed : Arg::Kind::Unsigned, {} };
    if constexpr (std::is_signed_v<T>)
        a.s = static_cast<int64_t>(v);
    else
        a.u = static_cast<uint64_t>(v);
    return a;
}

void vformat(Sink&, const char* format, const Arg* args, size_t count);

template<typename... Args>
void format(Sink& sink, const char* format_string, const Args&... args)
{
    if constexpr (sizeof...(Args) == 0) {
        vformat(sink, format_string, nullptr, 0);
    } else {
        const Arg packed[] = { make_arg(args)... };
        vformat(sink, format_string, packed, sizeof...(Args));
    }
}

} // namespace ipc::fmt
