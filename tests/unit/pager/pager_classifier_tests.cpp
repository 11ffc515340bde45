// The fault classifier as a table: every region type, every access (read,
// write, execute), page present or not, with the decision written out by
// hand. Then guard distances, missing regions, bad stack pointers, stack
// growth and fault loops.

#include "pager_test_support.h"
#include <pager/classifier.h>
#include <set>
#include <string>

using ipc::FaultAccess;
using pager::Classification;
using pager::classify;
using pager::FaultDecision;
using pager::FaultInfo;
using pager::FaultLoopDetector;
using pager::prot_none;
using pager::prot_read;
using pager::prot_read_execute;
using pager::prot_read_write;
using pager::Region;
using pager::RegionFlags;
using pager::RegionMap;
using pager::RegionType;
using namespace pager_test;

namespace {

// One address space with a region of every kind (all addresses by hand).
constexpr uint64_t text = 0x40'0000, rodata = 0x40'2000, data = 0x40'3000, bss = 0x40'5000, heap = 0x40'7000;
constexpr uint64_t anon_map = 0x1000'0000, private_file = 0x1001'0000, shared_file = 0x1002'0000,
                   none_map = 0x1003'0000, thread_stack = 0x1004'0000, write_only = 0x1005'0000,
                   exec_only = 0x1006'0000;
constexpr uint64_t stack_top = 0x7000'0000'0000, stack_size = 8 << 20, guard_size = 64 << 10;
constexpr uint64_t stack_bottom = stack_top - stack_size, guard = stack_bottom - guard_size;
constexpr uint64_t lone_guard = 0x2000'0000, below_lone_guard = 0x1fff'0000; // a guard with nothing above

struct Space {
    RegionMap map;

    Space()
    {
        ok(map.insert(file(text, text + 0x2000, 1, 0x1000, 0x1800, prot_read_execute, RegionType::Text)));
        ok(map.insert(file(rodata, rodata + 0x1000, 1, 0x3000, 0x1000, prot_read, RegionType::RoData)));
        ok(map.insert(file(data, data + 0x2000, 1, 0x4000, 0x1100, prot_read_write, RegionType::Data)));
        ok(map.insert(anon(bss, bss + 0x2000, prot_read_write, RegionType::Bss)));
        ok(map.set_heap_start(va(heap)));
        REQUIRE(map.set_break(va(heap + 0x2000)).has_value());
        ok(map.insert(anon(anon_map, anon_map + 0x4000)));
        ok(map.insert(file(private_file, private_file + 0x4000, 2, 0, 0x4000)));
        ok(map.insert(file(shared_file, shared_file + 0x4000, 2, 0, 0x4000, prot_read_write,
                           RegionType::FileMmap, RegionFlags::shared)));
        ok(map.insert(anon(none_map, none_map + 0x4000, prot_none)));
        ok(map.insert(anon(write_only, write_only + 0x1000, pager::Protection { pager::Protection::write })));
        ok(map.insert(anon(exec_only, exec_only + 0x1000, pager::Protection { pager::Protection::execute })));
        ok(map.insert(anon(thread_stack, thread_stack + 0x10000, prot_read_write, RegionType::Stack,
                           RegionFlags::map_stack)));
        ok(map.insert(anon(below_lone_guard, lone_guard, prot_read_write)));
        ok(map.insert(anon(lone_guard, lone_guard + 0x1000, prot_none, RegionType::Guard)));
        ok(map.insert(anon(guard, stack_bottom, prot_none, RegionType::Guard)));
        ok(map.insert(
            anon(stack_bottom, stack_top, prot_read_write, RegionType::Stack, RegionFlags::grows_down)));
    }

