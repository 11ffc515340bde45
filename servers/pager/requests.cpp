// The pager protocol of <ipc/proto/pager.h>: the process manager's control
// requests and the clients' memory requests. Each request is decoded by its
// type, checked against the caller's badge (authority.h), then served;
// every error is answered in the reply label, and nothing a client sends can
// take the pager down.
#include "file_cache.h"
#include "frames.h"
#include "server.h"
#include "trace.h"
#include <pager/authority.h>
#include <pager/classifier.h>
#include <pager/policy.h>
#include <ipc/elf64.h>
#include <ipc/proto/fs.h>
#include <ipc/proto/process.h>
#include <ipc/proto/slots.h>
#include <pager/elf_regions.h>
#include <stdio.h>
#include <string.h>

namespace pager {

using ipc::CPtr;
using ipc::Error;
using ipc::Result;
using ipc::proto::Badge;
using ipc::proto::pager::Label;
namespace proto = ipc::proto::pager;

static_assert(PagePolicy::max_batch == proto::max_around_pages);
static_assert(unsigned(proto::region_type_count) == sizeof(Counters::lazy_by_type) / sizeof(uint64_t));

namespace {

constexpr uint64_t header_window = 0x0000'3100'0000'0000;
CPtr g_header_frame = 0;

// Non-fixed mmaps go below this, far under the stack and the IPC buffer.
constexpr VirtAddr mmap_ceiling(0x0000'7000'0000'0000);

StackParameters process_stack() { return StackParameters { .top = VirtAddr(ipc::proto::process_stack_top) }; }

const ReservedPages& process_reserved_pages()
{
    static const ReservedPages reserved
        = reserved_pages(process_stack(), VirtAddr(ipc::proto::process_ipc_buffer_address));
    return reserved;
}

RequestAnswer refuse(Error e)
{
    RequestAnswer a;
    a.error = e;
    return a;
}

template<typename Reply>
RequestAnswer answer(const Reply& reply)
{
    proto::Message m;
    reply.encode(m);
    RequestAnswer a;
    a.error = Error(m.label);
    a.length = m.length;
    memcpy(a.words, m.words, m.length * sizeof(uint64_t));
    return a;
}

template<typename Reply>
RequestAnswer answer(const Result<Reply>& reply)
{
    return reply.is_error() ? refuse(reply.error()) : answer(reply.value());
}

// The page of every ELF we read headers from, kept mapped in our space.
Result<const uint8_t*> header_page(uint64_t file)
{
    if (!g_header_frame) {
        g_header_frame = TRY(frames().take_zeroed(SlotUse::Kept, 0, 0));
        if (Error e = kapi::vspace_map(ipc::proto::process_slot_vspace, g_header_frame, header_window,
                                       ipc::Rights::read | ipc::Rights::write);
            e != Error::None)
            return e;
    }
    TRY(fill_from_file(g_header_frame, file, 0));
    return reinterpret_cast<const uint8_t*>(header_window);
}

// The file server's Stat of `file`: its size and type.
struct FileStat {
    uint64_t size;
    ipc::proto::fs::FileType type;
};
Result<FileStat> stat_file(uint64_t file)
{
    auto r = kapi::call(ipc::proto::process_slot_fs,
                        ipc::MessageInfo(uint32_t(ipc::proto::fs::Label::Stat), 1), file);
    if (Error e = kapi::call_error(r); e != Error::None)
        return e;
    return FileStat { r.words[0], ipc::proto::fs::FileType(r.words[1]) };
}

// Writes argv (NUL-terminated strings) at the top of the stack page and
// returns (sp, argc, argv address). Layout from the top: the strings, then
// the argv pointer array (NULL-terminated), then sp (16-byte aligned).
struct InitialStack {
    uint64_t sp;
    uint64_t argc;
    uint64_t argv;
};

// Every string of argv has a NUL (NewClientRequest::decode checks the
// last), so there are as many strings as NULs; more than the process
// protocol's max_argc is refused, never cut.
constexpr size_t max_argc = ipc::proto::process::max_argc;
static_assert(proto::NewClientRequest::max_argv + 16 + (max_argc + 1) * 8 + 16 <= ipc::page_size,
              "argv and its pointers fit in the first stack page");

Result<InitialStack> build_initial_stack(Client& client, const char* args, size_t length)
{
    size_t strings_given = 0;
    for (size_t i = 0; i < length; ++i)
        strings_given += args[i] == '\0';
    if (strings_given > max_argc)
        return Error::ArgumentListTooLong;
    uint64_t top = ipc::proto::process_stack_top;
    uint64_t page = top - ipc::page_size;
    CPtr frame = TRY(frames().take_zeroed(SlotUse::Private, client.pid, page));
    InitialStack stack {};
    {
        auto window = Window::map(frame, 3, true);
        if (window.is_error())
            return window.error();
        uint8_t* bytes = window.value().bytes();
        uint64_t strings = ipc::page_size - ((length + 16) & ~uint64_t(15));
        memcpy(bytes + strings, args, length);
        static uint64_t pointers[max_argc + 1];
        uint64_t argc = 0;
        for (size_t i = 0; i < length; ++i) {
            if (i == 0 || args[i - 1] == '\0')
                pointers[argc++] = page + strings + i;
        }
        pointers[argc] = 0;
        uint64_t array = (strings - (argc + 1) * 8) & ~uint64_t(15);
        memcpy(bytes + array, pointers, (argc + 1) * 8);
        stack = InitialStack { page + array - 16, argc, page + array };
    }
    if (Error e = kapi::vspace_map(client.vspace, frame, page, ipc::Rights::read | ipc::Rights::write);
        e != Error::None)
        return e;
    if (Region* stack_region = client.regions.find(VirtAddr(page))) {
        ++stack_region->resident_pages;
        ++stack_region->dirty_private_pages;
        if (page < stack_region->stack_bottom.get())
            stack_region->stack_bottom = VirtAddr(page);
    }
    return stack;
}

RequestAnswer new_client(const proto::NewClientRequest& request, CPtr received, bool& cap_taken)
{
    auto refused = [](Error e, uint64_t detail = 0) { return answer(proto::NewClientRefusal { e, detail }); };
    if (!received)
        return refused(Error::InvalidArgument);
    auto added = add_client(request.pid);
    if (added.is_error())
        return refused(added.error());
    Client* client = added.value();
    client->vspace = received;
    cap_taken = true;
    auto fail = [&](Error e, uint64_t detail = 0) {
        remove_client(*client);
        return refused(e, detail);
    };
    auto header = header_page(request.file);
    if (header.is_error())
        return fail(header.error());
    size_t available = request.file_size < ipc::page_size ? request.file_size : ipc::page_size;
    auto image = ipc::elf::Image::parse_headers(header.value(), available, request.file_size);
    if (image.is_error())
        return fail(Error::Malformed, uint64_t(image.error()));
    // A segment over the IPC buffer or the stack would be accepted here and
    // fail at its first fault: refuse the program now, with the reason.
    if (segment_over_reserved(image.value(), process_reserved_pages()))
        return fail(Error::Malformed, uint64_t(ipc::elf::ElfError::SegmentOverReservedPage));
    auto layout = build_process_regions(image.value(), FileId { uint32_t(request.file + 1) }, process_stack(),
                                        client->regions);
    if (layout.is_error())
        return fail(layout.error());

    auto initial = build_initial_stack(*client, request.argv, request.argv_length);
    if (initial.is_error())
        return fail(initial.error());
    if (verbose())
        libc::print("pager: pid {} new client: file {} ({} bytes), entry {:x}, {} regions\n", request.pid,
                    request.file, request.file_size, image.value().entry(), client->regions.count());
    return answer(proto::NewClientReply { image.value().entry(), initial.value().sp, initial.value().argc,
                                          initial.value().argv });
}

Result<proto::EmptyReply> end_client(const proto::EndClientRequest& request)
{
    Client* c = find_client(request.pid);
    if (!c)
        return Error::NotFound;
    remove_client(*c);
    return proto::EmptyReply {};
}

Result<proto::KillInfoReply> kill_info(const proto::KillInfoRequest& request)
{
    Client* c = find_client(request.pid);
    if (!c || !c->last_kill.valid)
        return Error::NotFound;
    return proto::KillInfoReply { c->last_kill.reason, c->last_kill.address, c->last_kill.distance,
                                  c->last_kill.ip };
}

// Applies a region's new protection to the pages already mapped in it.
void reprotect_pages(Client& client, PageRange range)
{
    Slots& s = slots();
    for (CPtr slot = 1; slot < s.used_end(); ++slot) {
        SlotRecord& r = s.record(slot);
        if (r.pid != client.pid || r.page < range.start.get() || r.page >= range.end.get())
            continue;
        if (r.use != SlotUse::Private && r.use != SlotUse::SharedCopy)
            continue;
        const Region* region = client.regions.find(VirtAddr(r.page));
        if (!region || region->prot.is_none()) {
            // No access at all: x86 cannot express it on a present page, so
            // the page goes; the region's next fault kills.
            drop_mapping(client, slot);
            continue;
        }
        uint8_t rights = map_rights(region->prot).bits;
        bool shared_private_copy
            = r.use == SlotUse::SharedCopy && !region->is_shared() && region->type == RegionType::FileMmap;
        if (shared_private_copy || region->type == RegionType::Text || region->type == RegionType::RoData)
            rights &= uint8_t(~ipc::Rights::write);
        (void)kapi::vspace_protect(client.vspace, slot, rights);
    }
}

// W^X: no mapping is writable and executable at once (as no ELF segment may be).
bool writable_and_executable(Protection prot) { return prot.writable() && prot.executable(); }

Result<proto::AddressReply> mmap(Client& client, const proto::MmapRequest& request)
{
    uint64_t length = ipc::round_up_to_page(request.length);
    Protection prot = TRY(protection_from_bits(request.prot));
    if (length == 0 || (request.hint % ipc::page_size) || (request.offset % ipc::page_size))
        return Error::InvalidArgument;
    if (writable_and_executable(prot))
        return Error::Unsupported;
    bool anonymous = request.anonymous();
    bool shared = request.flags & proto::MapFlags::shared;
    // Page-cache frames back every read-only use of a file, text included:
    // a shared writable file mapping would let one program rewrite another's
    // code. The initrd is read-only anyway, so there is nothing to write to.
    if (!anonymous && shared && prot.writable())
        return Error::InsufficientRights;
    VirtAddr start(request.hint);
    if (request.flags & proto::MapFlags::fixed) {
        PageRange range = TRY(PageRange::from_user(request.hint, length));
        if (process_reserved_pages().overlaps(range.start, range.end))
            return Error::Overlap;
    } else {
        start = TRY(client.regions.find_free(length, VirtAddr(request.hint), mmap_ceiling));
        if (process_reserved_pages().overlaps(start, VirtAddr(start.get() + length)))
            start = TRY(client.regions.find_free(length, VirtAddr(0), mmap_ceiling)); // the hint was there
    }
    RegionFlags region_flags;
    if (shared)
        region_flags.bits |= RegionFlags::shared;
    if (request.flags & proto::MapFlags::stack)
        region_flags.bits |= RegionFlags::map_stack;
    Region region;
    VirtAddr end(start.get() + length);
    if (anonymous) {
        RegionType type = (request.flags & proto::MapFlags::stack) ? RegionType::Stack : RegionType::AnonMmap;
        region = Region::anonymous(type, start, end, prot, region_flags);
    } else {
        FileStat stat = TRY(stat_file(request.file));
        // Pages of a directory (or of anything but a file) have no meaning.
        if (stat.type != ipc::proto::fs::FileType::Regular)
            return Error::WrongType;
        uint64_t bytes = stat.size > request.offset ? stat.size - request.offset : 0;
        Backing backing { FileId { uint32_t(request.file + 1) }, request.offset, bytes };
        region = Region::file_backed(RegionType::FileMmap, start, end, prot, backing, region_flags);
    }
    TRY(client.regions.insert(region));
    return proto::AddressReply { start.get() };
}

Result<proto::EmptyReply> munmap(Client& client, const proto::MunmapRequest& request)
{
    PageRange range = TRY(PageRange::from_user(request.address, request.length));
    TRY(client.regions.remove(range));
    release_pages(client, range.start.get(), range.end.get());
    return proto::EmptyReply {};
}

Result<proto::EmptyReply> mprotect(Client& client, const proto::MprotectRequest& request)
{
    PageRange range = TRY(PageRange::from_user(request.address, request.length));
    Protection prot = TRY(protection_from_bits(request.prot));
    if (writable_and_executable(prot))
        return Error::Unsupported;
    // The same rule as mmap: a shared file mapping never becomes writable.
    for (const Region& r : client.regions.regions()) {
        bool overlaps = r.start < range.end && range.start < r.end;
        if (overlaps && r.type == RegionType::FileMmap && r.is_shared() && prot.writable())
            return Error::InsufficientRights;
    }
    TRY(client.regions.protect(range, prot));
    reprotect_pages(client, range);
    return proto::EmptyReply {};
}

Result<proto::AddressReply> brk(Client& client, const proto::BrkRequest& request)
{
    if (request.new_break == 0)
        return proto::AddressReply { client.regions.current_break().get() };
    VirtAddr heap_start = client.regions.heap_start();
    if (request.new_break > heap_start.get()
        && process_reserved_pages().overlaps(heap_start, VirtAddr(request.new_break)))
        return Error::Overlap;
    BreakChange change = TRY(client.regions.set_break(VirtAddr(request.new_break)));
    release_pages(client, change.released().start.get(), change.released().end.get());
    return proto::AddressReply { change.current.get() };
}

// The client a Query or Why names: 0 is the caller itself.
Client* named_client(uint32_t pid, Badge caller) { return find_client(pid ? pid : caller.pid()); }

Result<proto::RegionRow> query(const proto::QueryRequest& request, Badge caller)
{
    Client* client = named_client(request.pid, caller);
    if (!client)
        return Error::NotFound;
    auto regions = client->regions.regions();
    if (request.index >= regions.size())
        return Error::NotFound;
    const Region& r = regions[request.index];
    return proto::RegionRow { r.start.get(),
                              r.end.get(),
                              r.type,
                              r.prot.bits,
                              r.resident_pages,
                              r.dirty_private_pages,
                              r.backing.is_file() ? uint64_t(r.backing.file.value - 1) : proto::no_file };
}

// What the classifier would decide at `address` for each kind of access.
Result<proto::WhyReply> why(const proto::WhyRequest& request, Badge caller)
{
    Client* client = named_client(request.pid, caller);
    if (!client)
        return Error::NotFound;
    VirtAddr address(request.address);
    auto regions = client->regions.regions();
    proto::WhyReply reply;
    for (size_t i = 0; i < regions.size(); ++i) {
        if (regions[i].contains(address))
            reply.region_index = i;
    }
    // A stack pointer that is valid (inside the main stack), so the answer is
    // about the address, not about where a thread's sp happens to be.
    VirtAddr sp(address);
    for (const Region& r : regions) {
        if (r.type == RegionType::Stack)
            sp = VirtAddr(r.end.get() - 16);
    }
    // The answer is what a first touch of the page would do (a resident page
    // with the right rights takes no fault at all).
    const uint64_t accesses[proto::WhyReply::accesses]
        = { 0, ipc::FaultAccess::write, ipc::FaultAccess::execute };
    for (unsigned i = 0; i < proto::WhyReply::accesses; ++i) {
        FaultInfo f { address, accesses[i] | ipc::FaultAccess::user, address, sp };
        Classification c = classify(client->regions, f);
        reply.decisions[i] = c.decision;
        if (!reply.reasons[i].assign(c.reason))
            (void)reply.reasons[i].assign("(reason too long)");
    }
    if (reply.has_region()) {
        const Region& r = regions[reply.region_index];
        reply.start = r.start.get();
        reply.end = r.end.get();
        reply.type = r.type;
        reply.prot = r.prot.bits;
    }
    return reply;
}

proto::PolicyReply policy_name(const char* name)
{
    proto::PolicyReply reply;
    if (!reply.name.assign(name))
        (void)reply.name.assign("?");
    return reply;
}

Result<proto::PolicyReply> policy(const proto::PolicyRequest& request)
{
    if (request.is_set()) {
        const PagePolicy* chosen = find_policy(request.name.view());
        if (!chosen)
            return Error::NotFound;
        set_policy(*chosen);
    }
    return policy_name(current_policy().name());
}

Result<proto::PolicyReply> policies(const proto::PoliciesRequest& request)
{
    const char* name = policy_listing(request.index);
    if (!name)
        return Error::NotFound;
    return policy_name(name);
}

Result<proto::EmptyReply> trace_request(const proto::TraceRequest& request)
{
    if (request.pid == 0) {
        trace::set_all(request.on);
        return proto::EmptyReply {};
    }
    Client* client = find_client(request.pid);
    if (!client)
        return Error::NotFound;
    trace::set_client(*client, request.on);
    return proto::EmptyReply {};
}

proto::StatsReply stats()
{
    const Counters& c = counters();
    proto::StatsReply r;
    r.faults = c.faults;
    for (unsigned i = 0; i < proto::region_type_count; ++i)
        r.populated_by_type[i] = c.lazy_by_type[i];
    r.guard_hits = c.guard_hits;
    r.protection_violations = c.protection_violations;
    r.invalid_addresses = c.invalid_addresses;
    r.out_of_memory_kills = c.out_of_memory_kills;
    r.bad_stack_pointer_kills = c.bad_stack_pointer_kills;
    r.fault_loop_kills = c.fault_loop_kills;
    r.file_fills = c.file_fills;
    r.copy_on_write = c.copy_on_write;
    r.cache_pages = cache_pages();
    r.frames_retyped = frames().frames_retyped();
    r.frames_recycled = frames().frames_recycled();
    r.untyped_bytes_left = frames().bytes_left();
    r.neighbours_populated = c.neighbours_populated;
    r.cache_evictions = cache_evictions();
    return r;
}

// Decodes the request as `Request`, or answers the decoding error.
template<typename Request, typename Serve>
RequestAnswer serve(const proto::MessageView& message, Serve serve_request)
{
    auto request = Request::decode(message);
    if (request.is_error())
        return refuse(request.error());
    return serve_request(request.value());
}

// The caller's own client (Mmap, Munmap, Mprotect, Brk).
template<typename Request, typename Serve>
RequestAnswer serve_own(const proto::MessageView& message, Badge caller, Serve serve_request)
{
    if (Error e = authorize(caller, Scope::OwnSpace); e != Error::None)
        return refuse(e);
    Client* client = find_client(caller.pid());
    if (!client)
        return refuse(Error::NotFound);
    return serve<Request>(message, [&](const Request& r) { return answer(serve_request(*client, r)); });
}

RequestAnswer dispatch(Badge caller, const proto::MessageView& m, CPtr received, bool& cap_taken)
{
    auto allowed = [&](Scope scope, uint64_t target = 0) { return authorize(caller, scope, target); };
    switch (Label(m.label)) {
    case Label::NewClient:
        if (Error e = allowed(Scope::Control); e != Error::None)
            return refuse(e);
        return serve<proto::NewClientRequest>(
            m, [&](const proto::NewClientRequest& r) { return new_client(r, received, cap_taken); });
    case Label::EndClient:
        if (Error e = allowed(Scope::Control); e != Error::None)
            return refuse(e);
        return serve<proto::EndClientRequest>(m, [](const auto& r) { return answer(end_client(r)); });
    case Label::KillInfo:
        if (Error e = allowed(Scope::Control); e != Error::None)
            return refuse(e);
        return serve<proto::KillInfoRequest>(m, [](const auto& r) { return answer(kill_info(r)); });
    case Label::Mmap: return serve_own<proto::MmapRequest>(m, caller, mmap);
    case Label::Munmap: return serve_own<proto::MunmapRequest>(m, caller, munmap);
    case Label::Mprotect: return serve_own<proto::MprotectRequest>(m, caller, mprotect);
    case Label::Brk: return serve_own<proto::BrkRequest>(m, caller, brk);
    case Label::Query:
        return serve<proto::QueryRequest>(m, [&](const proto::QueryRequest& r) {
            if (Error e = allowed(Scope::Inspect, r.pid); e != Error::None)
                return refuse(e);
            return answer(query(r, caller));
        });
    case Label::Why:
        return serve<proto::WhyRequest>(m, [&](const proto::WhyRequest& r) {
            if (Error e = allowed(Scope::Inspect, r.pid); e != Error::None)
                return refuse(e);
            return answer(why(r, caller));
        });
    case Label::Trace:
        return serve<proto::TraceRequest>(m, [&](const proto::TraceRequest& r) {
            // Every process at once is machine-wide; one process is inspection.
            Error e = r.pid == 0 ? allowed(Scope::MachineWide) : allowed(Scope::Inspect, r.pid);
            if (e != Error::None)
                return refuse(e);
            return answer(trace_request(r));
        });
    case Label::Policy:
        return serve<proto::PolicyRequest>(m, [&](const proto::PolicyRequest& r) {
            if (Error e = allowed(r.is_set() ? Scope::MachineWide : Scope::Anyone); e != Error::None)
                return refuse(e);
            return answer(policy(r));
        });
    case Label::Policies:
        return serve<proto::PoliciesRequest>(m, [&](const proto::PoliciesRequest& r) {
            if (Error e = allowed(Scope::Anyone); e != Error::None)
                return refuse(e);
            return answer(policies(r));
        });
    case Label::Stats:
        return serve<proto::StatsRequest>(m, [&](const proto::StatsRequest&) {
            if (Error e = allowed(Scope::Anyone); e != Error::None)
                return refuse(e);
            return answer(stats());
        });
    }
    return refuse(Error::InvalidArgument); // no such request
}

} // namespace

RequestAnswer handle_request(uint64_t badge, const kapi::SyscallResult& m, CPtr received, bool& cap_taken)
{
    uint64_t words[ipc::max_message_words];
    unsigned length = m.info.clamped_length();
    ipc::IpcBuffer* buffer = kapi::ipc_buffer();
    for (unsigned i = 0; i < length; ++i)
        words[i] = kapi::message_word(m, i, buffer);
    proto::MessageView view { m.info.label(), words, length, m.info.extra_caps() };
    RequestAnswer a = dispatch(Badge::from_raw(badge), view, received, cap_taken);
    // A cap that came with a request that does not keep it is not ours to hold.
    if (received && !cap_taken)
        (void)kapi::cnode_delete(ipc::proto::process_slot_cnode, received);
    return a;
}

} // namespace pager
