#pragma once
// The process manager protocol (init): every request and reply is a struct
// here with encode() and decode(); nothing else reads or writes the words.
// docs/protocols.md shows the same layout as a table.
//
//   Spawn     w0 = argv length, w1.. = argv block   -> w0 = pid
//   Wait      w0 = pid (a child of the caller)      -> when it ends: w0 = ExitKind, w1 = status or
//                                                      the pager's kill word, w2 = fault address,
//                                                      w3 = distance (guard hits), w4 = ipc::ExitCause
//   Kill      w0 = pid (a child of the caller)      -> (nothing)
//   List      w0 = index                            -> w0 = pid (0 for a server), w1 = EntryKind,
//                                                      w2 = name length, w3.. = name;
//                                                      NotFound past the end
//   Exit      w0 = status                           (no reply: the caller is gone)
//   PowerOff                                        ends the run (operator right)
//   Reboot                                          resets the machine (operator right)
//
// Who may ask what is the caller's badge (<ipc/proto/badges.h>): its pid is
// the identity Spawn makes a parent of, and Wait and Kill need to be the
// target's parent; PowerOff and Reboot need the operator bit; an operator
// may also Kill any program (the console's Ctrl-C, the shell's `kill`).
//
// Errors travel in the reply's label. decode() refuses a message with the
// wrong label (InvalidArgument), too few words (Truncated), too many
// (Malformed), or a bad field (Malformed, InvalidArgument, NotFound for a
// word that is no pid, ArgumentListTooLong for argv); a reply whose label is
// an error decodes to that error.

#include <cstddef>
#include <cstdint>
#include <ipc/error.h>
#include <ipc/message.h>
#include <ipc/result.h>

namespace ipc::proto::process {

enum class Label : uint32_t {
    Spawn = 0x300,
    Wait = 0x301,
    Kill = 0x302,
    List = 0x303,
    Exit = 0x304,
    PowerOff = 0x305,
    Reboot = 0x306,
};

enum class ExitKind : uint64_t { Exited = 1, Killed = 2 };
enum class EntryKind : uint64_t { Program = 0, Server = 1 };

// The argv block of a Spawn is argv's strings one after the other, each
// ending in NUL: "path\0arg1\0...\0". The pager gets the block with one NUL
// more (an empty string ends the list) in NewClient's words 4..63, so the
// block is at most 60 * 8 - 1 bytes and the pager's initial stack page takes
// at most max_argc pointers. Longer or more is ArgumentListTooLong, at the
// call: nothing is ever cut.
inline constexpr unsigned new_client_argv_words = max_message_words - 4;
inline constexpr unsigned max_argv_bytes = new_client_argv_words * 8; // the pager's NewClient capacity
inline constexpr unsigned max_spawn_argv_bytes = max_argv_bytes - 1;
inline constexpr unsigned max_argc = 64;
// A List entry's name (the last component of the program's path, cut to this).
inline constexpr unsigned max_name_bytes = 31;
// init's program table: at most max_programs programs at once (Spawn beyond
// is TableFull), and a parent at most max_children of them, running or
// ended and not yet waited for (Spawn beyond is TooManyChildren).
inline constexpr unsigned max_programs = 32;
inline constexpr unsigned max_children = 20; // the shell's 16 jobs and a foreground one fit

// A pid: a program's identity, from 1 to 2^32 - 1. Servers and init have
// none (Pid::none()): they are not in the pid space.
class Pid {
public:
    constexpr Pid() = default;
    constexpr explicit Pid(uint32_t value) : m_value(value) { }
    static constexpr Pid none() { return Pid(); }
    // A message word that names a pid: 0 and words beyond 32 bits name no
    // process (NotFound), never a pid cut to 32 bits.
    static Result<Pid> from_word(uint64_t word)
    {
        if (word == 0 || word > 0xffff'ffffull)
            return Error::NotFound;
        return Pid(uint32_t(word));
    }
    constexpr uint32_t value() const { return m_value; }
    constexpr bool is_none() const { return m_value == 0; }
    constexpr bool operator==(const Pid&) const = default;

private:
    uint32_t m_value { 0 };
};

// A message as it travels: its info (label and length) and its words.
struct Message {
    MessageInfo info {};
    uint64_t words[max_message_words] {};
};

namespace detail {

inline Result<void> check_shape(const Message& m, uint32_t label, unsigned length)
{
    if (m.info.label() != label)
        return Error::InvalidArgument;
    if (m.info.length() < length)
        return Error::Truncated;
    if (m.info.length() > length)
        return Error::Malformed;
    return {};
}

// A reply: its label is the error (0: none), then the shape.
inline Result<void> check_reply(const Message& m, unsigned length)
{
    if (m.info.label() != uint32_t(Error::None))
        return Error(m.info.label());
    if (m.info.length() < length)
        return Error::Truncated;
    if (m.info.length() > length)
        return Error::Malformed;
    return {};
}

inline unsigned words_for(size_t bytes) { return unsigned((bytes + 7) / 8); }

inline void pack(uint64_t* words, const char* bytes, size_t length)
{
    for (unsigned w = 0; w < words_for(length); ++w)
        words[w] = 0;
    for (size_t i = 0; i < length; ++i)
        words[i / 8] |= uint64_t(uint8_t(bytes[i])) << (8 * (i % 8));
}

// Unpacks `length` bytes; the padding after them in the last word must be
// zero (a sender that puts something there did not use pack()).
inline Result<void> unpack(const uint64_t* words, size_t length, char* out)
{
    for (size_t i = 0; i < length; ++i)
        out[i] = char(words[i / 8] >> (8 * (i % 8)));
    if (length % 8 && (words[length / 8] >> (8 * (length % 8))) != 0)
        return Error::Malformed;
    return {};
}

inline Message request(Label label, unsigned length)
{
    Message m;
    m.info = MessageInfo(uint32_t(label), length);
    return m;
}

inline Message reply(unsigned length)
{
    Message m;
    m.info = MessageInfo(uint32_t(Error::None), length);
    return m;
}

// A request of one pid word (Wait, Kill).
template<Label label>
struct PidRequest {
    Pid pid;

