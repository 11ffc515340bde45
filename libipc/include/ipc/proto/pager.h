#pragma once
// The pager protocol: every request and reply is one type below with
// encode() and decode(); nothing outside these codecs indexes a message word.
// A reply's label is an ipc::Error (None = success); decode() of a reply
// returns that error, and every decode() refuses a wrong label, a wrong
// length, a cap where none belongs and a malformed field.
//
// Authority is the badge of the caller's cap (<ipc/proto/badges.h>):
//
//   NewClient, EndClient, KillInfo        control (init, the process manager)
//   Mmap, Munmap, Mprotect, Brk           a client: acts on its own address space
//   Query, Why of itself (pid 0 or own)   anyone
//   Query, Why of another pid             operator or control
//   Trace of itself                       anyone
//   Trace of another pid or of all (0)    operator or control
//   Policy: get                           anyone
//   Policy: set                           operator or control
//   Policies, Stats                       anyone
// Anything else: NotPermitted. Faults arrive on the same endpoint with the
// labels of <ipc/fault.h>, sent by the kernel.
//
// The words on the wire (w0 first; -> the reply):
//   NewClient  w0 = pid, w1 = file id, w2 = file size, w3 = argv length,
//              w4.. = argv (NUL-separated), cap = the client's VSpace
//                 -> w0 = entry point, w1 = initial stack pointer, w2 = argc,
//                    w3 = argv (the strings are on the stack)
//                 refused: the error, w0 = detail (the ElfError when Malformed)
//   EndClient  w0 = pid              -> (nothing): frees everything the pager holds for it
//   KillInfo   w0 = pid              -> w0 = KillReason, w1 = address, w2 = distance, w3 = ip
//   Mmap       w0 = address hint, w1 = length, w2 = Prot, w3 = MapFlags, w4 = file id
//              (ignored when anonymous), w5 = offset
//                 -> w0 = address
//   Munmap     w0 = address, w1 = length
//   Mprotect   w0 = address, w1 = length, w2 = Prot
//   Brk        w0 = new break (0 asks) -> w0 = the break
//   Query      w0 = pid (0 = self), w1 = region index -> RegionRow: w0 = start,
//              w1 = end, w2 = RegionType, w3 = Prot, w4 = resident pages,
//              w5 = dirty private pages, w6 = file id (no_file: anonymous)
//   Stats                            -> the counters of StatsReply, in order
//   Why        w0 = pid (0 = self), w1 = address
//                 -> w0 = region index (no_region: none), w1 = start, w2 = end,
//                    w3 = RegionType (~0: none), w4 = Prot, w5..w7 = the
//                    FaultDecision for a read, a write and an execute there,
//                    w8 = reasons length, w9.. = "read\0write\0exec\0"
//   Policy     w0 = 0: get, or w0 = name length, w1.. = name: set ("lazy", "eager", "around=N")
//                 -> w0 = name length, w1.. = the policy now in force
//   Policies   w0 = index            -> w0 = name length, w1.. = name (NotFound past the end)
//   Trace      w0 = pid (0 = every client), w1 = 1 on / 0 off
// Strings are packed by <ipc/proto/strings.h>: exactly (length + 7) / 8
// words, the padding zero.

#include <cstddef>
#include <cstdint>
#include <ipc/error.h>
#include <ipc/message.h>
#include <ipc/proto/badges.h>
#include <ipc/proto/process.h>
#include <ipc/proto/strings.h>
#include <ipc/result.h>
#include <string_view>

