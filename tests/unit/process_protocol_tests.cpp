// The process-manager protocol (libipc/include/ipc/proto/process.h): every
// request and reply round-trips, and decode refuses the wrong label, short,
// long and malformed messages, and argv that does not fit, with an error.

#include "doctest_ipc_error.h"
#include <cstring>
#include <ipc/proto/process.h>
#include <string>
#include <vector>

using namespace ipc::proto::process;
using ipc::Error;
using ipc::MessageInfo;

namespace {

Message with_info(Message m, uint32_t label, unsigned length)
{
    m.info = MessageInfo(label, length);
    return m;
}

Message raw(uint32_t label, std::initializer_list<uint64_t> words)
{
    Message m;
    unsigned n = 0;
    for (uint64_t w : words)
        m.words[n++] = w;
    m.info = MessageInfo(label, n);
    return m;
}

constexpr uint32_t label_of(Label l) { return uint32_t(l); }

// A Spawn of argv, encoded as a client does.
ipc::Result<Message> spawn_of(const std::vector<std::string>& args)
{
    std::vector<const char*> argv;
    for (const auto& a : args)
        argv.push_back(a.c_str());
    Message m;
    auto encoded = SpawnRequest::encode_argv(argv.data(), argv.size(), m);
    if (encoded.is_error())
        return encoded.error();
    return m;
}

std::vector<std::string> strings_of(const SpawnRequest& r)
{
    std::vector<std::string> out;
    for (size_t at = 0; at < r.length(); at += out.back().size() + 1)
        out.emplace_back(r.block() + at);
    return out;
}

// A Spawn message carrying `block` as its argv bytes, exactly as given.
Message spawn_block(const std::string& block)
{
    Message m;
    m.words[0] = block.size();
    for (size_t i = 0; i < block.size(); ++i)
        m.words[1 + i / 8] |= uint64_t(uint8_t(block[i])) << (8 * (i % 8));
    m.info = MessageInfo(label_of(Label::Spawn), 1 + unsigned((block.size() + 7) / 8));
    return m;
}

} // namespace

TEST_CASE("process protocol: Spawn round-trips argv, empty arguments included")
{
    std::vector<std::string> args { "/bin/hello", "a", "", "three words here", "" };
    auto m = spawn_of(args);
    REQUIRE(!m.is_error());
    CHECK(m.value().info.label() == label_of(Label::Spawn));
    auto decoded = SpawnRequest::decode(m.value());
    REQUIRE(!decoded.is_error());
    CHECK(decoded.value().argc() == 5);
    CHECK(std::string(decoded.value().path()) == "/bin/hello");
    CHECK(strings_of(decoded.value()) == args);
    // The block is NUL-terminated one byte past its end: the pager's ending NUL.
    CHECK(decoded.value().block()[decoded.value().length()] == '\0');
}

TEST_CASE("process protocol: Spawn takes argv up to the limit exactly and refuses one byte more")
{
    // path + NUL = 10 bytes; one argument fills the rest.
    std::string path = "/bin/echo";
    std::string fits(max_spawn_argv_bytes - (path.size() + 1) - 1, 'x');
    auto m = spawn_of({ path, fits });
    REQUIRE(!m.is_error());
    auto decoded = SpawnRequest::decode(m.value());
    REQUIRE(!decoded.is_error());
    CHECK(decoded.value().length() == max_spawn_argv_bytes);
    CHECK(strings_of(decoded.value())[1] == fits);
    CHECK(m.value().info.length() <= ipc::max_message_words);

    CHECK(spawn_of({ path, fits + "x" }).error() == Error::ArgumentListTooLong);
    // The issue's case: a long argument is refused, never cut to fit.
    CHECK(spawn_of({ path, std::string(1000, 'y') }).error() == Error::ArgumentListTooLong);
}

TEST_CASE("process protocol: Spawn refuses more than max_argc strings, never keeps the first 64")
{
    std::vector<std::string> args { "/bin/hello" };
    for (unsigned i = 1; i < max_argc; ++i)
        args.push_back("a");
    auto fits = spawn_of(args);
    REQUIRE(!fits.is_error());
    CHECK(SpawnRequest::decode(fits.value()).value().argc() == max_argc);
    args.push_back("a");
    CHECK(spawn_of(args).error() == Error::ArgumentListTooLong);
    std::vector<std::string> issue { "/bin/hello" };
    for (unsigned i = 1; i < 192; ++i)
        issue.push_back("b");
    CHECK(spawn_of(issue).error() == Error::ArgumentListTooLong);

    // The same arriving as raw words from a client that skipped the check.
    std::string block = "/bin/hello";
    block.push_back('\0');
    for (unsigned i = 1; i <= max_argc; ++i)
        block += std::string("c") + '\0';
    CHECK(SpawnRequest::decode(spawn_block(block)).error() == Error::ArgumentListTooLong);
}

