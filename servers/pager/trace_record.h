#pragma once
// The trace records the pager sends to the host: one JSON object per fault
// hop, one object per line (JSON Lines), written to COM2 by trace.cpp next
// to the console's `trace:` lines (docs/tracing.md describes every field).
//
//   {"id":12,"pid":3,"hop":"kernel->pager","addr":"0x401000","access":"read","ip":"0x401000","tsc":850,"t":91230}
//   {"id":12,"pid":3,"hop":"pager->fs","addr":"0x401000","access":"read","ip":"0x401000","decision":"fill","file":2,"page":1,"tsc":null,"t":92100}
//   {"id":12,"pid":3,"hop":"fs->pager","addr":"0x401000","access":"read","ip":"0x401000","reply":"filled","bytes":4096,"tsc":5300,"t":92150}
//   {"id":12,"pid":3,"hop":"pager->kernel","addr":"0x401000","access":"read","ip":"0x401000","decision":"MAP","mapped":"0x401000","rights":"r-x","new":false,"tsc":9100,"t":92080}
//
// Every record repeats the fault's header (id, pid, hop, addr, access, ip)
// so that each line stands alone, then the hop's own fields, then "tsc" (the
// hop's figure, null when the hop has none) and "t" (the absolute rdtsc at
// which the span "tsc" measures began: the hop runs from t to t + tsc).
// Counts are JSON numbers (full 64-bit decimal); addresses are strings
// "0x..." in lowercase hex, because they may exceed 2^53, where a JSON
// reader's doubles stop being exact.
//
// Pure: no syscalls and no allocation, so the host tests (tests/unit/pager)
// check the very lines the pager sends. A record is built whole in a fixed
// buffer and is either complete or refused (finish() gives an empty line),
// never cut short.

#include <cstddef>
#include <cstdint>
#include <ipc/addr.h>
#include <pager/fault_info.h>
#include <string_view>

namespace pager::trace {

// One JSON object on one line, fields in the order they are added.
class JsonLine {
public:
    // At least twice the longest record the pager builds (294 bytes, a KILL
    // with every number at 2^64 - 1; the unit tests check it).
    static constexpr size_t capacity = 640;

    constexpr JsonLine() { put('{'); }

    constexpr JsonLine& number(std::string_view key, uint64_t value)
    {
        begin_field(key);
        char digits[20];
        size_t n = 0;
        do {
            digits[n++] = char('0' + value % 10);
            value /= 10;
        } while (value);
        while (n)
            put(digits[--n]);
        return *this;
    }

    // A "0x..." string: lowercase hex digits, no leading zeros ("0x0" for 0).
    constexpr JsonLine& hex(std::string_view key, uint64_t value)
    {
        begin_field(key);
        put('"');
        put('0');
        put('x');
        int shift = 60;
        while (shift > 0 && ((value >> shift) & 0xf) == 0)
            shift -= 4;
        for (; shift >= 0; shift -= 4)
            put(hex_digit(unsigned(value >> shift) & 0xf));
        put('"');
        return *this;
    }

    constexpr JsonLine& hex(std::string_view key, ipc::VirtAddr address) { return hex(key, address.get()); }

    constexpr JsonLine& text(std::string_view key, std::string_view value)
    {
        begin_field(key);
        put_string(value);
        return *this;
    }

    constexpr JsonLine& boolean(std::string_view key, bool value)
    {
        begin_field(key);
        put_raw(value ? "true" : "false");
        return *this;
    }

    constexpr JsonLine& null(std::string_view key)
    {
        begin_field(key);
        put_raw("null");
        return *this;
    }

    // Closes the object and ends the line with '\n'. Empty when the record
    // did not fit its buffer: it is then not to be sent at all.
    constexpr std::string_view finish()
    {
        put('}');
        put('\n');
        if (m_overflow)
            return {};
        return std::string_view(m_text, m_length);
    }

    constexpr bool overflowed() const { return m_overflow; }

private:
    static constexpr char hex_digit(unsigned v) { return char(v < 10 ? '0' + v : 'a' + (v - 10)); }

    constexpr void put(char c)
    {
        if (m_length == capacity) {
            m_overflow = true;
            return;
        }
        m_text[m_length++] = c;
    }

    constexpr void put_raw(std::string_view s)
    {
        for (char c : s)
            put(c);
    }

    // A JSON string; bytes outside printable ASCII become \u00XX, so a line
    // is always ASCII and valid JSON whatever a name holds.
    constexpr void put_string(std::string_view s)
    {
        put('"');
        for (char c : s) {
            auto byte = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                put('\\');
                put(c);
            } else if (byte < 0x20 || byte >= 0x7f) {
                put_raw("\\u00");
                put(hex_digit(byte >> 4));
                put(hex_digit(byte & 0xf));
            } else {
                put(c);
            }
        }
        put('"');
    }

    constexpr void begin_field(std::string_view key)
    {
        if (m_fields++)
            put(',');
        put_string(key);
        put(':');
    }

