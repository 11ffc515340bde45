// The pager protocol's typed messages (<ipc/proto/pager.h>): every request
// and reply round-trips through encode() and decode(), and decode() refuses
// a wrong label, a short or long message, a cap where none belongs and each
// malformed field. The start arguments are here too.

#include "doctest_ipc_error.h"
#include <cstring>
#include <ipc/proto/pager.h>
#include <string>
#include <string_view>

namespace proto = ipc::proto::pager;
using ipc::Error;
using proto::Label;
using proto::Message;
using proto::MessageView;

namespace {

template<typename T>
Message encoded(const T& value)
{
    Message m;
    value.encode(m);
    return m;
}

template<typename T>
ipc::Result<T> round_trip(const T& value)
{
    Message m = encoded(value);
    return T::decode(MessageView::of(m));
}

// `m` with its length changed by `delta` words (the extra word is 0).
Message resized(Message m, int delta)
{
    if (delta > 0)
        for (int i = 0; i < delta; ++i)
            m.words[m.length + unsigned(i)] = 0;
    m.length = unsigned(int(m.length) + delta);
    return m;
}

// The decoding refusals every fixed-length request shares.
template<typename T>
void check_request_refusals(const T& value)
{
    Message good = encoded(value);
    REQUIRE(T::decode(MessageView::of(good)).has_value());
    Message wrong_label = good;
    wrong_label.label ^= 1;
    CHECK(T::decode(MessageView::of(wrong_label)).error() == Error::InvalidArgument);
    Message with_cap = good;
    with_cap.caps = 1;
    CHECK(T::decode(MessageView::of(with_cap)).error() == Error::InvalidArgument);
    Message longer = resized(good, 1);
    CHECK(T::decode(MessageView::of(longer)).error() == Error::Malformed);
    if (good.length > 0) {
        Message shorter = resized(good, -1);
        CHECK(T::decode(MessageView::of(shorter)).error() == Error::Malformed);
    }
}

// ... and every fixed-length reply: an error label comes back as the error.
template<typename T>
void check_reply_refusals(const T& value)
{
    Message good = encoded(value);
    CHECK(good.label == uint32_t(Error::None));
    REQUIRE(T::decode(MessageView::of(good)).has_value());
    Message refused = good;
    refused.label = uint32_t(Error::NotPermitted);
    CHECK(T::decode(MessageView::of(refused)).error() == Error::NotPermitted);
    Message longer = resized(good, 1);
    CHECK(T::decode(MessageView::of(longer)).error() == Error::Malformed);
    if (good.length > 0) {
        Message shorter = resized(good, -1);
        CHECK(T::decode(MessageView::of(shorter)).error() == Error::Malformed);
    }
}

} // namespace

TEST_CASE("pager protocol: labels are the wire values")
{
    CHECK(uint32_t(Label::NewClient) == 0x200);
    CHECK(uint32_t(Label::Mmap) == 0x210);
    CHECK(uint32_t(Label::Query) == 0x214);
    CHECK(uint32_t(Label::Stats) == 0x215);
    CHECK(uint32_t(Label::Why) == 0x220);
    CHECK(uint32_t(Label::Trace) == 0x223);
    CHECK(proto::control_badge == ipc::proto::Badge::control_bit);
}