    static void ok(ipc::Result<void> result) { REQUIRE(result.has_value()); }
};

constexpr uint64_t valid_sp = stack_top - 0x100;

FaultInfo fault(uint64_t address, uint64_t access, uint64_t sp = valid_sp, uint64_t ip = text + 0x10)
{
    return FaultInfo { va(address), access | FaultAccess::user, va(ip), va(sp) };
}

constexpr auto Z = FaultDecision::ZeroFill, F = FaultDecision::MapFromFile, C = FaultDecision::CopyOnWrite,
               U = FaultDecision::UpgradeRights, G = FaultDecision::GrowStack, H = FaultDecision::GuardHit,
               P = FaultDecision::ProtectionViolation;

struct Row {
    const char* what;
    uint64_t address;
    // read, write, execute; not present then present
    FaultDecision expected[3][2];
};

// Columns:                                  read      write     execute
//                                          np  p     np  p     np  p
const Row table[] = {
    { "text r-x", text + 0x123, { { F, U }, { P, P }, { F, U } } },
    { "rodata r--", rodata + 0x123, { { F, U }, { P, P }, { P, P } } },
    { "data rw- private file", data + 0x1123, { { F, U }, { F, C }, { P, P } } },
    { "bss rw-", bss + 0x123, { { Z, U }, { Z, C }, { P, P } } },
    { "heap rw-", heap + 0x1123, { { Z, U }, { Z, C }, { P, P } } },
    { "stack rw- grows down", stack_top - 0x2008, { { G, U }, { G, C }, { P, P } } },
    { "MAP_STACK stack rw-", thread_stack + 0x123, { { Z, U }, { Z, C }, { P, P } } },
    { "anon mmap rw-", anon_map + 0x123, { { Z, U }, { Z, C }, { P, P } } },
    { "private file mmap rw-", private_file + 0x123, { { F, U }, { F, C }, { P, P } } },
    { "shared file mmap rw-", shared_file + 0x123, { { F, U }, { F, U }, { P, P } } },
    { "PROT_NONE anon mmap", none_map + 0x123, { { P, P }, { P, P }, { P, P } } },
    { "PROT_WRITE anon mmap", write_only + 0x123, { { Z, U }, { Z, C }, { P, P } } }, // reads: as on x86
    { "PROT_EXEC anon mmap", exec_only + 0x123, { { Z, U }, { P, P }, { Z, U } } },
    { "guard ---", guard + 0x123, { { H, H }, { H, H }, { H, H } } },
};

const uint64_t accesses[3] = { FaultAccess::read, FaultAccess::write, FaultAccess::execute };
const char* const access_names[3] = { "read", "write", "execute" };

} // namespace

TEST_CASE("pager classifier: every region type x access x present bit")
{
    Space space;
    // Every region type is in the table at least once.
    std::set<RegionType> covered;
    for (const Row& row : table) {
        const Region* region = space.map.find(va(row.address));
        REQUIRE(region != nullptr);
        covered.insert(region->type);
    }
    CHECK(covered.size() == 9);

    size_t checked = 0;
    for (const Row& row : table) {
        for (size_t access = 0; access < 3; ++access) {
            for (size_t present = 0; present < 2; ++present) {
                FaultInfo info = fault(row.address, accesses[access] | (present ? FaultAccess::present : 0));
                Classification result = classify(space.map, info);
                INFO(row.what << ", " << access_names[access] << (present ? ", present" : ", not present")
                              << ": " << result.reason);
                CHECK(result.decision == row.expected[access][present]);
                CHECK(result.region == space.map.find(va(row.address)));
                CHECK(pager::is_fatal(result.decision) == (result.decision == P || result.decision == H));
                ++checked;
            }
        }
    }
    CHECK(checked == std::size(table) * 6);
}