    Message encode() const
    {
        Message m = request(label, 1);
        m.words[0] = pid.value();
        return m;
    }
    static Result<PidRequest> decode(const Message& m)
    {
        if (auto shape = check_shape(m, uint32_t(label), 1); shape.is_error())
            return shape.error();
        auto pid = Pid::from_word(m.words[0]);
        if (pid.is_error())
            return pid.error();
        return PidRequest { pid.value() };
    }
};

// A request or reply of no words.
template<Label label>
struct EmptyRequest {
    Message encode() const { return request(label, 0); }
    static Result<EmptyRequest> decode(const Message& m)
    {
        if (auto shape = check_shape(m, uint32_t(label), 0); shape.is_error())
            return shape.error();
        return EmptyRequest {};
    }
};

} // namespace detail

// Spawn: run the program argv[0] with argv, as a child of the caller.
class SpawnRequest {
public:
    // The Spawn of argv[0..argc), written straight into `out` (a client's
    // one copy): ArgumentListTooLong when it does not fit, InvalidArgument
    // without a path.
    static Result<void> encode_argv(const char* const* argv, size_t argc, Message& out)
    {
        if (argc == 0 || !argv[0] || !argv[0][0])
            return Error::InvalidArgument;
        if (argc > max_argc)
            return Error::ArgumentListTooLong;
        uint64_t* bytes = out.words + 1;
        for (unsigned w = 0; w < detail::words_for(max_spawn_argv_bytes); ++w)
            bytes[w] = 0;
        size_t length = 0;
        for (size_t i = 0; i < argc; ++i) {
            if (!argv[i])
                return Error::InvalidArgument;
            for (size_t b = 0;; ++b) {
                if (length == max_spawn_argv_bytes)
                    return Error::ArgumentListTooLong;
                bytes[length / 8] |= uint64_t(uint8_t(argv[i][b])) << (8 * (length % 8));
                ++length;
                if (!argv[i][b])
                    break;
            }
        }
        out.info = MessageInfo(uint32_t(Label::Spawn), 1 + detail::words_for(length));
        out.words[0] = length;
        return {};
    }
    // From a block already in argv form ("path\0arg\0"), checked as decode() does.
    static Result<SpawnRequest> from_block(const char* block, size_t length)
    {
        if (length > max_spawn_argv_bytes)
            return Error::ArgumentListTooLong;
        SpawnRequest r;
        for (size_t i = 0; i < length; ++i)
            r.m_block[i] = block[i];
        r.m_length = length;
        if (auto checked = r.count_strings(); checked.is_error())
            return checked.error();
        return r;
    }