namespace ipc::proto::pager {

enum class Label : uint32_t {
    NewClient = 0x200,
    EndClient = 0x201,
    KillInfo = 0x202,
    Mmap = 0x210,
    Munmap = 0x211,
    Mprotect = 0x212,
    Brk = 0x213,
    Query = 0x214,
    Stats = 0x215,
    Why = 0x220,
    Policy = 0x221,
    Policies = 0x222,
    Trace = 0x223,
};

// init mints its control cap with this badge.
inline constexpr uint64_t control_badge = Badge::control().raw();

struct Prot {
    static constexpr uint64_t none = 0, read = 1, write = 2, exec = 4;
    static constexpr uint64_t all = read | write | exec;
};

struct MapFlags {
    static constexpr uint64_t shared = 1, priv = 2, fixed = 4, anonymous = 8, stack = 16;
    static constexpr uint64_t all = shared | priv | fixed | anonymous | stack;
};

// The pager names a file by the file server's id plus one in 32 bits (0 is
// "no file"), and the file server's own "no file" is 0xffffffff: ids above
// this are refused at the call (OutOfRange) instead of being cut to 32 bits.
inline constexpr uint64_t max_file_id = 0xffff'fffe;
// A Query row's file id for an anonymous region.
inline constexpr uint64_t no_file = ~uint64_t(0);
// Why's region index when no region holds the address.
inline constexpr uint64_t no_region = ~uint64_t(0);
// The longest policy name ("around=512" is 10).
inline constexpr size_t max_policy_name = 31;
// The most pages around=N may add to a fault (servers/pager/policy.h checks
// that PagePolicy::max_batch agrees).
inline constexpr unsigned max_around_pages = 512;

// Why the pager killed a client: the Kill reply's reason word is
// (KillReason << 56) | detail, where detail is the fault address.
enum class KillReason : uint64_t {
    GuardHit = 1,
    ProtectionViolation = 2,
    InvalidAddress = 3,
    OutOfMemory = 4,
    BadStackPointer = 5,
    FaultLoop = 6,
    UnknownClient = 7,
    Exception = 8,
    Killed = 9, // by the process manager, on request
};
inline constexpr uint64_t last_kill_reason = uint64_t(KillReason::Killed);

constexpr uint64_t encode_kill(KillReason reason, uint64_t address)
{
    return (uint64_t(reason) << 56) | (address & ((uint64_t(1) << 56) - 1));
}
constexpr KillReason kill_reason(uint64_t word) { return KillReason(word >> 56); }
constexpr uint64_t kill_address(uint64_t word) { return word & ((uint64_t(1) << 56) - 1); }

constexpr const char* kill_reason_name(KillReason r)
{
    switch (r) {
    case KillReason::GuardHit: return "guard page hit";
    case KillReason::ProtectionViolation: return "protection violation";
    case KillReason::InvalidAddress: return "invalid address";
    case KillReason::OutOfMemory: return "out of memory";
    case KillReason::BadStackPointer: return "stack pointer outside any stack region";
    case KillReason::FaultLoop: return "fault loop";
    case KillReason::UnknownClient: return "unknown client";
    case KillReason::Exception: return "CPU exception";
    case KillReason::Killed: return "killed on request";
    }
    return "unknown reason";
}

// What the pager decides for one fault (the classifier's answer); the
// shell's `why` reports it for a read, a write and an execute.
enum class FaultDecision : uint8_t {
    ZeroFill,            // map a fresh zeroed frame with the region's rights
    MapFromFile,         // map a frame filled as page_fill() says
    CopyOnWrite,         // map a private writable copy of the present page
    UpgradeRights,       // map the present frame again with the region's rights
    GrowStack,           // ZeroFill, then lower the stack's populated bottom
    GuardHit,            // kill: an overflow into a guard region
    ProtectionViolation, // kill: the region forbids this access
    InvalidAddress,      // kill: no region holds the address
    BadStackPointer,     // kill: sp is not inside a stack
    FaultLoop,           // kill: the same fault keeps coming back after answers
};
inline constexpr uint64_t last_fault_decision = uint64_t(FaultDecision::FaultLoop);

constexpr const char* fault_decision_name(FaultDecision decision)
{
    switch (decision) {
    case FaultDecision::ZeroFill: return "zero-fill";
    case FaultDecision::MapFromFile: return "map-from-file";
    case FaultDecision::CopyOnWrite: return "copy-on-write";
    case FaultDecision::UpgradeRights: return "upgrade-rights";
    case FaultDecision::GrowStack: return "grow-stack";
    case FaultDecision::GuardHit: return "guard-hit";
    case FaultDecision::ProtectionViolation: return "protection-violation";
    case FaultDecision::InvalidAddress: return "invalid-address";
    case FaultDecision::BadStackPointer: return "bad-stack-pointer";
    case FaultDecision::FaultLoop: return "fault-loop";
    }
    return "unknown";
}

// What a region is, in the Query and Why replies (the pager keeps its
// regions by these types; servers/pager/region.h). Append only.
enum class RegionType : uint8_t {
    Text = 0,     // executable image code: read/execute, file-backed, shareable between clients
    Data = 1,     // the pages of a writable ELF segment that hold file bytes: private copy of the file
    Bss = 2,      // the rest of a writable segment: anonymous, zero-filled
    Heap = 3,     // grown and shrunk by brk; anonymous
    Stack = 4,    // a thread stack: the main stack (grows_down) or one made by mmap(MAP_STACK)
    AnonMmap = 5, // mmap(MAP_ANONYMOUS)
    FileMmap = 6, // mmap of a file, private or shared
    Guard = 7,    // never accessible; catches overflows of the region it guards
    RoData = 8,   // read-only, non-executable image data: file-backed, shareable
};
inline constexpr uint64_t last_region_type = uint64_t(RegionType::RoData);
inline constexpr unsigned region_type_count = unsigned(last_region_type) + 1;

constexpr const char* region_type_name(RegionType type)
{
    switch (type) {
    case RegionType::Text: return "text";
    case RegionType::RoData: return "rodata";
    case RegionType::Data: return "data";
    case RegionType::Bss: return "bss";
    case RegionType::Heap: return "heap";
    case RegionType::Stack: return "stack";
    case RegionType::AnonMmap: return "anon-mmap";
    case RegionType::FileMmap: return "file-mmap";
    case RegionType::Guard: return "guard";
    }
    return "unknown";
}

// --- Messages -----------------------------------------------------------

// A message as it travels: its label (a request's Label, a reply's Error),
// words [0, length) and how many caps go with it (the caps themselves are
// put in the IPC buffer by the sender). Only [0, length) is meaningful.
struct Message {
    uint32_t label { 0 };
    unsigned length { 0 };
    unsigned caps { 0 };
    uint64_t words[max_message_words];