TEST_CASE("process protocol: Spawn without a path is refused")
{
    CHECK(spawn_of({}).error() == Error::InvalidArgument);
    CHECK(spawn_of({ "" }).error() == Error::InvalidArgument);
    CHECK(SpawnRequest::decode(spawn_block(std::string("\0x\0", 3))).error() == Error::InvalidArgument);
    CHECK(SpawnRequest::decode(raw(label_of(Label::Spawn), { 0 })).error() == Error::InvalidArgument);
}

TEST_CASE("process protocol: malformed Spawn messages")
{
    Message good = spawn_block(std::string("/bin/hello\0arg\0", 15));
    REQUIRE(!SpawnRequest::decode(good).is_error());

    SUBCASE("wrong label")
    {
        CHECK(SpawnRequest::decode(with_info(good, 0x301, 3)).error() == Error::InvalidArgument);
    }
    SUBCASE("no words")
    {
        CHECK(SpawnRequest::decode(with_info(good, 0x300, 0)).error() == Error::Truncated);
    }
    SUBCASE("fewer words than the length says")
    {
        CHECK(SpawnRequest::decode(with_info(good, 0x300, 2)).error() == Error::Truncated);
    }
    SUBCASE("more words than the length says")
    {
        CHECK(SpawnRequest::decode(with_info(good, 0x300, 4)).error() == Error::Malformed);
    }
    SUBCASE("a length beyond what a message holds")
    {
        CHECK(SpawnRequest::decode(with_info(good, 0x300, 100)).error() == Error::Malformed);
    }
    SUBCASE("a length word past the limit")
    {
        Message m = good;
        m.words[0] = max_spawn_argv_bytes + 1;
        CHECK(SpawnRequest::decode(m).error() == Error::ArgumentListTooLong);
        m.words[0] = ~uint64_t(0);
        CHECK(SpawnRequest::decode(m).error() == Error::ArgumentListTooLong);
    }
    SUBCASE("the last string not NUL-terminated")
    {
        CHECK(SpawnRequest::decode(spawn_block("/bin/hello")).error() == Error::Malformed);
    }
    SUBCASE("bytes in the padding after the argv")
    {
        Message m = good;
        m.words[2] |= uint64_t(0x41) << 56; // byte 15 of the block area, past its 15 bytes
        CHECK(SpawnRequest::decode(m).error() == Error::Malformed);
    }
}

TEST_CASE("process protocol: a run list block is checked as a Spawn is")
{
    const char block[] = "/bin/hello\0x\0";
    auto r = SpawnRequest::from_block(block, sizeof(block) - 1);
    REQUIRE(!r.is_error());
    CHECK(r.value().argc() == 2);
    CHECK(SpawnRequest::from_block("/bin/hello", 10).error() == Error::Malformed);
    std::string big(max_spawn_argv_bytes + 1, 'z');
    big.back() = '\0';
    CHECK(SpawnRequest::from_block(big.data(), big.size()).error() == Error::ArgumentListTooLong);
}