    Message encode() const
    {
        Message m = detail::request(Label::Spawn, 1 + detail::words_for(m_length));
        m.words[0] = m_length;
        detail::pack(m.words + 1, m_block, m_length);
        return m;
    }
    static Result<SpawnRequest> decode(const Message& m)
    {
        if (m.info.label() != uint32_t(Label::Spawn))
            return Error::InvalidArgument;
        if (m.info.length() < 1)
            return Error::Truncated;
        uint64_t length = m.words[0];
        if (length > max_spawn_argv_bytes)
            return Error::ArgumentListTooLong;
        if (auto shape = detail::check_shape(m, uint32_t(Label::Spawn), 1 + detail::words_for(length));
            shape.is_error())
            return shape.error();
        SpawnRequest r;
        r.m_length = size_t(length);
        if (auto unpacked = detail::unpack(m.words + 1, r.m_length, r.m_block); unpacked.is_error())
            return unpacked.error();
        if (auto checked = r.count_strings(); checked.is_error())
            return checked.error();
        return r;
    }

    const char* path() const { return m_block; } // argv[0], NUL-terminated
    const char* block() const { return m_block; }
    size_t length() const { return m_length; }
    unsigned argc() const { return m_argc; }

private:
    // The block must be NUL-terminated strings, the first (the path) not
    // empty, at most max_argc of them.
    Result<void> count_strings()
    {
        if (m_length < 2 || m_block[0] == '\0')
            return Error::InvalidArgument;
        if (m_block[m_length - 1] != '\0')
            return Error::Malformed;
        unsigned argc = 0;
        for (size_t i = 0; i < m_length; ++i)
            argc += m_block[i] == '\0';
        if (argc > max_argc)
            return Error::ArgumentListTooLong;
        m_argc = argc;
        return {};
    }

    char m_block[max_spawn_argv_bytes + 1] {}; // always NUL-terminated
    size_t m_length { 0 };
    unsigned m_argc { 0 };
};

struct SpawnReply {
    Pid pid;

    Message encode() const
    {
        Message m = detail::reply(1);
        m.words[0] = pid.value();
        return m;
    }
    static Result<SpawnReply> decode(const Message& m)
    {
        if (auto shape = detail::check_reply(m, 1); shape.is_error())
            return shape.error();
        auto pid = Pid::from_word(m.words[0]);
        if (pid.is_error())
            return Error::Malformed;
        return SpawnReply { pid.value() };
    }
};

// Wait: blocks until the child ends, then answers how (and forgets it).
using WaitRequest = detail::PidRequest<Label::Wait>;

struct WaitReply {
    ExitKind kind { ExitKind::Exited };
    uint64_t status { 0 };   // exit status, or the pager's kill word
    uint64_t address { 0 };  // fault address (kills)
    uint64_t distance { 0 }; // guard hits: bytes below the guarded region
    uint64_t cause { 0 };    // ipc::ExitCause (kills)