    constexpr MessageInfo info() const { return MessageInfo(label, length, caps); }
    // Starts the message afresh (the words are not cleared: only [0, length) counts).
    constexpr void begin(uint32_t new_label, unsigned new_caps = 0)
    {
        label = new_label;
        length = 0;
        caps = new_caps;
    }
    constexpr void push(uint64_t word) { words[length++] = word; }
    // Appends `text` as a length word and its packed bytes.
    void push_string(std::string_view text)
    {
        push(text.size());
        length += pack_string(words + length, max_message_words - length, text.data(), text.size());
    }
};

// A received message, read where it lies.
struct MessageView {
    uint32_t label { 0 };
    const uint64_t* words { nullptr };
    unsigned length { 0 }; // at most max_message_words
    unsigned caps { 0 };

    static constexpr MessageView of(const Message& m) { return { m.label, m.words, m.length, m.caps }; }
};

// Up to Capacity bytes and a NUL; the text itself holds no NUL.
template<size_t Capacity>
struct FixedString {
    static constexpr size_t capacity = Capacity;
    char text[Capacity + 1] {};
    size_t length { 0 };

    // False, and nothing changed, if `s` is too long or holds a NUL.
    constexpr bool assign(std::string_view s)
    {
        if (s.size() > Capacity || s.find('\0') != std::string_view::npos)
            return false;
        for (size_t i = 0; i < s.size(); ++i)
            text[i] = s[i];
        text[s.size()] = 0;
        length = s.size();
        return true;
    }
    constexpr std::string_view view() const { return { text, length }; }
    constexpr const char* c_str() const { return text; }
};

namespace detail {

inline Result<void> request_header(const MessageView& m, Label label, unsigned length, unsigned caps = 0)
{
    if (m.label != uint32_t(label) || m.caps != caps)
        return Error::InvalidArgument;
    if (m.length != length)
        return Error::Malformed;
    return {};
}

inline Result<void> reply_header(const MessageView& m, unsigned length)
{
    if (m.label != uint32_t(Error::None))
        return Error(m.label);
    if (m.caps != 0 || m.length != length)
        return Error::Malformed;
    return {};
}

// `count` bytes packed in words[0, word_count): exactly the words they
// need, zero padding. Copied to `out` (room for `count` bytes).
inline Result<void> unpack_exact(const uint64_t* words, unsigned word_count, uint64_t count, char* out)
{
    if (count > uint64_t(word_count) * 8 || (count + 7) / 8 != word_count)
        return Error::Malformed;
    for (uint64_t i = 0; i < uint64_t(word_count) * 8; ++i) {
        char c = char(words[i / 8] >> (8 * (i % 8)));
        if (i < count)
            out[i] = c;
        else if (c != 0)
            return Error::Malformed;
    }
    return {};
}

// A string at words[first]: its length, then its packed bytes up to the
// message's end. OutOfRange if longer than the string's capacity.
template<size_t Capacity>
Result<void> read_string(const MessageView& m, unsigned first, FixedString<Capacity>& out)
{
    if (m.length <= first)
        return Error::Malformed;
    uint64_t count = m.words[first];
    if (count > Capacity)
        return Error::OutOfRange;
    char bytes[Capacity + 1] {};
    TRY(unpack_exact(m.words + first + 1, m.length - first - 1, count, bytes));
    if (!out.assign(std::string_view(bytes, count)))
        return Error::Malformed; // a NUL inside
    return {};
}

inline Result<uint32_t> pid_word(uint64_t word)
{
    if (word > Badge::identity_mask)
        return Error::OutOfRange;
    return uint32_t(word);
}

} // namespace detail

// A reply with no words (EndClient, Munmap, Mprotect, Trace).
struct EmptyReply {
    void encode(Message& m) const { m.begin(uint32_t(Error::None)); }
    static Result<EmptyReply> decode(const MessageView& m)
    {
        TRY(detail::reply_header(m, 0));
        return EmptyReply {};
    }
};

// A request that names one pid (EndClient, KillInfo).
template<Label L>
struct PidRequest {
    static constexpr Label label = L;
    uint32_t pid { 0 };

