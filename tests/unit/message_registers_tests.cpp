// The kernel's arch view of the IPC registers (arch::MessageRegisters, the
// table in arch/x86_64/trap_frame.h) against the convention user code is
// built with (ipc/syscall.h and kapi::syscall): message word i, the badge,
// the info word and the error land where userspace reads them, and the
// fault path's message and replies pass through it unchanged.
#include "arch/arch.h"
#include <doctest/doctest.h>
#include <ipc/fault.h>
#include <ipc/proto/badges.h>

namespace {

using arch::MessageRegisters;
using arch::TrapFrame;

TrapFrame numbered_frame()
{
    TrapFrame frame {};
    uint64_t* raw = reinterpret_cast<uint64_t*>(&frame);
    for (unsigned i = 0; i < sizeof(TrapFrame) / sizeof(uint64_t); ++i)
        raw[i] = 0x1000 + i;
    return frame;
}

} // namespace

TEST_CASE("message registers: word i is rdx, r10, r8, r9 as ipc/syscall.h says")
{
    TrapFrame frame = numbered_frame();
    MessageRegisters registers(frame);
    CHECK(MessageRegisters::word_count == ipc::register_message_words);
    CHECK(registers.word(0) == frame.rdx);
    CHECK(registers.word(1) == frame.r10);
    CHECK(registers.word(2) == frame.r8);
    CHECK(registers.word(3) == frame.r9);
    CHECK(registers.cptr() == frame.rdi);
    CHECK(registers.info().raw() == frame.rsi);
    CHECK(registers.syscall_number() == frame.rax);
    CHECK(registers.debug_argument(0) == frame.rdi);
    CHECK(registers.debug_argument(1) == frame.rsi);

    registers.set_word(0, 10);
    registers.set_word(1, 11);
    registers.set_word(2, 12);
    registers.set_word(3, 13);
    registers.set_badge(0xbad6e);
    registers.set_info(ipc::MessageInfo(0x1000, 5));
    registers.set_error(ipc::Error::Busy);
    CHECK(frame.rdx == 10);
    CHECK(frame.r10 == 11);
    CHECK(frame.r8 == 12);
    CHECK(frame.r9 == 13);
    CHECK(frame.rdi == 0xbad6e);
    CHECK(frame.rsi == ipc::MessageInfo(0x1000, 5).raw());
    CHECK(frame.rax == uint64_t(ipc::Error::Busy));
    registers.set_entry_argument(0x5000);
    CHECK(frame.rdi == 0x5000);
}

TEST_CASE("message registers: read_words and write_words touch only the four registers")
{
    TrapFrame frame = numbered_frame();
    TrapFrame before = frame;
    MessageRegisters registers(frame);
    uint64_t five[5] = { 1, 2, 3, 4, 5 };
    registers.write_words(five);
    CHECK(frame.rdx == 1);
    CHECK(frame.r9 == 4);
    CHECK(frame.rdi == before.rdi); // the fifth word has no register
    CHECK(frame.rsi == before.rsi);
    CHECK(frame.rax == before.rax);
    CHECK(frame.rbx == before.rbx);

    uint64_t read[6] = { 9, 9, 9, 9, 9, 9 };
    registers.read_words(read);
    CHECK(read[0] == 1);
    CHECK(read[3] == 4);
    CHECK(read[4] == 9); // left alone
    uint64_t two[2] = {};
    registers.read_words(two);
    CHECK(two[1] == 2);
}

TEST_CASE("message registers: a fault message set as received, a reply read back through the codecs")
{
    TrapFrame frame = numbered_frame();
    MessageRegisters registers(frame);
    const uint64_t fault_badge = ipc::proto::Badge::fault_of(3).raw();
    ipc::PageFault fault { .address = ipc::VirtAddr(0xdead'0000),
                           .ip = ipc::VirtAddr(0x40'1000),
                           .sp = ipc::VirtAddr(0x7fff'0000),
                           .access = ipc::FaultAccess::write,
                           .timestamp = 5 };
    auto encoded = fault.encode(false);
    registers.set_message(fault_badge, encoded.info, encoded.words);
    CHECK(frame.rax == 0);
    CHECK(frame.rdi == fault_badge);
    uint64_t words[ipc::PageFault::max_length] {};
    registers.read_words(words);
    auto decoded = ipc::PageFault::decode(registers.info(), words);
    REQUIRE(decoded.has_value());
    fault.timestamp = 0; // four words: no timestamp
    CHECK(decoded.value() == fault);

    ipc::MapNewReply reply {
        .frame_slot = 7, .address = ipc::VirtAddr(0x1000), .rights = ipc::Rights { 3 }, .untyped = 8
    };
    auto answer = reply.encode();
    registers.set_message(0, answer.info, answer.words);
    uint64_t reply_words[ipc::register_message_words];
    registers.read_words(reply_words);
    auto read_back = ipc::MapNewReply::decode(registers.info(), reply_words);
    REQUIRE(read_back.has_value());
    CHECK(read_back.value() == reply);
}

TEST_CASE("general registers: TcbReadRegisters order after rip, rsp, rflags")
{
    TrapFrame frame = numbered_frame();
    CHECK(arch::general_register_count == 15);
    const uint64_t expected[]
        = { frame.rax, frame.rbx, frame.rcx, frame.rdx, frame.rsi, frame.rdi, frame.rbp, frame.r8,
            frame.r9,  frame.r10, frame.r11, frame.r12, frame.r13, frame.r14, frame.r15 };
    for (unsigned i = 0; i < arch::general_register_count; ++i) {
        CAPTURE(i);
        CHECK(arch::general_register(frame, i) == expected[i]);
    }
    arch::general_register(frame, 7) = 77;
    CHECK(frame.r8 == 77);
}