    char m_text[capacity] {};
    size_t m_length { 0 };
    unsigned m_fields { 0 };
    bool m_overflow { false };
};

// The four hops of a fault, named as on the console.
enum class Hop : uint8_t { KernelToPager, PagerToFs, FsToPager, PagerToKernel };

constexpr std::string_view hop_name(Hop hop)
{
    switch (hop) {
    case Hop::KernelToPager: return "kernel->pager";
    case Hop::PagerToFs: return "pager->fs";
    case Hop::FsToPager: return "fs->pager";
    case Hop::PagerToKernel: return "pager->kernel";
    }
    return "unknown";
}

// A C string: the console's print takes it as it is.
constexpr const char* access_name(const FaultInfo& f)
{
    return f.is_write() ? "write" : f.is_execute() ? "exec" : "read";
}

// Map rights (bit 0 read, 1 write, 2 execute) as "rwx" letters, '-' for a missing right.
struct RightsLetters {
    char text[4];
    constexpr std::string_view view() const { return std::string_view(text, 3); }
};

constexpr RightsLetters rights_letters(uint8_t rights)
{
    return RightsLetters { { (rights & 1) ? 'r' : '-', (rights & 2) ? 'w' : '-', (rights & 4) ? 'x' : '-',
                             '\0' } };
}

// What every record of one fault repeats.
struct FaultHeader {
    uint64_t id { 0 };
    uint64_t pid { 0 };
    ipc::VirtAddr address;
    std::string_view access;
    ipc::VirtAddr ip;
};

// kernel->pager: the fault message arrived. `t` is the kernel's stamp at
// the exception's entry and `tsc` the time until the pager held the
// message; without a kernel stamp, `t` is the pager's and there is no figure.
struct FaultReceived {
    uint64_t t { 0 };
    uint64_t tsc { 0 };
    bool timed { false };
};

// pager->fs: a FillPage request for page `page` (file offset / 4096) of file `file`, sent at `t`.
struct FsRequest {
    uint64_t file { 0 };
    uint64_t page { 0 };
    uint64_t t { 0 };
};

// fs->pager: the file server put `bytes` file bytes in the page; the round trip began at `t`.
struct FsReply {
    uint64_t bytes { 0 };
    uint64_t t { 0 };
    uint64_t tsc { 0 };
};

// pager->kernel MAP (or MapNew when `new_frame`): the pager began on the fault at `t`.
struct MapAnswer {
    ipc::VirtAddr mapped;
    uint8_t rights { 0 };
    bool new_frame { false };
    uint64_t t { 0 };
    uint64_t tsc { 0 };
};

// pager->kernel KILL for `reason` (the kill reason's name) at address `at`.
struct KillAnswer {
    std::string_view reason;
    ipc::VirtAddr at;
    uint64_t t { 0 };
    uint64_t tsc { 0 };
};

namespace detail {

constexpr JsonLine& header(JsonLine& line, const FaultHeader& h, Hop hop)
{
    return line.number("id", h.id)
        .number("pid", h.pid)
        .text("hop", hop_name(hop))
        .hex("addr", h.address)
        .text("access", h.access)
        .hex("ip", h.ip);
}

} // namespace detail

// Each gives the finished line (ending in '\n'), or an empty view when the
// record did not fit `line` (then line.overflowed()). One record per JsonLine.
constexpr std::string_view encode(JsonLine& line, const FaultHeader& h, const FaultReceived& r)
{
    detail::header(line, h, Hop::KernelToPager);
    if (r.timed)
        line.number("tsc", r.tsc);
    else
        line.null("tsc");
    return line.number("t", r.t).finish();
}

constexpr std::string_view encode(JsonLine& line, const FaultHeader& h, const FsRequest& r)
{
    return detail::header(line, h, Hop::PagerToFs)
        .text("decision", "fill")
        .number("file", r.file)
        .number("page", r.page)
        .null("tsc")
        .number("t", r.t)
        .finish();
}

constexpr std::string_view encode(JsonLine& line, const FaultHeader& h, const FsReply& r)
{
    return detail::header(line, h, Hop::FsToPager)
        .text("reply", "filled")
        .number("bytes", r.bytes)
        .number("tsc", r.tsc)
        .number("t", r.t)
        .finish();
}

constexpr std::string_view encode(JsonLine& line, const FaultHeader& h, const MapAnswer& a)
{
    return detail::header(line, h, Hop::PagerToKernel)
        .text("decision", "MAP")
        .hex("mapped", a.mapped)
        .text("rights", rights_letters(a.rights).view())
        .boolean("new", a.new_frame)
        .number("tsc", a.tsc)
        .number("t", a.t)
        .finish();
}

constexpr std::string_view encode(JsonLine& line, const FaultHeader& h, const KillAnswer& a)
{
    return detail::header(line, h, Hop::PagerToKernel)
        .text("decision", "KILL")
        .text("reason", a.reason)
        .hex("at", a.at)
        .number("tsc", a.tsc)
        .number("t", a.t)
        .finish();
}

} // namespace pager::trace