    void encode(Message& m) const
    {
        m.begin(uint32_t(L), 0);
        m.push(pid);
    }
    static Result<PidRequest> decode(const MessageView& m)
    {
        TRY(detail::request_header(m, L, 1));
        return PidRequest { TRY(detail::pid_word(m.words[0])) };
    }
};

// --- Control (init) ---

struct NewClientRequest {
    static constexpr Label label = Label::NewClient;
    static constexpr unsigned header_words = 4;
    static constexpr size_t max_argv = process::max_argv_bytes;
    static_assert(header_words + (max_argv + 7) / 8 <= max_message_words);

    uint32_t pid { 0 }; // never 0
    uint64_t file { 0 };
    uint64_t file_size { 0 };
    char argv[max_argv] {}; // NUL-terminated strings, one after the other
    size_t argv_length { 0 };

    // Sent with one cap (the VSpace) in the IPC buffer's caps[0].
    void encode(Message& m) const
    {
        m.begin(uint32_t(label), 1);
        m.push(pid);
        m.push(file);
        m.push(file_size);
        m.push(argv_length);
        m.length += pack_string(m.words + m.length, max_message_words - m.length, argv, argv_length);
    }
    static Result<NewClientRequest> decode(const MessageView& m)
    {
        if (m.label != uint32_t(label) || m.caps != 1)
            return Error::InvalidArgument;
        if (m.length < header_words)
            return Error::Malformed;
        NewClientRequest r;
        r.pid = TRY(detail::pid_word(m.words[0]));
        if (r.pid == 0 || m.words[1] > max_file_id)
            return Error::OutOfRange;
        r.file = m.words[1];
        r.file_size = m.words[2];
        if (m.words[3] > max_argv)
            return Error::OutOfRange;
        r.argv_length = m.words[3];
        TRY(detail::unpack_exact(m.words + header_words, m.length - header_words, r.argv_length, r.argv));
        // Every string ends with its NUL: argc is the number of NULs.
        if (r.argv_length && r.argv[r.argv_length - 1] != '\0')
            return Error::Malformed;
        return r;
    }
};

struct NewClientReply {
    uint64_t entry { 0 };
    uint64_t stack_pointer { 0 };
    uint64_t argc { 0 };
    uint64_t argv { 0 };

    void encode(Message& m) const
    {
        m.begin(uint32_t(Error::None), 0);
        m.push(entry);
        m.push(stack_pointer);
        m.push(argc);
        m.push(argv);
    }
    static Result<NewClientReply> decode(const MessageView& m)
    {
        TRY(detail::reply_header(m, 4));
        return NewClientReply { m.words[0], m.words[1], m.words[2], m.words[3] };
    }
};

// A refused NewClient: the error and a detail word (the ipc::elf::ElfError
// when the error is Malformed, else 0).
struct NewClientRefusal {
    Error error { Error::InvalidArgument };
    uint64_t detail { 0 };

