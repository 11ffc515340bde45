// The user/kernel ABI in libipc: the message info word, the layouts the
// kernel and user programs share (IPC buffer, root boot info, kernel
// stats), rights, and the fault message. Offsets are spelled out as numbers
// because they are a contract: assembly, other languages or an older build
// may rely on them.

#include <cstddef>
#include <cstring>
#include <doctest/doctest.h>
#include <ipc/fault.h>
#include <ipc/message.h>
#include <ipc/object.h>
#include <ipc/root_boot_info.h>
#include <ipc/syscall.h>
#include <object/capability.h>
#include <string_view>
#include <type_traits>

using ipc::MessageInfo;
using ipc::Rights;

TEST_CASE("message info: label, caps and length land in their bit fields")
{
    MessageInfo info(0x1234, 5, 2);
    CHECK(info.raw() == 0x0000'1234'0000'0205ull);
    CHECK(info.label() == 0x1234);
    CHECK(info.length() == 5);
    CHECK(info.extra_caps() == 2);
    CHECK(info.clamped_length() == 5);

    MessageInfo widest(0xffff'ffff, 127, 3);
    CHECK(widest.raw() == 0xffff'ffff'0000'037full);
    CHECK(widest.label() == 0xffff'ffffu);
    CHECK(widest.length() == 127);
    CHECK(widest.extra_caps() == 3);

    CHECK(MessageInfo().raw() == 0);
    CHECK(MessageInfo(7, 0).raw() == 0x0000'0007'0000'0000ull);
    CHECK(MessageInfo(0, 0, 1).raw() == 0x100);
    CHECK(MessageInfo(0, 64).raw() == 64);
}

TEST_CASE("message info: out-of-range fields are masked, never spill into neighbours")
{
    // Length has 7 bits, extra caps 2: bigger values are cut, not carried.
    CHECK(MessageInfo(0, 128).raw() == 0);
    CHECK(MessageInfo(0, 200).length() == 200 - 128);
    CHECK(MessageInfo(0, 0, 4).raw() == 0);
    CHECK(MessageInfo(0, 0, 7).extra_caps() == 3);
    CHECK(MessageInfo(1, 0xffff'ffffu, 0xffff'ffffu).raw() == 0x0000'0001'0000'037full);
}

TEST_CASE("message info: from_raw ignores the unused bits but keeps them in raw()")
{
    auto all = MessageInfo::from_raw(~0ull);
    CHECK(all.raw() == ~0ull);
    CHECK(all.label() == 0xffff'ffffu);
    CHECK(all.length() == 127);
    CHECK(all.extra_caps() == 3);

    // Bit 7 and bits 10-31 belong to no field.
    auto junk = MessageInfo::from_raw(0x0000'0000'ffff'fc80ull);
    CHECK(junk.label() == 0);
    CHECK(junk.length() == 0);
    CHECK(junk.extra_caps() == 0);

    auto round_trip = MessageInfo::from_raw(MessageInfo(0xabc, 9, 1).raw());
    CHECK(round_trip.label() == 0xabc);
    CHECK(round_trip.length() == 9);
    CHECK(round_trip.extra_caps() == 1);
}

TEST_CASE("message info: clamped_length never exceeds max_message_words")
{
    static_assert(ipc::max_message_words == 64);
    for (unsigned length = 0; length <= 127; ++length) {
        CAPTURE(length);
        auto info = MessageInfo::from_raw(length);
        CHECK(info.clamped_length() == (length <= 64 ? length : 64));
    }
    // Usable in constant expressions, as the kernel's fast path does.
    static_assert(MessageInfo(3, 100).clamped_length() == 64);
    static_assert(MessageInfo::from_raw(0x4'0000'0041).label() == 4);
}

TEST_CASE("ipc buffer: layout")
{
    static_assert(std::is_standard_layout_v<ipc::IpcBuffer>);
    CHECK(offsetof(ipc::IpcBuffer, words) == 0);
    CHECK(offsetof(ipc::IpcBuffer, caps) == 64 * 8);
    CHECK(offsetof(ipc::IpcBuffer, receive_slot) == 67 * 8);
    CHECK(offsetof(ipc::IpcBuffer, received_badges) == 68 * 8);
    CHECK(offsetof(ipc::IpcBuffer, user_data) == 71 * 8);
    CHECK(sizeof(ipc::IpcBuffer) == 72 * 8);
    CHECK(sizeof(ipc::IpcBuffer) <= 4096);
    CHECK(ipc::register_message_words == 4);
    CHECK(ipc::max_extra_caps == 3);
    CHECK(ipc::null_cptr == 0);
}

TEST_CASE("rights: has needs every requested bit, masked only removes bits")
{
    Rights all;
    CHECK(all.bits == 15);
    CHECK(all.has(Rights::read));
    CHECK(all.has(Rights::read | Rights::write | Rights::execute | Rights::grant));
    CHECK(all.has(0));

    Rights read_only = all.masked(Rights::read);
    CHECK(read_only.bits == Rights::read);
    CHECK(read_only.has(Rights::read));
    CHECK_FALSE(read_only.has(Rights::write));
    CHECK_FALSE(read_only.has(Rights::read | Rights::write));
    CHECK(read_only.has(0));

    // Masking can never add a right.
    CHECK(read_only.masked(Rights::all) == read_only);
    CHECK(read_only.masked(Rights::write).bits == 0);
    CHECK(Rights { 0 }.masked(0xff).bits == 0);
    CHECK(Rights { Rights::grant }.masked(0xf0).bits == 0);
    CHECK(Rights { Rights::read | Rights::grant }.masked(Rights::grant | Rights::write)
          == Rights { Rights::grant });
    CHECK_FALSE(Rights { Rights::read } == Rights { Rights::write });

    // The rights are distinct single bits.
    CHECK((Rights::read | Rights::write | Rights::execute | Rights::grant) == Rights::all);
    CHECK((Rights::read & Rights::write) == 0);
    CHECK((Rights::execute & Rights::grant) == 0);
}

TEST_CASE("root boot info: layout and fixed slots")
{
    using ipc::RootBootInfo;
    static_assert(std::is_standard_layout_v<RootBootInfo>);
    CHECK(sizeof(ipc::UntypedDescriptor) == 16);
    CHECK(sizeof(ipc::ModuleDescriptor) == 64);
    CHECK(offsetof(ipc::ModuleDescriptor, size) == 32);
    CHECK(offsetof(ipc::ModuleDescriptor, mapped_at) == 56);

    CHECK(offsetof(RootBootInfo, magic) == 0);
    CHECK(offsetof(RootBootInfo, first_free_slot) == 8);
    CHECK(offsetof(RootBootInfo, cnode_radix) == 16);
    CHECK(offsetof(RootBootInfo, ipc_buffer_address) == 24);
    CHECK(offsetof(RootBootInfo, first_untyped) == 32);
    CHECK(offsetof(RootBootInfo, untyped_count) == 40);
    CHECK(offsetof(RootBootInfo, untyped) == 48);
    CHECK(offsetof(RootBootInfo, module_count) == 48 + 128 * 16);
    CHECK(offsetof(RootBootInfo, modules) == 56 + 128 * 16);
    CHECK(offsetof(RootBootInfo, command_line) == 56 + 128 * 16 + 16 * 64);
    CHECK(sizeof(RootBootInfo) == 56 + 128 * 16 + 16 * 64 + 512);
    CHECK(sizeof(RootBootInfo) <= 4096);

    // The magic number spells "faultlin", most significant byte first.
    char spelled[9] = {};
    for (int i = 0; i < 8; ++i)
        spelled[i] = char(RootBootInfo::magic_value >> (56 - 8 * i));
    CHECK(std::string_view(spelled) == "faultlin");

    CHECK(ipc::root_slot_null == 0);
    CHECK(ipc::root_slot_tcb == 1);
    CHECK(ipc::root_slot_cnode == 2);
    CHECK(ipc::root_slot_vspace == 3);
    CHECK(ipc::root_slot_irq_control == 4);
    CHECK(ipc::root_slot_io_ports == 5);
    CHECK(ipc::root_slot_boot_info == 6);
    CHECK(ipc::root_slot_ipc_buffer == 7);
    CHECK(ipc::root_slot_first_dynamic == 8);
    CHECK((1u << ipc::root_cnode_radix) == 4096);
}

TEST_CASE("object sizes agree with the kernel's own structures")
{
    // A CNode of radix r takes r + slot_size_bits bits: that only holds if a
    // Slot is exactly 1 << slot_size_bits bytes.
    CHECK((size_t(1) << ipc::slot_size_bits) == sizeof(kernel::Slot));
    CHECK(sizeof(kernel::Capability) == 32);
    CHECK((size_t(1) << ipc::frame_size_bits) == 4096);
    CHECK(ipc::min_untyped_bits == ipc::frame_size_bits);
    CHECK(ipc::max_cnode_radix + ipc::slot_size_bits <= ipc::max_untyped_bits);
    CHECK(ipc::root_cnode_radix <= ipc::max_cnode_radix);
    CHECK(ipc::endpoint_size_bits >= 6);
}

TEST_CASE("syscall ABI: numbers and the kernel stats layout")
{
    using ipc::Syscall;
    CHECK(uint64_t(Syscall::DebugPrint) == 0);
    CHECK(uint64_t(Syscall::Call) == 2);
    CHECK(uint64_t(Syscall::Recv) == 5);
    CHECK(uint64_t(Syscall::ReplyRecv) == 8);
    CHECK(uint64_t(Syscall::DebugStats) == 10);
    CHECK(uint64_t(Syscall::Null) == 11);
    CHECK(uint64_t(Syscall::Count) == 12);

    using ipc::KernelStats;
    static_assert(std::is_standard_layout_v<KernelStats>);
    CHECK(sizeof(KernelStats) == 6 * 8);
    CHECK(offsetof(KernelStats, frames_free) == 0);
    CHECK(offsetof(KernelStats, frames_mapped) == 8);
    CHECK(offsetof(KernelStats, untyped_free_bytes) == 16);
    CHECK(offsetof(KernelStats, objects_live) == 24);
    CHECK(offsetof(KernelStats, threads_live) == 32);
    CHECK(offsetof(KernelStats, ticks) == 40);
}