TEST_CASE("pager protocol: NewClient round-trips and refuses what does not fit")
{
    proto::NewClientRequest r;
    r.pid = 4097;
    r.file = 12;
    r.file_size = 9000;
    const char argv[] = "/bin/hello\0world\0";
    std::memcpy(r.argv, argv, sizeof(argv) - 1);
    r.argv_length = sizeof(argv) - 1;
    Message m = encoded(r);
    CHECK(m.label == uint32_t(Label::NewClient));
    CHECK(m.caps == 1);
    CHECK(m.length == 4 + 3); // 17 bytes of argv in 3 words
    CHECK(m.words[0] == 4097);
    CHECK(m.words[3] == 17);
    auto back = proto::NewClientRequest::decode(MessageView::of(m));
    REQUIRE(back.has_value());
    CHECK(back.value().pid == 4097);
    CHECK(back.value().file == 12);
    CHECK(back.value().file_size == 9000);
    CHECK(std::string_view(back.value().argv, back.value().argv_length) == std::string_view(argv, 17));

    // The VSpace cap must come with it.
    Message no_cap = m;
    no_cap.caps = 0;
    CHECK(proto::NewClientRequest::decode(MessageView::of(no_cap)).error() == Error::InvalidArgument);
    Message bad = m;
    bad.words[0] = 0; // pid 0 is nobody
    CHECK(proto::NewClientRequest::decode(MessageView::of(bad)).error() == Error::OutOfRange);
    bad = m;
    bad.words[0] = uint64_t(1) << 32; // not a 32-bit identity
    CHECK(proto::NewClientRequest::decode(MessageView::of(bad)).error() == Error::OutOfRange);
    bad = m;
    bad.words[1] = proto::max_file_id + 1;
    CHECK(proto::NewClientRequest::decode(MessageView::of(bad)).error() == Error::OutOfRange);
    bad = m;
    bad.words[3] = proto::NewClientRequest::max_argv + 1;
    CHECK(proto::NewClientRequest::decode(MessageView::of(bad)).error() == Error::OutOfRange);
    bad = m;
    bad.words[3] = 25; // says 4 words of argv, 3 came
    CHECK(proto::NewClientRequest::decode(MessageView::of(bad)).error() == Error::Malformed);
    CHECK(proto::NewClientRequest::decode(MessageView::of(resized(m, 1))).error() == Error::Malformed);
    CHECK(proto::NewClientRequest::decode(MessageView::of(resized(m, -5))).error() == Error::Malformed);
    bad = m;
    bad.words[6] |= uint64_t(0x41) << 56; // a byte in the padding after the 17
    CHECK(proto::NewClientRequest::decode(MessageView::of(bad)).error() == Error::Malformed);
    bad = m;
    bad.words[3] = 16; // the last string has no NUL
    bad.length = 4 + 2;
    CHECK(proto::NewClientRequest::decode(MessageView::of(bad)).error() == Error::Malformed);

    proto::NewClientRequest empty;
    empty.pid = 1;
    auto no_args = round_trip(empty);
    REQUIRE(no_args.has_value());
    CHECK(no_args.value().argv_length == 0);

    auto reply = round_trip(proto::NewClientReply { 0x401000, 0x7fff'feff'ffd0, 2, 0x7fff'feff'ffe0 });
    REQUIRE(reply.has_value());
    CHECK(reply.value().entry == 0x401000);
    CHECK(reply.value().argc == 2);
    check_reply_refusals(proto::NewClientReply { 1, 2, 3, 4 });

    auto refusal = round_trip(proto::NewClientRefusal { Error::Malformed, 16 });
    REQUIRE(refusal.has_value());
    CHECK(refusal.value().error == Error::Malformed);
    CHECK(refusal.value().detail == 16);
    Message ok = encoded(proto::NewClientReply { 1, 2, 3, 4 });
    CHECK(proto::NewClientRefusal::decode(MessageView::of(ok)).error() == Error::InvalidArgument);
}

TEST_CASE("pager protocol: EndClient, KillInfo and their replies")
{
    auto end = round_trip(proto::EndClientRequest { 7 });
    REQUIRE(end.has_value());
    CHECK(end.value().pid == 7);
    check_request_refusals(proto::EndClientRequest { 7 });
    check_request_refusals(proto::KillInfoRequest { 9 });
    Message wide = encoded(proto::KillInfoRequest { 9 });
    wide.words[0] = ~uint64_t(0);
    CHECK(proto::KillInfoRequest::decode(MessageView::of(wide)).error() == Error::OutOfRange);
    // An EndClient is not a KillInfo.
    Message other = encoded(proto::EndClientRequest { 7 });
    CHECK(proto::KillInfoRequest::decode(MessageView::of(other)).error() == Error::InvalidArgument);

    proto::KillInfoReply info { proto::KillReason::GuardHit, 0x7fff'fe7f'ff00, 256, 0x401234 };
    auto back = round_trip(info);
    REQUIRE(back.has_value());
    CHECK(back.value().reason == proto::KillReason::GuardHit);
    CHECK(back.value().distance == 256);
    CHECK(back.value().ip == 0x401234);
    check_reply_refusals(info);
    Message unknown = encoded(info);
    unknown.words[0] = proto::last_kill_reason + 1;
    CHECK(proto::KillInfoReply::decode(MessageView::of(unknown)).error() == Error::Malformed);
    unknown.words[0] = 0;
    CHECK(proto::KillInfoReply::decode(MessageView::of(unknown)).error() == Error::Malformed);

    check_reply_refusals(proto::EmptyReply {});
}