    void encode(Message& m) const
    {
        m.begin(uint32_t(error), 0);
        m.push(detail);
    }
    // InvalidArgument if the reply is not a refusal (it succeeded).
    static Result<NewClientRefusal> decode(const MessageView& m)
    {
        if (m.label == uint32_t(Error::None))
            return Error::InvalidArgument;
        if (m.caps != 0 || m.length > 1)
            return Error::Malformed;
        return NewClientRefusal { Error(m.label), m.length ? m.words[0] : 0 };
    }
};

using EndClientRequest = PidRequest<Label::EndClient>;
using KillInfoRequest = PidRequest<Label::KillInfo>;

struct KillInfoReply {
    KillReason reason { KillReason::InvalidAddress };
    uint64_t address { 0 };
    uint64_t distance { 0 }; // guard hits: how far past the guarded region
    uint64_t ip { 0 };

    void encode(Message& m) const
    {
        m.begin(uint32_t(Error::None), 0);
        m.push(uint64_t(reason));
        m.push(address);
        m.push(distance);
        m.push(ip);
    }
    static Result<KillInfoReply> decode(const MessageView& m)
    {
        TRY(detail::reply_header(m, 4));
        if (m.words[0] == 0 || m.words[0] > last_kill_reason)
            return Error::Malformed;
        return KillInfoReply { KillReason(m.words[0]), m.words[1], m.words[2], m.words[3] };
    }
};

// --- Clients ---

struct MmapRequest {
    static constexpr Label label = Label::Mmap;
    uint64_t hint { 0 };
    uint64_t length { 0 };
    uint64_t prot { 0 };  // Prot bits
    uint64_t flags { 0 }; // MapFlags bits
    uint64_t file { 0 };  // meaningful without MapFlags::anonymous
    uint64_t offset { 0 };

    bool anonymous() const { return flags & MapFlags::anonymous; }

    void encode(Message& m) const
    {
        m.begin(uint32_t(label), 0);
        m.push(hint);
        m.push(length);
        m.push(prot);
        m.push(flags);
        m.push(file);
        m.push(offset);
    }
    // InvalidArgument for an unknown Prot or MapFlags bit, OutOfRange for a
    // file id above max_file_id. An anonymous mapping's file word is ignored
    // (read as 0).
    static Result<MmapRequest> decode(const MessageView& m)
    {
        TRY(detail::request_header(m, label, 6));
        MmapRequest r { m.words[0], m.words[1], m.words[2], m.words[3], m.words[4], m.words[5] };
        if ((r.prot & ~Prot::all) || (r.flags & ~MapFlags::all))
            return Error::InvalidArgument;
        if (r.anonymous())
            r.file = 0;
        else if (r.file > max_file_id)
            return Error::OutOfRange;
        return r;
    }
};

// A reply of one address (Mmap's mapping, Brk's break).
struct AddressReply {
    uint64_t address { 0 };

    void encode(Message& m) const
    {
        m.begin(uint32_t(Error::None), 0);
        m.push(address);
    }
    static Result<AddressReply> decode(const MessageView& m)
    {
        TRY(detail::reply_header(m, 1));
        return AddressReply { m.words[0] };
    }
};

struct MunmapRequest {
    static constexpr Label label = Label::Munmap;
    uint64_t address { 0 };
    uint64_t length { 0 };

    void encode(Message& m) const
    {
        m.begin(uint32_t(label), 0);
        m.push(address);
        m.push(length);
    }
    static Result<MunmapRequest> decode(const MessageView& m)
    {
        TRY(detail::request_header(m, label, 2));
        return MunmapRequest { m.words[0], m.words[1] };
    }
};

struct MprotectRequest {
    static constexpr Label label = Label::Mprotect;
    uint64_t address { 0 };
    uint64_t length { 0 };
    uint64_t prot { 0 };

