// The fault protocol's messages (ipc/fault.h): each one encodes to the
// layout the kernel ABI documents, decodes back to itself, and refuses what
// is not it (a wrong label, too few or too many words, an attached cap, a
// field outside its type). The kernel, the pager and init all use these
// codecs, so what is tested here is the one definition of the wire.
#include "doctest_ipc_error.h"
#include <doctest/doctest.h>
#include <ipc/fault.h>
#include <ipc/proto/badges.h>
#include <string_view>

namespace {

using ipc::Encoded;
using ipc::Error;
using ipc::MessageInfo;
using ipc::VirtAddr;

// Labels a decoder of another message must refuse.
constexpr uint32_t fault_protocol_labels[] = { 0x1000, 0x1001, 0x2000, 0x2001, 0x2002, 0x3000 };

template<typename Message>
constexpr unsigned min_length_of()
{
    if constexpr (requires { Message::min_length; })
        return Message::min_length;
    else
        return Message::length;
}
template<typename Message>
constexpr unsigned max_length_of()
{
    if constexpr (requires { Message::max_length; })
        return Message::max_length;
    else
        return Message::length;
}

// The words of an encoded message in a receive-sized array (decode is
// given as many words as a receiver could have; the tail is garbage).
template<unsigned N>
void fill_words(const Encoded<N>& encoded, uint64_t (&words)[ipc::max_message_words])
{
    for (unsigned i = 0; i < ipc::max_message_words; ++i)
        words[i] = i < N ? encoded.words[i] : 0xbad0'0000 + i;
}

template<typename Message>
ipc::Result<Message> decode_as(MessageInfo info, const uint64_t (&words)[ipc::max_message_words])
{
    return Message::decode(info, words);
}

// `good` round-trips, and every malformed shape of it is refused.
template<typename Message>
void check_codec(const Message& good, MessageInfo encoded_info,
                 const uint64_t (&words)[ipc::max_message_words])
{
    uint32_t label = uint32_t(Message::label);
    auto decoded = decode_as<Message>(encoded_info, words);
    REQUIRE(decoded.has_value());
    CHECK(decoded.value() == good);

    for (uint32_t other : fault_protocol_labels) {
        if (other == label)
            continue;
        CAPTURE(other);
        auto refused = decode_as<Message>(MessageInfo(other, encoded_info.length()), words);
        REQUIRE(refused.is_error());
        CHECK(refused.error() == Error::InvalidArgument);
    }
    for (uint32_t other : { 0u, label + 0x10000u, uint32_t(ipc::Error::InvalidArgument) }) {
        CAPTURE(other);
        CHECK(decode_as<Message>(MessageInfo(other, encoded_info.length()), words).is_error());
    }
    // Short: every length below the shortest form.
    for (unsigned length = 0; length < min_length_of<Message>(); ++length) {
        CAPTURE(length);
        auto refused = decode_as<Message>(MessageInfo(label, length), words);
        REQUIRE(refused.is_error());
        CHECK(refused.error() == Error::InvalidArgument);
    }
    // Long: one word more, the most a message has, and the most the length field holds.
    for (unsigned length : { max_length_of<Message>() + 1, ipc::max_message_words, 127u }) {
        CAPTURE(length);
        auto refused = decode_as<Message>(MessageInfo(label, length), words);
        REQUIRE(refused.is_error());
        CHECK(refused.error() == Error::InvalidArgument);
    }
    // A capability attached: none of these messages carries one.
    for (unsigned caps = 1; caps <= ipc::max_extra_caps; ++caps) {
        CAPTURE(caps);
        CHECK(decode_as<Message>(MessageInfo(label, encoded_info.length(), caps), words).is_error());
    }
}

template<typename Message>
void check_codec(const Message& good)
{
    auto encoded = good.encode();
    uint64_t words[ipc::max_message_words];
    fill_words(encoded, words);
    check_codec(good, encoded.info, words);
}

// `words` with word `index` replaced: must be refused.
template<typename Message, unsigned N>
void check_refuses_word(const Encoded<N>& encoded, unsigned index, uint64_t value)
{
    uint64_t words[ipc::max_message_words];
    fill_words(encoded, words);
    words[index] = value;
    CAPTURE(index);
    CAPTURE(value);
    auto refused = decode_as<Message>(encoded.info, words);
    REQUIRE(refused.is_error());
    CHECK(refused.error() == Error::InvalidArgument);
}

const ipc::PageFault sample_page_fault { .address = VirtAddr(0xdead'0123),
                                         .ip = VirtAddr(0x40'1000),
                                         .sp = VirtAddr(0x7fff'0000),
                                         .access = ipc::FaultAccess::write | ipc::FaultAccess::user,
                                         .timestamp = 1234 };
const ipc::Exception sample_exception {
    .vector = 13, .ip = VirtAddr(0x40'2000), .sp = VirtAddr(0x7ffe'0000), .error_code = 0x18, .timestamp = 99
};

} // namespace

TEST_CASE("fault protocol: the labels and bits are the ABI's numbers")
{
    CHECK(uint32_t(ipc::FaultLabel::PageFault) == 0x1000);
    CHECK(uint32_t(ipc::FaultLabel::Exception) == 0x1001);
    CHECK(uint32_t(ipc::FaultReply::Map) == 0x2000);
    CHECK(uint32_t(ipc::FaultReply::Kill) == 0x2001);
    CHECK(uint32_t(ipc::FaultReply::MapNew) == 0x2002);
    CHECK(ipc::thread_exit_label == 0x3000);
    CHECK(uint64_t(ipc::ExitCause::Killed) == 1);
    CHECK(uint64_t(ipc::ExitCause::NoFaultHandler) == 2);
    CHECK(uint64_t(ipc::ExitCause::HandlerGone) == 3);
    // The access bits are the x86 page-fault error code's.
    CHECK(ipc::FaultAccess::present == 1);
    CHECK(ipc::FaultAccess::write == 2);
    CHECK(ipc::FaultAccess::user == 4);
    CHECK(ipc::FaultAccess::execute == 16);
    // The replies travel in registers: the fast path reads no IPC buffer.
    CHECK(ipc::MapReply::length <= ipc::register_message_words);
    CHECK(ipc::MapNewReply::length <= ipc::register_message_words);
    CHECK(ipc::KillReply::length <= ipc::register_message_words);
    CHECK(ipc::ThreadExit::length <= ipc::register_message_words);

    for (uint32_t label : fault_protocol_labels)
        CHECK(ipc::is_fault_protocol_label(label));
    CHECK(ipc::is_fault_label(0x1000));
    CHECK(ipc::is_fault_label(0x1001));
    CHECK_FALSE(ipc::is_fault_label(0x2000));
    CHECK_FALSE(ipc::is_fault_label(0x3000));
    CHECK_FALSE(ipc::is_fault_protocol_label(0x200)); // a pager request
    CHECK_FALSE(ipc::is_fault_protocol_label(0));
}

TEST_CASE("PageFault: the words go on the wire in the documented order")
{
    auto encoded = sample_page_fault.encode();
    CHECK(encoded.info.raw() == 0x0000'1000'0000'0005ull);
    CHECK(encoded.words[0] == 0xdead'0123); // address
    CHECK(encoded.words[1] == 0x40'1000);   // ip
    CHECK(encoded.words[2] == 0x7fff'0000); // sp
    CHECK(encoded.words[3] == (2u | 4u));   // access bits
    CHECK(encoded.words[4] == 1234);        // timestamp
    // A receiver without an IPC buffer gets four words and no timestamp.
    auto short_form = sample_page_fault.encode(false);
    CHECK(short_form.info.raw() == 0x0000'1000'0000'0004ull);
    CHECK(short_form.words[4] == 0);
}

TEST_CASE("PageFault: round trip, with and without the timestamp, and malformed input")
{
    check_codec(sample_page_fault);

    ipc::PageFault untimed = sample_page_fault;
    untimed.timestamp = 0;
    auto short_form = sample_page_fault.encode(false);
    uint64_t words[ipc::max_message_words];
    fill_words(short_form, words);
    check_codec(untimed, short_form.info, words);

    // Every access combination the kernel reports decodes.
    for (uint64_t access = 0; access <= ipc::FaultAccess::all; ++access) {
        if (access & ~ipc::FaultAccess::all)
            continue;
        ipc::PageFault fault = sample_page_fault;
        fault.access = access;
        CAPTURE(access);
        check_codec(fault);
    }
    // Bits outside the error code the kernel passes on are not a page fault.
    auto encoded = sample_page_fault.encode();
    for (uint64_t bad : { uint64_t(32), uint64_t(1) << 15, uint64_t(1) << 63, ~uint64_t(0) })
        check_refuses_word<ipc::PageFault>(encoded, 3, bad);
}

TEST_CASE("Exception: round trip and malformed input")
{
    auto encoded = sample_exception.encode();
    CHECK(encoded.info.raw() == 0x0000'1001'0000'0005ull);
    CHECK(encoded.words[0] == 13);
    CHECK(encoded.words[1] == 0x40'2000);
    CHECK(encoded.words[2] == 0x7ffe'0000);
    CHECK(encoded.words[3] == 0x18);
    CHECK(encoded.words[4] == 99);
    CHECK(sample_exception.encode(false).info.raw() == 0x0000'1001'0000'0004ull);
    check_codec(sample_exception);
    for (uint64_t vector : { 0u, 6u, 31u }) {
        ipc::Exception e = sample_exception;
        e.vector = vector;
        check_codec(e);
    }
    // Vectors past the CPU's exceptions (interrupts, the syscall vector) are not faults.
    for (uint64_t bad : { uint64_t(32), uint64_t(0x100), ~uint64_t(0) })
        check_refuses_word<ipc::Exception>(encoded, 0, bad);
}

TEST_CASE("FaultMessage: the tagged fault the kernel keeps encodes as its message and decodes by label")
{
    ipc::FaultMessage page_fault(sample_page_fault);
    CHECK(page_fault.is_page_fault());
    CHECK(page_fault.label() == ipc::FaultLabel::PageFault);
    CHECK(page_fault.address() == 0xdead'0123);
    CHECK(page_fault.ip() == 0x40'1000);
    ipc::FaultMessage exception(sample_exception);
    CHECK_FALSE(exception.is_page_fault());
    CHECK(exception.address() == 0); // an exception has no fault address
    CHECK(exception.ip() == 0x40'2000);

    for (bool timed : { true, false }) {
        CAPTURE(timed);
        for (const ipc::FaultMessage& message : { page_fault, exception }) {
            auto encoded = message.encode(timed);
            uint64_t words[ipc::max_message_words];
            fill_words(encoded, words);
            auto decoded = ipc::FaultMessage::decode(encoded.info, words);
            REQUIRE(decoded.has_value());
            CHECK(decoded.value().label() == message.label());
            if (message.is_page_fault()) {
                ipc::PageFault expected = sample_page_fault;
                expected.timestamp = timed ? expected.timestamp : 0;
                CHECK(decoded.value().page_fault() == expected);
            } else {
                ipc::Exception expected = sample_exception;
                expected.timestamp = timed ? expected.timestamp : 0;
                CHECK(decoded.value().exception() == expected);
            }
        }
    }
    // Anything but the two fault labels is refused, whatever its words.
    uint64_t words[ipc::max_message_words] {};
    for (uint32_t label : { 0x2000u, 0x2001u, 0x2002u, 0x3000u, 0u, 0x200u })
        CHECK(ipc::FaultMessage::decode(MessageInfo(label, 5), words).is_error());
}

TEST_CASE("MapReply: round trip, layout and malformed input")
{
    ipc::MapReply map { .frame = 77, .address = VirtAddr(0x40'3000), .rights = ipc::Rights { 3 } };
    auto encoded = map.encode();
    CHECK(encoded.info.raw() == 0x0000'2000'0000'0003ull);
    CHECK(encoded.words[0] == 77);
    CHECK(encoded.words[1] == 0x40'3000);
    CHECK(encoded.words[2] == 3);
    check_codec(map);
    for (uint8_t rights = 0; rights <= ipc::Rights::all; ++rights) {
        ipc::MapReply m = map;
        m.rights = ipc::Rights { rights };
        check_codec(m);
    }
    // Rights bits beyond the four rights: refused, not truncated to a byte.
    for (uint64_t bad : { uint64_t(16), uint64_t(0x100) | 3, uint64_t(0x103), ~uint64_t(0) })
        check_refuses_word<ipc::MapReply>(encoded, 2, bad);
    // MapNew's four words are not a Map.
    uint64_t words[ipc::max_message_words];
    fill_words(encoded, words);
    CHECK(ipc::MapReply::decode(MessageInfo(0x2000, 4), words).is_error());
}

TEST_CASE("MapNewReply: round trip, layout and malformed input")
{
    ipc::MapNewReply map { .frame_slot = 300,
                           .address = VirtAddr(0x7fff'e000),
                           .rights = ipc::Rights { ipc::Rights::read | ipc::Rights::write },
                           .untyped = 9 };
    auto encoded = map.encode();
    CHECK(encoded.info.raw() == 0x0000'2002'0000'0004ull);
    CHECK(encoded.words[0] == 300);
    CHECK(encoded.words[1] == 0x7fff'e000);
    CHECK(encoded.words[2] == 3);
    CHECK(encoded.words[3] == 9);
    check_codec(map);
    for (uint64_t bad : { uint64_t(16), uint64_t(0x1'0000'0003), ~uint64_t(0) })
        check_refuses_word<ipc::MapNewReply>(encoded, 2, bad);
    // A Map's three words are not a MapNew (the kernel would read a stale fourth register).
    uint64_t words[ipc::max_message_words];
    fill_words(encoded, words);
    auto three = ipc::MapNewReply::decode(MessageInfo(0x2002, 3), words);
    REQUIRE(three.is_error());
    CHECK(three.error() == Error::InvalidArgument);
}

TEST_CASE("KillReply: round trip and malformed input")
{
    for (uint64_t reason : { uint64_t(0), uint64_t(1), uint64_t(0x4b1d), ~uint64_t(0) }) {
        ipc::KillReply kill { .reason = reason };
        auto encoded = kill.encode();
        CHECK(encoded.info.raw() == 0x0000'2001'0000'0001ull);
        CHECK(encoded.words[0] == reason);
        check_codec(kill);
    }
}

TEST_CASE("ThreadExit: round trip, layout and malformed input")
{
    ipc::ThreadExit exit {
        .cause = ipc::ExitCause::NoFaultHandler, .reason = 14, .address = 0x1234, .ip = VirtAddr(0x40'1111)
    };
    auto encoded = exit.encode();
    CHECK(encoded.info.raw() == 0x0000'3000'0000'0004ull);
    CHECK(encoded.words[0] == 2);
    CHECK(encoded.words[1] == 14);
    CHECK(encoded.words[2] == 0x1234);
    CHECK(encoded.words[3] == 0x40'1111);
    for (auto cause :
         { ipc::ExitCause::Killed, ipc::ExitCause::NoFaultHandler, ipc::ExitCause::HandlerGone }) {
        ipc::ThreadExit e = exit;
        e.cause = cause;
        check_codec(e);
    }
    // Causes the kernel does not have.
    for (uint64_t bad : { uint64_t(0), uint64_t(4), ~uint64_t(0) })
        check_refuses_word<ipc::ThreadExit>(encoded, 0, bad);
    CHECK(std::string_view(ipc::exit_cause_name(ipc::ExitCause::HandlerGone))
          == "its fault handler went away");
}

TEST_CASE("fault badge: init's fault endpoint badge says fault and names the pid; a client badge does not")
{
    using ipc::proto::Badge;
    for (uint32_t pid : { 1u, 1000u, 4097u, 0xffff'ffffu }) {
        CAPTURE(pid);
        Badge fault = Badge::fault_of(pid);
        CHECK(fault.is_fault());
        CHECK(fault.pid() == pid);
        CHECK(fault.is_well_formed());
        CHECK_FALSE(Badge::client(pid).is_fault());
        CHECK_FALSE(Badge::client(pid).with_operator().is_fault());
        CHECK(Badge::client(pid).raw() != fault.raw());
    }
    CHECK_FALSE(Badge::control().is_fault());
}

TEST_CASE("fault protocol decoders: stray bits in the info word are refused")
{
    auto map
        = ipc::MapReply { .frame = 1, .address = VirtAddr(0x1000), .rights = ipc::Rights { 1 } }.encode();
    uint64_t words[ipc::max_message_words];
    fill_words(map, words);
    // Bit 7 (above the length) and bits 10-31 (above the caps) are unused.
    for (unsigned bit : { 7u, 10u, 20u, 31u }) {
        CAPTURE(bit);
        auto refused
            = ipc::MapReply::decode(MessageInfo::from_raw(map.info.raw() | (uint64_t(1) << bit)), words);
        REQUIRE(refused.is_error());
        CHECK(refused.error() == Error::InvalidArgument);
    }
}
