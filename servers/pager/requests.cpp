// The pager protocol of <ipc/proto/pager.h>: the process manager's control
// requests and the clients' memory requests. Every error is answered in the
// reply label; nothing a client sends can take the pager down.
#include "file_cache.h"
#include "frames.h"
#include "server.h"
#include "trace.h"
#include <pager/classifier.h>
#include <pager/policy.h>
#include <ipc/elf64.h>
#include <ipc/proto/fs.h>
#include <ipc/proto/process.h>
#include <ipc/proto/slots.h>
#include <ipc/proto/strings.h>
#include <pager/elf_regions.h>
#include <stdio.h>
#include <string.h>

namespace pager {

using ipc::CPtr;
using ipc::Error;
using ipc::Result;
using ipc::proto::pager::Label;
namespace proto = ipc::proto::pager;

namespace {

constexpr uint64_t header_window = 0x0000'3100'0000'0000;
CPtr g_header_frame = 0;

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

// Writes argv (NUL-separated strings) at the top of the stack page and
// returns (sp, argv address). Layout from the top: the strings, then the
// argv pointer array (NULL-terminated), then sp (16-byte aligned).
struct InitialStack {
    uint64_t sp;
    uint64_t argc;
    uint64_t argv;
};

Result<InitialStack> build_initial_stack(Client& client, const char* args, size_t length)
{
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
        uint64_t pointers[65];
        uint64_t argc = 0;
        for (size_t i = 0; i < length && argc < 64; ++i) {
            if (i == 0 || args[i - 1] == '\0') {
                if (args[i] == '\0' && i + 1 == length)
                    break;
                pointers[argc++] = page + strings + i;
            }
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

RequestAnswer new_client(const kapi::SyscallResult& m, const uint64_t* w, CPtr received, bool& cap_taken)
{
    RequestAnswer a;
    if (!received || m.info.extra_caps() != 1 || m.info.length() < 4) {
        a.error = Error::InvalidArgument;
        return a;
    }
    Client* client = add_client(w[0]);
    if (!client) {
        a.error = Error::Busy;
        return a;
    }
    client->vspace = received;
    cap_taken = true;
    uint64_t file = w[1], size = w[2];
    auto fail = [&](Error e, uint64_t detail) {
        remove_client(*client);
        a = RequestAnswer { .error = e };
        a.push(detail);
        return a;
    };
    auto header = header_page(file);
    if (header.is_error())
        return fail(header.error(), 0);
    size_t available = size < ipc::page_size ? size : ipc::page_size;
    auto image = ipc::elf::Image::parse_headers(header.value(), available, size);
    if (image.is_error())
        return fail(Error::Malformed, uint64_t(image.error()));
    StackParameters stack { .top = VirtAddr(ipc::proto::process_stack_top) };
    auto layout = build_process_regions(image.value(), FileId { uint32_t(file + 1) }, stack, client->regions);
    if (layout.is_error())
        return fail(layout.error(), 0);

    char args[ipc::proto::process::max_argv_bytes + 1] {};
    size_t args_length
        = w[3] > ipc::proto::process::max_argv_bytes ? ipc::proto::process::max_argv_bytes : w[3];
    ipc::proto::unpack_string(w + 4, m.info.length() - 4, args_length, args, sizeof(args));
    auto initial = build_initial_stack(*client, args, args_length);
    if (initial.is_error())
        return fail(initial.error(), 0);
    if (verbose())
        libc::print("pager: pid {} new client: file {} ({} bytes), entry {:x}, {} regions\n", w[0], file,
                    size, image.value().entry(), client->regions.count());
    a.push(image.value().entry());
    a.push(initial.value().sp);
    a.push(initial.value().argc);
    a.push(initial.value().argv);
    return a;
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

RequestAnswer mmap(Client& client, const uint64_t* w)
{
    RequestAnswer a;
    uint64_t length = ipc::round_up_to_page(w[1]);
    auto prot = protection_from_bits(w[2]);
    uint64_t flags = w[3];
    if (prot.is_error() || length == 0 || (w[0] % ipc::page_size) || (w[5] % ipc::page_size)) {
        a.error = Error::InvalidArgument;
        return a;
    }
    bool anonymous = flags & proto::MapFlags::anonymous;
    // Page-cache frames back every read-only use of a file, text included:
    // a shared writable file mapping would let one program rewrite another's
    // code. The initrd is read-only anyway, so there is nothing to write to.
    if (!anonymous && (flags & proto::MapFlags::shared) && prot.value().writable()) {
        a.error = Error::InsufficientRights;
        return a;
    }
    VirtAddr start(w[0]);
    if (flags & proto::MapFlags::fixed) {
        if (auto range = PageRange::from_user(w[0], length); range.is_error()) {
            a.error = range.error();
            return a;
        }
    } else {
        auto found = client.regions.find_free(length, VirtAddr(w[0]), VirtAddr(0x0000'7000'0000'0000));
        if (found.is_error()) {
            a.error = found.error();
            return a;
        }
        start = found.value();
    }
    RegionFlags region_flags;
    if (flags & proto::MapFlags::shared)
        region_flags.bits |= RegionFlags::shared;
    if (flags & proto::MapFlags::stack)
        region_flags.bits |= RegionFlags::map_stack;
    Region region;
    VirtAddr end(start.get() + length);
    if (anonymous) {
        RegionType type = (flags & proto::MapFlags::stack) ? RegionType::Stack : RegionType::AnonMmap;
        region = Region::anonymous(type, start, end, prot.value(), region_flags);
    } else {
        auto r = kapi::call(ipc::proto::process_slot_fs,
                            ipc::MessageInfo(uint32_t(ipc::proto::fs::Label::Stat), 1), w[4]);
        if (Error e = kapi::call_error(r); e != Error::None) {
            a.error = e;
            return a;
        }
        uint64_t file_size = r.words[0];
        uint64_t bytes = file_size > w[5] ? file_size - w[5] : 0;
        Backing backing { FileId { uint32_t(w[4] + 1) }, w[5], bytes };
        region = Region::file_backed(RegionType::FileMmap, start, end, prot.value(), backing, region_flags);
    }
    if (auto inserted = client.regions.insert(region); inserted.is_error()) {
        a.error = inserted.error();
        return a;
    }
    a.push(start.get());
    return a;
}

RequestAnswer query(const uint64_t* w, uint64_t self)
{
    RequestAnswer a;
    Client* client = find_client(w[0] ? w[0] : self);
    if (!client) {
        a.error = Error::NotFound;
        return a;
    }
    auto regions = client->regions.regions();
    if (w[1] >= regions.size()) {
        a.error = Error::NotFound;
        return a;
    }
    const Region& r = regions[w[1]];
    a.push(r.start.get());
    a.push(r.end.get());
    a.push(uint64_t(r.type));
    a.push(r.prot.bits);
    a.push(r.resident_pages);
    a.push(r.dirty_private_pages);
    a.push(r.backing.is_file() ? r.backing.file.value - 1 : ~uint64_t(0));
    return a;
}

// What the classifier would decide at `address` for each kind of access.
RequestAnswer why(const uint64_t* w)
{
    RequestAnswer a;
    Client* client = find_client(w[0]);
    if (!client) {
        a.error = Error::NotFound;
        return a;
    }
    VirtAddr address(w[1]);
    auto regions = client->regions.regions();
    uint64_t index = ~uint64_t(0);
    for (size_t i = 0; i < regions.size(); ++i) {
        if (regions[i].contains(address))
            index = i;
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
    const uint64_t accesses[3] = { 0, ipc::FaultAccess::write, ipc::FaultAccess::execute };
    const char* reasons[3];
    uint64_t decisions[3];
    for (unsigned i = 0; i < 3; ++i) {
        FaultInfo f { address, accesses[i] | ipc::FaultAccess::user, address, sp };
        Classification c = classify(client->regions, f);
        decisions[i] = uint64_t(c.decision);
        reasons[i] = c.reason;
    }
    const Region* r = index != ~uint64_t(0) ? &regions[index] : nullptr;
    a.push(index);
    a.push(r ? r->start.get() : 0);
    a.push(r ? r->end.get() : 0);
    a.push(r ? uint64_t(r->type) : ~uint64_t(0));
    a.push(r ? r->prot.bits : 0);
    for (uint64_t d : decisions)
        a.push(d);
    char packed[192];
    size_t length = 0;
    for (const char* reason : reasons) {
        for (size_t i = 0; reason[i] && length + 1 < sizeof(packed); ++i)
            packed[length++] = reason[i];
        if (length < sizeof(packed))
            packed[length++] = '\0';
    }
    a.push(length);
    a.length
        += ipc::proto::pack_string(a.words + a.length, ipc::max_message_words - a.length, packed, length);
    return a;
}

RequestAnswer policy(const kapi::SyscallResult& m, const uint64_t* w)
{
    RequestAnswer a;
    if (w[0] != 0) {
        char name[32] {};
        size_t n = ipc::proto::unpack_string(w + 1, m.info.length() > 1 ? m.info.length() - 1 : 0, w[0], name,
                                             sizeof(name));
        const PagePolicy* chosen = find_policy(std::string_view(name, n));
        if (!chosen) {
            a.error = Error::NotFound;
            return a;
        }
        set_policy(*chosen);
    }
    const char* name = current_policy().name();
    size_t length = strlen(name);
    a.push(length);
    a.length += ipc::proto::pack_string(a.words + a.length, 8, name, length);
    return a;
}

RequestAnswer policies(const uint64_t* w)
{
    RequestAnswer a;
    const char* name = policy_listing(w[0]);
    if (!name) {
        a.error = Error::NotFound;
        return a;
    }
    size_t length = strlen(name);
    a.push(length);
    a.length += ipc::proto::pack_string(a.words + a.length, 8, name, length);
    return a;
}

// In the order of ipc::proto::pager::StatsWord.
RequestAnswer stats()
{
    RequestAnswer a;
    const Counters& c = counters();
    a.push(c.faults);
    for (uint64_t n : c.lazy_by_type)
        a.push(n);
    a.push(c.guard_hits);
    a.push(c.protection_violations);
    a.push(c.invalid_addresses);
    a.push(c.out_of_memory_kills);
    a.push(c.bad_stack_pointer_kills);
    a.push(c.fault_loop_kills);
    a.push(c.file_fills);
    a.push(c.copy_on_write);
    a.push(cache_pages());
    a.push(frames().frames_retyped());
    a.push(frames().frames_recycled());
    a.push(frames().bytes_left());
    a.push(c.neighbours_populated);
    static_assert(unsigned(proto::StatsWord::Count) == 23);
    return a;
}

// The requests any client (and the process manager) may make.
bool shell_request(uint64_t label, const kapi::SyscallResult& m, const uint64_t* w, RequestAnswer& a)
{
    switch (proto::ShellLabel(label)) {
    case proto::ShellLabel::Why: a = why(w); return true;
    case proto::ShellLabel::Policy: a = policy(m, w); return true;
    case proto::ShellLabel::Policies: a = policies(w); return true;
    case proto::ShellLabel::Trace:
        if (w[0] && !find_client(w[0])) {
            a.error = Error::NotFound;
            return true;
        }
        trace::set(w[0], w[1] != 0);
        return true;
    }
    return false;
}

} // namespace

RequestAnswer handle_request(uint64_t badge, const kapi::SyscallResult& m, CPtr received, bool& cap_taken)
{
    uint64_t w[ipc::max_message_words] {};
    for (unsigned i = 0; i < m.info.length(); ++i)
        w[i] = kapi::message_word(m, i, kapi::ipc_buffer());
    RequestAnswer a;
    auto label = Label(m.info.label());
    if (shell_request(m.info.label(), m, w, a))
        return a;
    if (badge == proto::control_badge) {
        switch (label) {
        case Label::NewClient: return new_client(m, w, received, cap_taken);
        case Label::EndClient:
            if (Client* c = find_client(w[0]))
                remove_client(*c);
            else
                a.error = Error::NotFound;
            return a;
        case Label::KillInfo: {
            Client* c = find_client(w[0]);
            if (!c || !c->last_kill.valid) {
                a.error = Error::NotFound;
                return a;
            }
            a.push(uint64_t(c->last_kill.reason));
            a.push(c->last_kill.address);
            a.push(c->last_kill.distance);
            a.push(c->last_kill.ip);
            return a;
        }
        case Label::Query: return query(w, 0);
        case Label::Stats: return stats();
        default: a.error = Error::InvalidArgument; return a;
        }
    }
    Client* client = find_client(badge);
    if (!client) {
        a.error = Error::NotFound;
        return a;
    }
    switch (label) {
    case Label::Mmap: return mmap(*client, w);
    case Label::Munmap: {
        auto range = PageRange::from_user(w[0], w[1]);
        if (range.is_error()) {
            a.error = range.error();
            return a;
        }
        if (auto removed = client->regions.remove(range.value()); removed.is_error()) {
            a.error = removed.error();
            return a;
        }
        release_pages(*client, range.value().start.get(), range.value().end.get());
        return a;
    }
    case Label::Mprotect: {
        auto range = PageRange::from_user(w[0], w[1]);
        auto prot = protection_from_bits(w[2]);
        if (range.is_error() || prot.is_error()) {
            a.error = range.is_error() ? range.error() : prot.error();
            return a;
        }
        // The same rule as mmap: a shared file mapping never becomes writable.
        for (const Region& r : client->regions.regions()) {
            bool overlaps = r.start < range.value().end && range.value().start < r.end;
            if (overlaps && r.type == RegionType::FileMmap && r.is_shared() && prot.value().writable()) {
                a.error = Error::InsufficientRights;
                return a;
            }
        }
        if (auto changed = client->regions.protect(range.value(), prot.value()); changed.is_error()) {
            a.error = changed.error();
            return a;
        }
        reprotect_pages(*client, range.value());
        return a;
    }
    case Label::Brk: {
        if (w[0] == 0) {
            a.push(client->regions.current_break().get());
            return a;
        }
        auto change = client->regions.set_break(VirtAddr(w[0]));
        if (change.is_error()) {
            a.error = change.error();
            return a;
        }
        release_pages(*client, change.value().released().start.get(), change.value().released().end.get());
        a.push(change.value().current.get());
        return a;
    }
    case Label::Query: return query(w, badge);
    case Label::Stats: return stats();
    default: a.error = Error::InvalidArgument; return a;
    }
}

} // namespace pager