    void encode(Message& m) const
    {
        m.begin(uint32_t(label), 0);
        m.push(address);
        m.push(length);
        m.push(prot);
    }
    static Result<MprotectRequest> decode(const MessageView& m)
    {
        TRY(detail::request_header(m, label, 3));
        MprotectRequest r { m.words[0], m.words[1], m.words[2] };
        if (r.prot & ~Prot::all)
            return Error::InvalidArgument;
        return r;
    }
};

struct BrkRequest {
    static constexpr Label label = Label::Brk;
    uint64_t new_break { 0 }; // 0 asks

    void encode(Message& m) const
    {
        m.begin(uint32_t(label), 0);
        m.push(new_break);
    }
    static Result<BrkRequest> decode(const MessageView& m)
    {
        TRY(detail::request_header(m, label, 1));
        return BrkRequest { m.words[0] };
    }
};

// Query and Why name a process: 0 is the caller itself.
struct QueryRequest {
    static constexpr Label label = Label::Query;
    uint32_t pid { 0 };
    uint64_t index { 0 };

    void encode(Message& m) const
    {
        m.begin(uint32_t(label), 0);
        m.push(pid);
        m.push(index);
    }
    static Result<QueryRequest> decode(const MessageView& m)
    {
        TRY(detail::request_header(m, label, 2));
        return QueryRequest { TRY(detail::pid_word(m.words[0])), m.words[1] };
    }
};

// One region of a process: the Query answer, read by the shell's `vm`,
// libc, the test programs and the benchmark.
struct RegionRow {
    uint64_t start { 0 };
    uint64_t end { 0 };
    RegionType type { RegionType::AnonMmap };
    uint64_t prot { 0 };
    uint64_t resident_pages { 0 };
    uint64_t dirty_private_pages { 0 };
    uint64_t file { no_file };

    constexpr uint64_t pages() const { return (end - start) / 4096; }
    constexpr bool contains(uint64_t address) const { return start <= address && address < end; }
    constexpr bool is_file() const { return file != no_file; }

    void encode(Message& m) const
    {
        m.begin(uint32_t(Error::None), 0);
        m.push(start);
        m.push(end);
        m.push(uint64_t(type));
        m.push(prot);
        m.push(resident_pages);
        m.push(dirty_private_pages);
        m.push(file);
    }
    static Result<RegionRow> decode(const MessageView& m)
    {
        TRY(detail::reply_header(m, 7));
        if (m.words[0] >= m.words[1] || m.words[2] > last_region_type || (m.words[3] & ~Prot::all))
            return Error::Malformed;
        return RegionRow { m.words[0], m.words[1], RegionType(m.words[2]), m.words[3], m.words[4],
                           m.words[5], m.words[6] };
    }
};

struct StatsRequest {
    static constexpr Label label = Label::Stats;
    void encode(Message& m) const { m.begin(uint32_t(label), 0); }
    static Result<StatsRequest> decode(const MessageView& m)
    {
        TRY(detail::request_header(m, label, 0));
        return StatsRequest {};
    }
};

// The pager's counters since boot.
struct StatsReply {
    uint64_t faults { 0 };
    uint64_t populated_by_type[region_type_count] {}; // pages populated per RegionType
    uint64_t guard_hits { 0 };
    uint64_t protection_violations { 0 };
    uint64_t invalid_addresses { 0 };
    uint64_t out_of_memory_kills { 0 };
    uint64_t bad_stack_pointer_kills { 0 };
    uint64_t fault_loop_kills { 0 };
    uint64_t file_fills { 0 }; // pages read through the file server
    uint64_t copy_on_write { 0 };
    uint64_t cache_pages { 0 }; // page-cache frames (one per file page, shared by all clients)
    uint64_t frames_retyped { 0 };
    uint64_t frames_recycled { 0 }; // waiting for reuse
    uint64_t untyped_bytes_left { 0 };
    uint64_t neighbours_populated { 0 }; // pages the policy mapped besides the faulting ones
    uint64_t cache_evictions { 0 };      // clean, unmapped page-cache pages dropped for room

    static constexpr unsigned words = 1 + region_type_count + 14;

