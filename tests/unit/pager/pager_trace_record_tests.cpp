// The host channel's trace records (servers/pager/trace_record.h): the exact
// line of each hop (field order, JSON types), full 64-bit values, string
// escaping, and a record that does not fit its buffer being refused whole
// rather than cut short.

#include <cstdint>
#include <doctest/doctest.h>
#include <ipc/proto/pager.h>
#include <pager/trace_record.h>
#include <string>
#include <string_view>

using namespace pager::trace;
using ipc::VirtAddr;

namespace {

constexpr uint64_t max64 = ~uint64_t(0);

FaultHeader header() { return FaultHeader { 12, 3, VirtAddr(0x401008), "read", VirtAddr(0x4000f0) }; }

FaultHeader largest_header()
{
    return FaultHeader { max64, max64, VirtAddr(max64), "write", VirtAddr(max64) };
}

template<typename Record>
std::string line_of(const FaultHeader& h, const Record& r)
{
    JsonLine line;
    return std::string(encode(line, h, r));
}

// The longest kill reason the pager can name.
std::string_view longest_kill_reason()
{
    namespace proto = ipc::proto::pager;
    std::string_view longest;
    for (unsigned r = 0; r < 256; ++r) {
        std::string_view name = proto::kill_reason_name(proto::KillReason(r));
        if (name.size() > longest.size())
            longest = name;
    }
    return longest;
}

} // namespace

TEST_CASE("trace record: each hop's line, fields in their documented order")
{
    CHECK(
        line_of(header(), FaultReceived { 1000, 850, true })
        == R"({"id":12,"pid":3,"hop":"kernel->pager","addr":"0x401008","access":"read","ip":"0x4000f0","tsc":850,"t":1000})"
           "\n");
    CHECK(
        line_of(header(), FaultReceived { 2000, 0, false })
        == R"({"id":12,"pid":3,"hop":"kernel->pager","addr":"0x401008","access":"read","ip":"0x4000f0","tsc":null,"t":2000})"
           "\n");
    CHECK(
        line_of(header(), FsRequest { 2, 1, 3000 })
        == R"({"id":12,"pid":3,"hop":"pager->fs","addr":"0x401008","access":"read","ip":"0x4000f0","decision":"fill","file":2,"page":1,"tsc":null,"t":3000})"
           "\n");
    CHECK(
        line_of(header(), FsReply { 4096, 3010, 5300 })
        == R"({"id":12,"pid":3,"hop":"fs->pager","addr":"0x401008","access":"read","ip":"0x4000f0","reply":"filled","bytes":4096,"tsc":5300,"t":3010})"
           "\n");
    CHECK(
        line_of(header(), MapAnswer { VirtAddr(0x401000), 5, false, 1850, 9100 })
        == R"({"id":12,"pid":3,"hop":"pager->kernel","addr":"0x401008","access":"read","ip":"0x4000f0","decision":"MAP","mapped":"0x401000","rights":"r-x","new":false,"tsc":9100,"t":1850})"
           "\n");
    CHECK(
        line_of(header(), MapAnswer { VirtAddr(0x7ffffffe000), 3, true, 1, 2 })
        == R"({"id":12,"pid":3,"hop":"pager->kernel","addr":"0x401008","access":"read","ip":"0x4000f0","decision":"MAP","mapped":"0x7ffffffe000","rights":"rw-","new":true,"tsc":2,"t":1})"
           "\n");
    CHECK(
        line_of(header(), KillAnswer { "guard page hit", VirtAddr(0x7ffffeffff00), 7, 2100 })
        == R"({"id":12,"pid":3,"hop":"pager->kernel","addr":"0x401008","access":"read","ip":"0x4000f0","decision":"KILL","reason":"guard page hit","at":"0x7ffffeffff00","tsc":2100,"t":7})"
           "\n");
}

TEST_CASE("trace record: numbers and addresses keep all 64 bits")
{
    std::string line = line_of(largest_header(), FsReply { max64, max64, max64 });
    CHECK(
        line
        == R"({"id":18446744073709551615,"pid":18446744073709551615,"hop":"fs->pager","addr":"0xffffffffffffffff","access":"write","ip":"0xffffffffffffffff","reply":"filled","bytes":18446744073709551615,"tsc":18446744073709551615,"t":18446744073709551615})"
           "\n");
    // 2^53 + 1: the first integer a double cannot hold, printed exactly.
    JsonLine a;
    CHECK(a.number("n", (uint64_t(1) << 53) + 1).hex("h", (uint64_t(1) << 53) + 1).finish()
          == "{\"n\":9007199254740993,\"h\":\"0x20000000000001\"}\n");
    JsonLine zero;
    CHECK(zero.number("n", 0).hex("h", 0).hex("h2", 0x10).finish()
          == "{\"n\":0,\"h\":\"0x0\",\"h2\":\"0x10\"}\n");
    JsonLine top_nibble;
    CHECK(top_nibble.hex("h", uint64_t(0x8) << 60).finish() == "{\"h\":\"0x8000000000000000\"}\n");
}