TEST_CASE("pager classifier: a guard hit names the stack it guards and how far below it")
{
    Space space;
    const Region* stack = space.map.find(va(stack_bottom));

    Classification hit = classify(space.map, fault(stack_bottom - 8, FaultAccess::write));
    CHECK(hit.decision == FaultDecision::GuardHit);
    REQUIRE(hit.region != nullptr);
    CHECK(hit.region->type == RegionType::Guard);
    CHECK(hit.guarded == stack);
    CHECK(hit.guard_distance == 8);
    CHECK(std::string(hit.reason).find("stack overflow") != std::string::npos);

    CHECK(classify(space.map, fault(guard, FaultAccess::read)).guard_distance == guard_size);
    CHECK(classify(space.map, fault(stack_bottom - 1, FaultAccess::read)).guard_distance == 1);
    // The overflowing code moved sp into the guard: still a guard hit, not a bad sp.
    CHECK(classify(space.map, fault(stack_bottom - 0x20, FaultAccess::write, stack_bottom - 0x20)).decision
          == FaultDecision::GuardHit);
    // Just above the guard is the stack itself.
    CHECK(classify(space.map, fault(stack_bottom, FaultAccess::write)).decision == FaultDecision::GrowStack);

    // With nothing above, a guard protects the region below it: the first byte past its end is 1.
    Classification overrun = classify(space.map, fault(lone_guard + 0x10, FaultAccess::write));
    CHECK(overrun.decision == FaultDecision::GuardHit);
    REQUIRE(overrun.guarded != nullptr);
    CHECK(overrun.guarded->start == va(below_lone_guard));
    CHECK(overrun.guard_distance == 0x11);
}