    void encode(Message& m) const
    {
        m.begin(uint32_t(Error::None), 0);
        m.push(faults);
        for (uint64_t n : populated_by_type)
            m.push(n);
        for (uint64_t n :
             { guard_hits, protection_violations, invalid_addresses, out_of_memory_kills,
               bad_stack_pointer_kills, fault_loop_kills, file_fills, copy_on_write, cache_pages,
               frames_retyped, frames_recycled, untyped_bytes_left, neighbours_populated, cache_evictions })
            m.push(n);
    }
    static Result<StatsReply> decode(const MessageView& m)
    {
        TRY(detail::reply_header(m, words));
        StatsReply r;
        const uint64_t* w = m.words;
        r.faults = *w++;
        for (uint64_t& n : r.populated_by_type)
            n = *w++;
        for (uint64_t* n :
             { &r.guard_hits, &r.protection_violations, &r.invalid_addresses, &r.out_of_memory_kills,
               &r.bad_stack_pointer_kills, &r.fault_loop_kills, &r.file_fills, &r.copy_on_write,
               &r.cache_pages, &r.frames_retyped, &r.frames_recycled, &r.untyped_bytes_left,
               &r.neighbours_populated, &r.cache_evictions })
            *n = *w++;
        return r;
    }
};

struct WhyRequest {
    static constexpr Label label = Label::Why;
    uint32_t pid { 0 };
    uint64_t address { 0 };

    void encode(Message& m) const
    {
        m.begin(uint32_t(label), 0);
        m.push(pid);
        m.push(address);
    }
    static Result<WhyRequest> decode(const MessageView& m)
    {
        TRY(detail::request_header(m, label, 2));
        return WhyRequest { TRY(detail::pid_word(m.words[0])), m.words[1] };
    }
};

// What a first touch of an address would do, for a read, a write and an
// execute, and why.
struct WhyReply {
    static constexpr size_t max_reason = 63;
    static constexpr unsigned accesses = 3; // read, write, execute

    uint64_t region_index { no_region };
    uint64_t start { 0 };
    uint64_t end { 0 };
    RegionType type { RegionType::AnonMmap }; // meaningful when has_region()
    uint64_t prot { 0 };
    FaultDecision decisions[accesses] {};
    FixedString<max_reason> reasons[accesses];

    constexpr bool has_region() const { return region_index != no_region; }

    void encode(Message& m) const
    {
        m.begin(uint32_t(Error::None), 0);
        m.push(region_index);
        m.push(has_region() ? start : 0);
        m.push(has_region() ? end : 0);
        m.push(has_region() ? uint64_t(type) : ~uint64_t(0));
        m.push(has_region() ? prot : 0);
        for (FaultDecision d : decisions)
            m.push(uint64_t(d));
        char packed[accesses * (max_reason + 1)];
        size_t length = 0;
        for (const auto& reason : reasons) {
            for (size_t i = 0; i < reason.length; ++i)
                packed[length++] = reason.text[i];
            packed[length++] = '\0';
        }
        m.push_string(std::string_view(packed, length));
    }
    static Result<WhyReply> decode(const MessageView& m)
    {
        constexpr unsigned header = 5 + accesses;
        if (m.label != uint32_t(Error::None))
            return Error(m.label);
        if (m.caps != 0 || m.length <= header)
            return Error::Malformed;
        WhyReply r;
        r.region_index = m.words[0];
        if (r.has_region()) {
            if (m.words[1] >= m.words[2] || m.words[3] > last_region_type || (m.words[4] & ~Prot::all))
                return Error::Malformed;
            r.start = m.words[1];
            r.end = m.words[2];
            r.type = RegionType(m.words[3]);
            r.prot = m.words[4];
        }
        for (unsigned i = 0; i < accesses; ++i) {
            if (m.words[5 + i] > last_fault_decision)
                return Error::Malformed;
            r.decisions[i] = FaultDecision(m.words[5 + i]);
        }
        // Three NUL-terminated reasons, each at most max_reason bytes.
        uint64_t length = m.words[header];
        if (length > sizeof(packed_reasons_type))
            return Error::OutOfRange;
        packed_reasons_type packed {};
        TRY(detail::unpack_exact(m.words + header + 1, m.length - header - 1, length, packed));
        size_t at = 0;
        for (auto& reason : r.reasons) {
            size_t n = 0;
            while (at + n < length && packed[at + n] != '\0')
                ++n;
            if (at + n >= length || !reason.assign(std::string_view(packed + at, n)))
                return Error::Malformed;
            at += n + 1;
        }
        if (at != length)
            return Error::Malformed;
        return r;
    }

private:
    using packed_reasons_type = char[accesses * (max_reason + 1)];
};

// Policy: an empty name asks which policy is in force; a name sets it.
struct PolicyRequest {
    static constexpr Label label = Label::Policy;
    FixedString<max_policy_name> name;