TEST_CASE("pager protocol: Mmap checks its bits and its file id")
{
    proto::MmapRequest r { 0x1000'0000, 8192, proto::Prot::read, proto::MapFlags::priv, 3, 4096 };
    auto back = round_trip(r);
    REQUIRE(back.has_value());
    CHECK(back.value().hint == 0x1000'0000);
    CHECK(back.value().length == 8192);
    CHECK(back.value().file == 3);
    CHECK(back.value().offset == 4096);
    check_request_refusals(r);

    Message m = encoded(r);
    Message bad = m;
    bad.words[2] = 8; // no such Prot bit
    CHECK(proto::MmapRequest::decode(MessageView::of(bad)).error() == Error::InvalidArgument);
    bad = m;
    bad.words[3] = 32; // no such MapFlags bit
    CHECK(proto::MmapRequest::decode(MessageView::of(bad)).error() == Error::InvalidArgument);
    // File ids past 32 bits were cut and aliased real files: refused now.
    bad = m;
    bad.words[4] = (uint64_t(1) << 32) + 3;
    CHECK(proto::MmapRequest::decode(MessageView::of(bad)).error() == Error::OutOfRange);
    bad.words[4] = proto::max_file_id + 1;
    CHECK(proto::MmapRequest::decode(MessageView::of(bad)).error() == Error::OutOfRange);
    bad.words[4] = proto::max_file_id;
    CHECK(proto::MmapRequest::decode(MessageView::of(bad)).has_value());
    // Anonymous: the file word means nothing (libc sends -1).
    proto::MmapRequest anon {
        0, 4096, proto::Prot::read | proto::Prot::write, proto::MapFlags::anonymous, ~uint64_t(0), 0
    };
    auto anon_back = round_trip(anon);
    REQUIRE(anon_back.has_value());
    CHECK(anon_back.value().anonymous());
    CHECK(anon_back.value().file == 0);

    auto address = round_trip(proto::AddressReply { 0x6fff'ffff'e000 });
    REQUIRE(address.has_value());
    CHECK(address.value().address == 0x6fff'ffff'e000);
    check_reply_refusals(proto::AddressReply { 1 });
}

TEST_CASE("pager protocol: Munmap, Mprotect and Brk")
{
    check_request_refusals(proto::MunmapRequest { 0x1000, 4096 });
    auto unmap = round_trip(proto::MunmapRequest { 0x2000, 8192 });
    REQUIRE(unmap.has_value());
    CHECK(unmap.value().address == 0x2000);
    CHECK(unmap.value().length == 8192);

    check_request_refusals(proto::MprotectRequest { 0x1000, 4096, proto::Prot::read });
    Message bad = encoded(proto::MprotectRequest { 0x1000, 4096, proto::Prot::read });
    bad.words[2] = 0x100;
    CHECK(proto::MprotectRequest::decode(MessageView::of(bad)).error() == Error::InvalidArgument);

    check_request_refusals(proto::BrkRequest { 0 });
    auto asked = round_trip(proto::BrkRequest { 0 });
    REQUIRE(asked.has_value());
    CHECK(asked.value().new_break == 0);
}

TEST_CASE("pager protocol: one Query row for everyone")
{
    check_request_refusals(proto::QueryRequest { 3, 2 });
    Message wide = encoded(proto::QueryRequest { 3, 2 });
    wide.words[0] = uint64_t(1) << 40;
    CHECK(proto::QueryRequest::decode(MessageView::of(wide)).error() == Error::OutOfRange);

    proto::RegionRow row {
        0x400000, 0x402000, proto::RegionType::Text, proto::Prot::read | proto::Prot::exec, 1, 0, 15
    };
    Message m = encoded(row);
    CHECK(m.length == 7);
    CHECK(m.words[2] == uint64_t(proto::RegionType::Text));
    CHECK(m.words[6] == 15);
    auto back = round_trip(row);
    REQUIRE(back.has_value());
    CHECK(back.value().type == proto::RegionType::Text);
    CHECK(back.value().pages() == 2);
    CHECK(back.value().is_file());
    CHECK(back.value().contains(0x401fff));
    CHECK_FALSE(back.value().contains(0x402000));
    check_reply_refusals(row);

    proto::RegionRow anon {
        0x1000, 0x2000, proto::RegionType::Heap, proto::Prot::read, 0, 0, proto::no_file
    };
    auto anon_back = round_trip(anon);
    REQUIRE(anon_back.has_value());
    CHECK_FALSE(anon_back.value().is_file());

    Message bad = m;
    bad.words[2] = proto::last_region_type + 1;
    CHECK(proto::RegionRow::decode(MessageView::of(bad)).error() == Error::Malformed);
    bad = m;
    bad.words[1] = bad.words[0]; // empty
    CHECK(proto::RegionRow::decode(MessageView::of(bad)).error() == Error::Malformed);
    bad = m;
    bad.words[3] = 8;
    CHECK(proto::RegionRow::decode(MessageView::of(bad)).error() == Error::Malformed);
}

TEST_CASE("pager protocol: Stats keeps every counter in its place")
{
    check_request_refusals(proto::StatsRequest {});
    proto::StatsReply s;
    s.faults = 1;
    for (unsigned i = 0; i < proto::region_type_count; ++i)
        s.populated_by_type[i] = 100 + i;
    s.guard_hits = 2;
    s.protection_violations = 3;
    s.invalid_addresses = 4;
    s.out_of_memory_kills = 5;
    s.bad_stack_pointer_kills = 6;
    s.fault_loop_kills = 7;
    s.file_fills = 8;
    s.copy_on_write = 9;
    s.cache_pages = 10;
    s.frames_retyped = 11;
    s.frames_recycled = 12;
    s.untyped_bytes_left = 13;
    s.neighbours_populated = 14;
    s.cache_evictions = 15;
    Message m = encoded(s);
    CHECK(m.length == proto::StatsReply::words);
    CHECK(m.words[0] == 1);
    CHECK(m.words[1 + unsigned(proto::RegionType::RoData)] == 108);
    CHECK(m.words[m.length - 1] == 15);
    auto back = round_trip(s);
    REQUIRE(back.has_value());
    const proto::StatsReply& b = back.value();
    CHECK(b.populated_by_type[unsigned(proto::RegionType::Text)] == 100);
    CHECK(b.guard_hits == 2);
    CHECK(b.fault_loop_kills == 7);
    CHECK(b.file_fills == 8);
    CHECK(b.cache_pages == 10);
    CHECK(b.untyped_bytes_left == 13);
    CHECK(b.neighbours_populated == 14);
    CHECK(b.cache_evictions == 15);
    check_reply_refusals(s);
}

TEST_CASE("pager protocol: Why carries three decisions and three reasons")
{
    check_request_refusals(proto::WhyRequest { 0, 0x400000 });

    proto::WhyReply w;
    w.region_index = 2;
    w.start = 0x400000;
    w.end = 0x402000;
    w.type = proto::RegionType::Text;
    w.prot = proto::Prot::read | proto::Prot::exec;
    w.decisions[0] = proto::FaultDecision::MapFromFile;
    w.decisions[1] = proto::FaultDecision::ProtectionViolation;
    w.decisions[2] = proto::FaultDecision::MapFromFile;
    CHECK(w.reasons[0].assign("first touch of a file-backed page"));
    CHECK(w.reasons[1].assign("write to a read-only region"));
    CHECK(w.reasons[2].assign(""));
    auto back = round_trip(w);
    REQUIRE(back.has_value());
    CHECK(back.value().has_region());
    CHECK(back.value().type == proto::RegionType::Text);
    CHECK(back.value().decisions[1] == proto::FaultDecision::ProtectionViolation);
    CHECK(back.value().reasons[0].view() == "first touch of a file-backed page");
    CHECK(back.value().reasons[1].view() == "write to a read-only region");
    CHECK(back.value().reasons[2].view() == "");

    proto::WhyReply none;
    none.decisions[0] = proto::FaultDecision::InvalidAddress;
    auto none_back = round_trip(none);
    REQUIRE(none_back.has_value());
    CHECK_FALSE(none_back.value().has_region());
    CHECK(none_back.value().decisions[0] == proto::FaultDecision::InvalidAddress);

    Message m = encoded(w);
    Message bad = m;
    bad.words[5] = proto::last_fault_decision + 1;
    CHECK(proto::WhyReply::decode(MessageView::of(bad)).error() == Error::Malformed);
    bad = m;
    bad.words[3] = 200; // a region of no type
    CHECK(proto::WhyReply::decode(MessageView::of(bad)).error() == Error::Malformed);
    bad = m;
    bad.words[8] -= 1; // the last reason loses its NUL
    bad.length = 9 + unsigned((bad.words[8] + 7) / 8);
    CHECK(proto::WhyReply::decode(MessageView::of(bad)).error() == Error::Malformed);
    CHECK(proto::WhyReply::decode(MessageView::of(resized(m, 1))).error() == Error::Malformed);
    CHECK(proto::WhyReply::decode(MessageView::of(resized(m, -1))).error() == Error::Malformed);
    bad = m;
    bad.length = 8; // no reasons length at all
    CHECK(proto::WhyReply::decode(MessageView::of(bad)).error() == Error::Malformed);
    bad = m;
    bad.words[8] = 1000;
    CHECK(proto::WhyReply::decode(MessageView::of(bad)).error() == Error::OutOfRange);
    bad = m;
    bad.label = uint32_t(Error::NotFound);
    CHECK(proto::WhyReply::decode(MessageView::of(bad)).error() == Error::NotFound);
}

TEST_CASE("pager protocol: Policy, Policies and Trace")
{
    proto::PolicyRequest get;
    Message m = encoded(get);
    CHECK(m.length == 1);
    CHECK(m.words[0] == 0);
    auto got = proto::PolicyRequest::decode(MessageView::of(m));
    REQUIRE(got.has_value());
    CHECK_FALSE(got.value().is_set());

    proto::PolicyRequest set;
    REQUIRE(set.name.assign("around=16"));
    auto set_back = round_trip(set);
    REQUIRE(set_back.has_value());
    CHECK(set_back.value().is_set());
    CHECK(set_back.value().name.view() == "around=16");

    Message bad = encoded(set);
    bad.words[0] = 40; // longer than any policy name
    CHECK(proto::PolicyRequest::decode(MessageView::of(bad)).error() == Error::OutOfRange);
    bad = encoded(set);
    bad.words[0] = 17; // three words needed, two came
    CHECK(proto::PolicyRequest::decode(MessageView::of(bad)).error() == Error::Malformed);
    bad = encoded(set);
    bad.words[1] &= ~uint64_t(0xff); // a NUL inside the name
    CHECK(proto::PolicyRequest::decode(MessageView::of(bad)).error() == Error::Malformed);
    bad = encoded(set);
    bad.length = 0;
    CHECK(proto::PolicyRequest::decode(MessageView::of(bad)).error() == Error::Malformed);
    bad = encoded(set);
    bad.label = uint32_t(Label::Policies);
    CHECK(proto::PolicyRequest::decode(MessageView::of(bad)).error() == Error::InvalidArgument);
    proto::PolicyRequest too_long;
    CHECK_FALSE(too_long.name.assign(std::string(proto::max_policy_name + 1, 'x')));
    CHECK(too_long.name.length == 0);

    check_request_refusals(proto::PoliciesRequest { 1 });
    proto::PolicyReply name;
    REQUIRE(name.name.assign("lazy"));
    auto name_back = round_trip(name);
    REQUIRE(name_back.has_value());
    CHECK(name_back.value().name.view() == "lazy");
    Message refused = encoded(name);
    refused.label = uint32_t(Error::NotPermitted);
    CHECK(proto::PolicyReply::decode(MessageView::of(refused)).error() == Error::NotPermitted);

    check_request_refusals(proto::TraceRequest { 5, true });
    auto trace = round_trip(proto::TraceRequest { 0, true });
    REQUIRE(trace.has_value());
    CHECK(trace.value().pid == 0);
    CHECK(trace.value().on);
    Message two = encoded(proto::TraceRequest { 5, true });
    two.words[1] = 2; // neither on nor off
    CHECK(proto::TraceRequest::decode(MessageView::of(two)).error() == Error::InvalidArgument);
}

TEST_CASE("pager start arguments: the word init sends and the pager reads")
{
    using proto::BootPolicy;
    using proto::StartArguments;
    StartArguments a {
        .log_decisions = true, .policy = BootPolicy::Around, .around_pages = 16, .pool_frames = 64
    };
    uint64_t word = a.encode();
    CHECK(word == (1 | (2 << 8) | (uint64_t(16) << 16) | (uint64_t(64) << 32)));
    auto back = StartArguments::decode(word);
    REQUIRE(back.has_value());
    CHECK(back.value() == a);
    CHECK(StartArguments::decode(0).value() == StartArguments {});
    CHECK(StartArguments::decode(StartArguments { .policy = BootPolicy::Eager }.encode()).value().policy
          == BootPolicy::Eager);

    CHECK(StartArguments::decode(uint64_t(1) << 50).error() == Error::InvalidArgument); // past the pool
    CHECK(StartArguments::decode(2).error() == Error::InvalidArgument);                 // bits 1-7
    CHECK(StartArguments::decode(3 << 8).error() == Error::InvalidArgument);            // no policy 3
    CHECK(StartArguments::decode(2 << 8).error() == Error::InvalidArgument);            // around without N
    CHECK(StartArguments::decode((2 << 8) | (uint64_t(513) << 16)).error() == Error::InvalidArgument);
    CHECK(StartArguments::decode((1 << 8) | (uint64_t(4) << 16)).error()
          == Error::InvalidArgument); // N, eager
    CHECK(StartArguments::decode((2 << 8) | (uint64_t(512) << 16)).has_value());
}

TEST_CASE("pager protocol: NotPermitted has its name")
{
    CHECK(std::string(ipc::error_name(Error::NotPermitted)) == "not permitted");
    CHECK(uint32_t(Error::NotPermitted) == 18);
}