TEST_CASE("trace record: strings are escaped, the line stays ASCII and one line")
{
    JsonLine line;
    std::string_view text
        = line.text("k\"ey", "a\"b\\c\nd\te\x01\x7f\xff/").boolean("b", true).null("z").finish();
    CHECK(text
          == "{\"k\\\"ey\":\"a\\\"b\\\\c\\u000ad\\u0009e\\u0001\\u007f\\u00ff/\",\"b\":true,\"z\":null}\n");
    for (char c : text.substr(0, text.size() - 1)) {
        CHECK(static_cast<unsigned char>(c) >= 0x20);
        CHECK(static_cast<unsigned char>(c) < 0x7f);
    }
    JsonLine empty;
    CHECK(empty.finish() == "{}\n");
}

TEST_CASE("trace record: access names and rights letters")
{
    using pager::FaultInfo;
    CHECK(std::string_view(access_name(FaultInfo { VirtAddr(0), 0, {}, {} })) == "read");
    CHECK(std::string_view(access_name(FaultInfo { VirtAddr(0), ipc::FaultAccess::write, {}, {} }))
          == "write");
    CHECK(std::string_view(access_name(FaultInfo { VirtAddr(0), ipc::FaultAccess::execute, {}, {} }))
          == "exec");
    CHECK(rights_letters(0).view() == "---");
    CHECK(rights_letters(7).view() == "rwx");
    CHECK(rights_letters(2).view() == "-w-");
    CHECK(std::string_view(rights_letters(6).text) == "-wx");
}

TEST_CASE("trace record: the largest record of every hop fits with room to spare")
{
    FaultHeader h = largest_header();
    size_t longest = 0;
    for (const std::string& line :
         { line_of(h, FaultReceived { max64, max64, true }), line_of(h, FsRequest { max64, max64, max64 }),
           line_of(h, FsReply { max64, max64, max64 }),
           line_of(h, MapAnswer { VirtAddr(max64), 7, true, max64, max64 }),
           line_of(h, MapAnswer { VirtAddr(max64), 7, false, max64, max64 }),
           line_of(h, KillAnswer { longest_kill_reason(), VirtAddr(max64), max64, max64 }) }) {
        REQUIRE(!line.empty());
        CHECK(line.back() == '\n');
        CHECK(line.find('\n') == line.size() - 1);
        longest = std::max(longest, line.size());
    }
    CHECK(longest_kill_reason() == "stack pointer outside any stack region");
    CHECK(2 * longest <= JsonLine::capacity);
}

TEST_CASE("trace record: a record longer than the buffer is refused whole, never cut short")
{
    const FaultHeader h = header();
    const size_t bare = line_of(h, KillAnswer { "", VirtAddr(1), 1, 1 }).size();
    REQUIRE(bare < JsonLine::capacity);
    const size_t room = JsonLine::capacity - bare;

    // Exactly full: the whole line, every byte of the buffer.
    std::string exact(room, 'x');
    JsonLine full;
    std::string_view fits = encode(full, h, KillAnswer { exact, VirtAddr(1), 1, 1 });
    CHECK(!full.overflowed());
    CHECK(fits.size() == JsonLine::capacity);
    CHECK(fits.substr(fits.size() - 3) == "1}\n");

    // One byte more: nothing at all.
    std::string one_more(room + 1, 'x');
    JsonLine over;
    CHECK(encode(over, h, KillAnswer { one_more, VirtAddr(1), 1, 1 }).empty());
    CHECK(over.overflowed());

    // An escape that would straddle the end is not half-written either.
    std::string escapes((room + 2) / 2, '"');
    JsonLine straddle;
    CHECK(encode(straddle, h, KillAnswer { escapes, VirtAddr(1), 1, 1 }).empty());
    CHECK(straddle.overflowed());

    // Far too long: refused, the buffer never written past its end.
    std::string huge(10 * JsonLine::capacity, '\x01');
    JsonLine way_over;
    CHECK(encode(way_over, h, KillAnswer { huge, VirtAddr(1), 1, 1 }).empty());
    CHECK(way_over.overflowed());
}

// The encoder runs at compile time too: the pager's lines are fixed by the code, not by the run.
static_assert(
    [] {
        JsonLine line;
        return encode(line, FaultHeader { 1, 2, VirtAddr(0x1000), "exec", VirtAddr(0x1000) },
                      FaultReceived { 5, 6, true })
            .size();
    }()
    == sizeof(
        R"({"id":1,"pid":2,"hop":"kernel->pager","addr":"0x1000","access":"exec","ip":"0x1000","tsc":6,"t":5})"));