    bool is_set() const { return name.length != 0; }

    void encode(Message& m) const
    {
        m.begin(uint32_t(label), 0);
        m.push_string(name.view());
    }
    static Result<PolicyRequest> decode(const MessageView& m)
    {
        if (m.label != uint32_t(label) || m.caps != 0)
            return Error::InvalidArgument;
        PolicyRequest r;
        TRY(detail::read_string(m, 0, r.name));
        return r;
    }
};

struct PoliciesRequest {
    static constexpr Label label = Label::Policies;
    uint64_t index { 0 };

    void encode(Message& m) const
    {
        m.begin(uint32_t(label), 0);
        m.push(index);
    }
    static Result<PoliciesRequest> decode(const MessageView& m)
    {
        TRY(detail::request_header(m, label, 1));
        return PoliciesRequest { m.words[0] };
    }
};

// A policy's name (the reply of Policy and Policies).
struct PolicyReply {
    FixedString<max_policy_name> name;

    void encode(Message& m) const
    {
        m.begin(uint32_t(Error::None), 0);
        m.push_string(name.view());
    }
    static Result<PolicyReply> decode(const MessageView& m)
    {
        if (m.label != uint32_t(Error::None))
            return Error(m.label);
        if (m.caps != 0)
            return Error::Malformed;
        PolicyReply r;
        TRY(detail::read_string(m, 0, r.name));
        return r;
    }
};

struct TraceRequest {
    static constexpr Label label = Label::Trace;
    uint32_t pid { 0 }; // 0: every client
    bool on { false };

    void encode(Message& m) const
    {
        m.begin(uint32_t(label), 0);
        m.push(pid);
        m.push(on ? 1 : 0);
    }
    static Result<TraceRequest> decode(const MessageView& m)
    {
        TRY(detail::request_header(m, label, 2));
        if (m.words[1] > 1)
            return Error::InvalidArgument;
        return TraceRequest { TRY(detail::pid_word(m.words[0])), m.words[1] == 1 };
    }
};

// --- Start arguments ---

// The pager's policy at boot (pager.policy=).
enum class BootPolicy : uint8_t { Lazy = 0, Eager = 1, Around = 2 };

// What init tells the pager at start (start argument 1), from the pager.*
// boot options (servers/init/options.cpp). One word: bit 0 the decision
// log, bits 8-15 the BootPolicy, bits 16-31 around's N, bits 32-47 the
// pre-zeroed pool's frames; every other bit zero.
struct StartArguments {
    static constexpr unsigned max_pool_frames = 0xffff;

    bool log_decisions { false };
    BootPolicy policy { BootPolicy::Lazy };
    unsigned around_pages { 0 }; // Around: 1 to max_around_pages; otherwise 0
    unsigned pool_frames { 0 };  // 0: no pool

    constexpr uint64_t encode() const
    {
        return (log_decisions ? 1 : 0) | (uint64_t(policy) << 8) | (uint64_t(around_pages & 0xffff) << 16)
            | (uint64_t(pool_frames & 0xffff) << 32);
    }
    // InvalidArgument for a bit outside the fields, an unknown policy, or an
    // N that is not in 1..max_around_pages for Around (not 0 for the others).
    static Result<StartArguments> decode(uint64_t word)
    {
        constexpr uint64_t known = 1 | (0xffull << 8) | (0xffffull << 16) | (0xffffull << 32);
        if (word & ~known)
            return Error::InvalidArgument;
        StartArguments a;
        a.log_decisions = word & 1;
        uint64_t policy = (word >> 8) & 0xff;
        a.around_pages = unsigned((word >> 16) & 0xffff);
        a.pool_frames = unsigned((word >> 32) & 0xffff);
        if (policy > uint64_t(BootPolicy::Around))
            return Error::InvalidArgument;
        a.policy = BootPolicy(policy);
        bool around = a.policy == BootPolicy::Around;
        if (around != (a.around_pages != 0) || a.around_pages > max_around_pages)
            return Error::InvalidArgument;
        return a;
    }
    constexpr bool operator==(const StartArguments&) const = default;
};

} // namespace ipc::proto::pager