TEST_CASE("process protocol: Wait and Kill carry one pid word")
{
    auto wait = WaitRequest::decode(WaitRequest { Pid(7) }.encode());
    REQUIRE(!wait.is_error());
    CHECK(wait.value().pid == Pid(7));
    auto kill = KillRequest::decode(KillRequest { Pid(0xffff'ffffu) }.encode());
    REQUIRE(!kill.is_error());
    CHECK(kill.value().pid.value() == 0xffff'ffffu);

    CHECK(WaitRequest::decode(KillRequest { Pid(7) }.encode()).error() == Error::InvalidArgument);
    CHECK(KillRequest::decode(raw(label_of(Label::Kill), {})).error() == Error::Truncated);
    CHECK(KillRequest::decode(raw(label_of(Label::Kill), { 7, 0 })).error() == Error::Malformed);
    // Words that are no pid name no process; never a pid cut to 32 bits.
    CHECK(WaitRequest::decode(raw(label_of(Label::Wait), { 0 })).error() == Error::NotFound);
    CHECK(WaitRequest::decode(raw(label_of(Label::Wait), { (uint64_t(1) << 32) | 7 })).error()
          == Error::NotFound);
    CHECK(Pid::from_word(uint64_t(1) << 32).error() == Error::NotFound);
}

TEST_CASE("process protocol: Wait's reply")
{
    WaitReply sent { ExitKind::Killed, 0x0400'0000'dead'0000ull, 0xdead0000, 4096, 1 };
    auto got = WaitReply::decode(sent.encode());
    REQUIRE(!got.is_error());
    CHECK(got.value().kind == ExitKind::Killed);
    CHECK(got.value().status == sent.status);
    CHECK(got.value().address == sent.address);
    CHECK(got.value().distance == sent.distance);
    CHECK(got.value().cause == sent.cause);

    CHECK(WaitReply::decode(raw(uint32_t(Error::NotPermitted), {})).error() == Error::NotPermitted);
    CHECK(WaitReply::decode(raw(0, { 1, 0, 0, 0 })).error() == Error::Truncated);
    CHECK(WaitReply::decode(raw(0, { 1, 0, 0, 0, 0, 0 })).error() == Error::Malformed);
    CHECK(WaitReply::decode(raw(0, { 3, 0, 0, 0, 0 })).error() == Error::Malformed);
}

TEST_CASE("process protocol: Spawn's reply and the empty reply")
{
    auto pid = SpawnReply::decode(SpawnReply { Pid(42) }.encode());
    REQUIRE(!pid.is_error());
    CHECK(pid.value().pid == Pid(42));
    CHECK(SpawnReply::decode(raw(0, { 0 })).error() == Error::Malformed);
    CHECK(SpawnReply::decode(raw(0, { uint64_t(1) << 32 })).error() == Error::Malformed);
    CHECK(SpawnReply::decode(raw(uint32_t(Error::TooManyChildren), {})).error() == Error::TooManyChildren);
    CHECK(SpawnReply::decode(raw(0, {})).error() == Error::Truncated);

    CHECK(!EmptyReply::decode(EmptyReply {}.encode()).is_error());
    CHECK(EmptyReply::decode(raw(0, { 1 })).error() == Error::Malformed);
    CHECK(EmptyReply::decode(raw(uint32_t(Error::NotFound), {})).error() == Error::NotFound);
}

TEST_CASE("process protocol: List and its reply")
{
    auto request = ListRequest::decode(ListRequest { 5 }.encode());
    REQUIRE(!request.is_error());
    CHECK(request.value().index == 5);
    CHECK(ListRequest::decode(raw(label_of(Label::List), {})).error() == Error::Truncated);

    auto program = ListReply::decode(ListReply(Pid(3), EntryKind::Program, "shell").encode());
    REQUIRE(!program.is_error());
    CHECK(program.value().pid() == Pid(3));
    CHECK(program.value().kind() == EntryKind::Program);
    CHECK(std::string(program.value().name()) == "shell");

    auto server = ListReply::decode(ListReply(Pid::none(), EntryKind::Server, "pager").encode());
    REQUIRE(!server.is_error());
    CHECK(server.value().pid().is_none());
    CHECK(server.value().kind() == EntryKind::Server);

    // A long name is cut for display, to max_name_bytes.
    std::string longer(50, 'n');
    auto cut = ListReply::decode(ListReply(Pid(9), EntryKind::Program, longer.c_str()).encode());
    REQUIRE(!cut.is_error());
    CHECK(std::string(cut.value().name()) == longer.substr(0, max_name_bytes));

    SUBCASE("malformed")
    {
        Message good = ListReply(Pid(3), EntryKind::Program, "shell").encode();
        CHECK(ListReply::decode(with_info(good, 0, 2)).error() == Error::Truncated);
        CHECK(ListReply::decode(with_info(good, 0, 5)).error() == Error::Malformed);
        Message m = good;
        m.words[0] = 0; // a program without a pid
        CHECK(ListReply::decode(m).error() == Error::Malformed);
        m = ListReply(Pid::none(), EntryKind::Server, "fs").encode();
        m.words[0] = 1000; // a server with one
        CHECK(ListReply::decode(m).error() == Error::Malformed);
        m = good;
        m.words[1] = 7; // no such kind
        CHECK(ListReply::decode(m).error() == Error::Malformed);
        m = good;
        m.words[2] = max_name_bytes + 1;
        CHECK(ListReply::decode(m).error() == Error::Malformed);
        m = good;
        m.words[3] &= ~uint64_t(0xff); // a NUL inside the name
        CHECK(ListReply::decode(m).error() == Error::Malformed);
        CHECK(ListReply::decode(raw(uint32_t(Error::NotFound), {})).error() == Error::NotFound);
    }
}

TEST_CASE("process protocol: Exit, PowerOff and Reboot")
{
    auto exit = ExitRequest::decode(ExitRequest { -3 }.encode());
    REQUIRE(!exit.is_error());
    CHECK(exit.value().status == -3);
    CHECK(ExitRequest::decode(raw(label_of(Label::Exit), {})).error() == Error::Truncated);

    CHECK(!PowerOffRequest::decode(PowerOffRequest {}.encode()).is_error());
    CHECK(!RebootRequest::decode(RebootRequest {}.encode()).is_error());
    CHECK(PowerOffRequest::decode(RebootRequest {}.encode()).error() == Error::InvalidArgument);
    CHECK(RebootRequest::decode(raw(label_of(Label::Reboot), { 1 })).error() == Error::Malformed);
}

TEST_CASE("process protocol: the limits fit the messages that carry them")
{
    // A full Spawn fits one message, and the block plus the pager's ending
    // NUL fits NewClient's argv words.
    CHECK(1 + (max_spawn_argv_bytes + 7) / 8 <= ipc::max_message_words);
    CHECK(max_spawn_argv_bytes + 1 <= new_client_argv_words * 8);
    CHECK(3 + (max_name_bytes + 7) / 8 <= ipc::max_message_words);
}