    Message encode() const
    {
        Message m = detail::reply(5);
        m.words[0] = uint64_t(kind);
        m.words[1] = status;
        m.words[2] = address;
        m.words[3] = distance;
        m.words[4] = cause;
        return m;
    }
    static Result<WaitReply> decode(const Message& m)
    {
        if (auto shape = detail::check_reply(m, 5); shape.is_error())
            return shape.error();
        if (m.words[0] != uint64_t(ExitKind::Exited) && m.words[0] != uint64_t(ExitKind::Killed))
            return Error::Malformed;
        return WaitReply { ExitKind(m.words[0]), m.words[1], m.words[2], m.words[3], m.words[4] };
    }
};

// Kill: ends a child (any program, for an operator); the reply is empty.
using KillRequest = detail::PidRequest<Label::Kill>;

// The empty reply of Kill (and the refusal of PowerOff and Reboot, which
// carries an error).
struct EmptyReply {
    Message encode() const { return detail::reply(0); }
    static Result<EmptyReply> decode(const Message& m)
    {
        if (auto shape = detail::check_reply(m, 0); shape.is_error())
            return shape.error();
        return EmptyReply {};
    }
};

// List: the index-th server or running program, servers first.
struct ListRequest {
    uint64_t index { 0 };

    Message encode() const
    {
        Message m = detail::request(Label::List, 1);
        m.words[0] = index;
        return m;
    }
    static Result<ListRequest> decode(const Message& m)
    {
        if (auto shape = detail::check_shape(m, uint32_t(Label::List), 1); shape.is_error())
            return shape.error();
        return ListRequest { m.words[0] };
    }
};

class ListReply {
public:
    // The name is cut to max_name_bytes here, on purpose: it is a label for
    // people (`ps`), not an identity.
    ListReply(Pid pid, EntryKind kind, const char* name) : m_pid(pid), m_kind(kind)
    {
        while (name[m_name_length] && m_name_length < max_name_bytes) {
            m_name[m_name_length] = name[m_name_length];
            ++m_name_length;
        }
        m_name[m_name_length] = 0;
    }

    Pid pid() const { return m_pid; }
    EntryKind kind() const { return m_kind; }
    const char* name() const { return m_name; }

    Message encode() const
    {
        Message m = detail::reply(3 + detail::words_for(m_name_length));
        m.words[0] = m_pid.value();
        m.words[1] = uint64_t(m_kind);
        m.words[2] = m_name_length;
        detail::pack(m.words + 3, m_name, m_name_length);
        return m;
    }
    static Result<ListReply> decode(const Message& m)
    {
        if (m.info.label() != uint32_t(Error::None))
            return Error(m.info.label());
        if (m.info.length() < 3)
            return Error::Truncated;
        uint64_t length = m.words[2];
        if (length > max_name_bytes || m.words[0] > 0xffff'ffffull)
            return Error::Malformed;
        if (m.words[1] != uint64_t(EntryKind::Program) && m.words[1] != uint64_t(EntryKind::Server))
            return Error::Malformed;
        if (auto shape = detail::check_reply(m, 3 + detail::words_for(length)); shape.is_error())
            return shape.error();
        // Programs have a pid and servers none.
        if ((m.words[1] == uint64_t(EntryKind::Program)) == (m.words[0] == 0))
            return Error::Malformed;
        char name[max_name_bytes + 1] {};
        if (auto unpacked = detail::unpack(m.words + 3, size_t(length), name); unpacked.is_error())
            return unpacked.error();
        for (size_t i = 0; i < length; ++i) {
            if (name[i] == '\0')
                return Error::Malformed;
        }
        return ListReply(Pid(uint32_t(m.words[0])), EntryKind(m.words[1]), name);
    }

private:
    Pid m_pid;
    EntryKind m_kind;
    char m_name[max_name_bytes + 1] {};
    size_t m_name_length { 0 };
};

// Exit: the caller ends with `status`; there is no reply.
struct ExitRequest {
    int64_t status { 0 };

    Message encode() const
    {
        Message m = detail::request(Label::Exit, 1);
        m.words[0] = uint64_t(status);
        return m;
    }
    static Result<ExitRequest> decode(const Message& m)
    {
        if (auto shape = detail::check_shape(m, uint32_t(Label::Exit), 1); shape.is_error())
            return shape.error();
        return ExitRequest { int64_t(m.words[0]) };
    }
};

// PowerOff and Reboot: no words; only a refusal is answered.
using PowerOffRequest = detail::EmptyRequest<Label::PowerOff>;
using RebootRequest = detail::EmptyRequest<Label::Reboot>;

} // namespace ipc::proto::process