TEST_CASE("pager classifier: no region is an invalid address")
{
    Space space;
    for (uint64_t address : { uint64_t(0), uint64_t(0x8), text - 1, heap + 0x2000, anon_map + 0x4000,
                              stack_top, ipc::user_space_end, uint64_t(0xffff'ffff'8000'0000) }) {
        CAPTURE(va(address));
        Classification result = classify(space.map, fault(address, FaultAccess::read));
        CHECK(result.decision == FaultDecision::InvalidAddress);
        CHECK(result.region == nullptr);
        CHECK(pager::is_fatal(result.decision));
    }
}

TEST_CASE("pager classifier: the stack pointer must be inside a stack")
{
    Space space;
    const uint64_t good_fault = anon_map + 0x10;
    auto decide = [&](uint64_t sp) {
        return classify(space.map, fault(good_fault, FaultAccess::write, sp)).decision;
    };

    CHECK(decide(valid_sp) == FaultDecision::ZeroFill);
    CHECK(decide(stack_top) == FaultDecision::ZeroFill);              // a fresh thread, before its first push
    CHECK(decide(stack_bottom) == FaultDecision::ZeroFill);           // the lowest byte
    CHECK(decide(thread_stack + 0x10000) == FaultDecision::ZeroFill); // top of a MAP_STACK stack
    CHECK(decide(thread_stack + 0x800) == FaultDecision::ZeroFill);

    CHECK(decide(stack_bottom - 8) == FaultDecision::BadStackPointer); // in the guard
    CHECK(decide(heap + 0x100) == FaultDecision::BadStackPointer);     // a stack on the heap
    CHECK(decide(anon_map + 0x100) == FaultDecision::BadStackPointer);
    CHECK(decide(stack_top + 8) == FaultDecision::BadStackPointer);
    CHECK(decide(0) == FaultDecision::BadStackPointer);
    // A bad sp wins over an invalid address: it is the better explanation.
    CHECK(classify(space.map, fault(0, FaultAccess::read, 0)).decision == FaultDecision::BadStackPointer);
}

TEST_CASE("pager classifier: the main stack grows below its populated bottom, zero-fills above it")
{
    Space space;
    Region* stack = space.map.find(va(stack_top - 1));
    REQUIRE(stack != nullptr);
    CHECK(stack->stack_bottom == va(stack_top)); // untouched

    CHECK(classify(space.map, fault(stack_top - 8, FaultAccess::write)).decision == FaultDecision::GrowStack);
    pager::note_stack_growth(*stack, va(stack_top - 8));
    CHECK(stack->stack_bottom == va(stack_top - page));
    pager::note_stack_growth(*stack, va(stack_top - 0x5000 + 0x10)); // a big frame skipped pages
    CHECK(stack->stack_bottom == va(stack_top - 0x5000));
    pager::note_stack_growth(*stack, va(stack_top - 8)); // never moves back up
    pager::note_stack_growth(*stack, va(guard));         // nor outside the stack
    CHECK(stack->stack_bottom == va(stack_top - 0x5000));

    CHECK(classify(space.map, fault(stack_top - 0x3000, FaultAccess::write)).decision
          == FaultDecision::ZeroFill);
    CHECK(classify(space.map, fault(stack_top - 0x5000, FaultAccess::write)).decision
          == FaultDecision::ZeroFill);
    CHECK(classify(space.map, fault(stack_top - 0x5001, FaultAccess::write)).decision
          == FaultDecision::GrowStack);
    CHECK(classify(space.map, fault(stack_bottom, FaultAccess::read)).decision == FaultDecision::GrowStack);
}

TEST_CASE("pager classifier: a fault that keeps coming back is a loop")
{
    Space space;
    FaultLoopDetector loops;
    FaultInfo same = fault(anon_map + 0x10, FaultAccess::write);

    // The first one and max_repeats repeats are answered normally.
    for (uint32_t i = 0; i <= FaultLoopDetector::max_repeats; ++i) {
        CAPTURE(i);
        CHECK(classify(space.map, same, loops).decision == FaultDecision::ZeroFill);
    }
    Classification looping = classify(space.map, same, loops);
    CHECK(looping.decision == FaultDecision::FaultLoop);
    CHECK(looping.region == space.map.find(va(anon_map)));
    CHECK(pager::is_fatal(looping.decision));
    // Another byte of the same page at the same ip is the same fault.
    CHECK(classify(space.map, fault(anon_map + 0xff8, FaultAccess::read), loops).decision
          == FaultDecision::FaultLoop);

    // A different ip or page starts counting again.
    CHECK(
        classify(space.map, fault(anon_map + 0x10, FaultAccess::write, valid_sp, text + 0x20), loops).decision
        == FaultDecision::ZeroFill);
    CHECK(loops.repeats() == 0);
    CHECK_FALSE(loops.observe(fault(anon_map + 0x10, FaultAccess::write, valid_sp, text + 0x20)));
    CHECK_FALSE(loops.observe(fault(anon_map + 0x1010, FaultAccess::write, valid_sp, text + 0x20)));
    CHECK(loops.repeats() == 0);

    // The legitimate pattern: map a shared page on read, copy it on write.
    FaultLoopDetector fresh;
    CHECK(classify(space.map, fault(data + 0x10, FaultAccess::read), fresh).decision
          == FaultDecision::MapFromFile);
    CHECK(classify(space.map, fault(data + 0x10, FaultAccess::write | FaultAccess::present), fresh).decision
          == FaultDecision::CopyOnWrite);

    loops.reset();
    CHECK(loops.repeats() == 0);
    CHECK_FALSE(loops.observe(same));
}

// The pager looks a fault's region up once, in classify(), and updates the
// region it returns (RegionMap::writable): for every decision that region
// must be exactly the one holding the address.
TEST_CASE("pager classifier: the classification's region is the region at the address, whatever the decision")
{
    Space space;
    FaultLoopDetector loops;
    struct Case {
        FaultInfo info;
        FaultDecision expected;
    };
    const Case cases[] = {
        { fault(anon_map + 0x10, FaultAccess::write), FaultDecision::ZeroFill },
        { fault(text + 0x10, FaultAccess::execute), FaultDecision::MapFromFile },
        { fault(data + 0x10, FaultAccess::write | FaultAccess::present), FaultDecision::CopyOnWrite },
        { fault(shared_file + 0x10, FaultAccess::write | FaultAccess::present),
          FaultDecision::UpgradeRights },
        { fault(stack_top - 0x2008, FaultAccess::write), FaultDecision::GrowStack },
        { fault(guard + 0x10, FaultAccess::write), FaultDecision::GuardHit },
        { fault(rodata + 0x10, FaultAccess::write), FaultDecision::ProtectionViolation },
        { fault(0x10, FaultAccess::read), FaultDecision::InvalidAddress },
        { fault(anon_map + 0x10, FaultAccess::write, heap + 0x100), FaultDecision::BadStackPointer },
        { fault(0x10, FaultAccess::write, heap + 0x100), FaultDecision::BadStackPointer },
    };
    for (const Case& c : cases) {
        CAPTURE(c.info.address);
        loops.reset();
        Classification result = classify(space.map, c.info, loops);
        CHECK(result.decision == c.expected);
        CHECK(result.region == space.map.find(c.info.address));
        CHECK(space.map.writable(result.region) == space.map.find(c.info.address));
    }
    // A loop names the region at the address too (or none).
    for (uint64_t address : { uint64_t(anon_map + 0x10), uint64_t(0x10) }) {
        loops.reset();
        Classification result;
        for (uint32_t i = 0; i <= FaultLoopDetector::max_repeats + 1; ++i)
            result = classify(space.map, fault(address, FaultAccess::read, valid_sp), loops);
        CHECK(result.decision == FaultDecision::FaultLoop);
        CHECK(space.map.writable(result.region) == space.map.find(va(address)));
    }
}

TEST_CASE("pager classifier: reasons and names")
{
    Space space;
    CHECK(std::string(classify(space.map, fault(data + 0x10, FaultAccess::execute)).reason).find("NX")
          != std::string::npos);
    CHECK(std::string(classify(space.map, fault(text + 0x10, FaultAccess::write)).reason).find("read-only")
          != std::string::npos);
    CHECK(std::string(classify(space.map, fault(none_map, FaultAccess::read)).reason).find("PROT_NONE")
          != std::string::npos);

    std::set<std::string> names;
    for (int d = 0; d <= int(FaultDecision::FaultLoop); ++d)
        names.insert(pager::fault_decision_name(FaultDecision(d)));
    CHECK(names.size() == size_t(FaultDecision::FaultLoop) + 1);
    CHECK(names.count("unknown") == 0);

    using ipc::proto::pager::KillReason;
    CHECK(pager::kill_reason(FaultDecision::GuardHit) == KillReason::GuardHit);
    CHECK(pager::kill_reason(FaultDecision::ProtectionViolation) == KillReason::ProtectionViolation);
    CHECK(pager::kill_reason(FaultDecision::InvalidAddress) == KillReason::InvalidAddress);
    CHECK(pager::kill_reason(FaultDecision::BadStackPointer) == KillReason::BadStackPointer);
    CHECK(pager::kill_reason(FaultDecision::FaultLoop) == KillReason::FaultLoop);

    // What the pager's fault loop does with the kernel's words: decode, then
    // FaultInfo::from_message. The words are written here in wire order
    // (address, ip, sp, access), not in FaultInfo's field order.
    const uint64_t wire[5] = { 0x1234, 0x40'0010, 0x7fff'0000,
                               FaultAccess::write | FaultAccess::present | FaultAccess::user, 77 };
    auto message = ipc::FaultMessage::decode(ipc::MessageInfo(0x1000, 5), wire);
    REQUIRE(message.has_value());
    REQUIRE(message.value().is_page_fault());
    FaultInfo info = FaultInfo::from_message(message.value().page_fault());
    CHECK(info.address == va(0x1234));
    CHECK(info.ip == va(0x40'0010));
    CHECK(info.sp == va(0x7fff'0000));
    CHECK(info.is_write());
    CHECK(info.is_present());
    CHECK_FALSE(info.is_execute());
    CHECK_FALSE(info.is_read());
}
