// Multiboot (version 1) information parsing: a structure laid out the way
// QEMU's -kernel loader builds it, in a fake physical memory, then one test
// per way it can be broken.

#include <bootinfo/multiboot1.h>
#include <cstring>
#include <doctest/doctest.h>
#include <memory>
#include <string>
#include <vector>

using ipc::Error;
using kernel::bootinfo::BootInfo;
using kernel::bootinfo::BootStrings;
using kernel::bootinfo::MemoryType;
using kernel::bootinfo::parse_multiboot1;
using kernel::bootinfo::PhysicalWindow;

namespace {

constexpr uint32_t flag_command_line = 1u << 2;
constexpr uint32_t flag_modules = 1u << 3;
constexpr uint32_t flag_memory_map = 1u << 6;
constexpr uint32_t flag_bootloader_name = 1u << 9;

// 64 KiB of "physical memory" at 0x10000. The information structure is at
// 0x10000; strings, the module list and the memory map follow where
// place() puts them, so every test can break one field.
class FakeMemory {
public:
    static constexpr uint64_t base = 0x10000;
    static constexpr uint64_t info = base;

    FakeMemory() : bytes(0x10000, 0) { next = info + 0x100; }

    uint64_t place(const void* data, size_t size)
    {
        uint64_t at = next;
        std::memcpy(&bytes[at - base], data, size);
        next += (size + 15) & ~size_t(15);
        return at;
    }
    uint64_t place_string(const std::string& text) { return place(text.c_str(), text.size() + 1); }

    void put32(uint64_t address, uint32_t value) { std::memcpy(&bytes[address - base], &value, 4); }
    void put64(uint64_t address, uint64_t value) { std::memcpy(&bytes[address - base], &value, 8); }
    uint32_t get32(uint64_t address) const
    {
        uint32_t v;
        std::memcpy(&v, &bytes[address - base], 4);
        return v;
    }

    void set_flag(uint32_t flag) { put32(info, get32(info) | flag); }

    void command_line(const std::string& text)
    {
        put32(info + 16, uint32_t(place_string(text)));
        set_flag(flag_command_line);
    }
    void bootloader_name(const std::string& text)
    {
        put32(info + 64, uint32_t(place_string(text)));
        set_flag(flag_bootloader_name);
    }
    struct ModuleSpec {
        uint32_t start, end;
        std::string text;
    };
    void modules(const std::vector<ModuleSpec>& list)
    {
        std::vector<uint32_t> words;
        for (auto& m : list)
            words.insert(words.end(), { m.start, m.end, uint32_t(place_string(m.text)), 0 });
        uint64_t at = words.empty() ? next : place(words.data(), words.size() * 4);
        put32(info + 20, uint32_t(list.size()));
        put32(info + 24, uint32_t(at));
        set_flag(flag_modules);
    }
    struct Region {
        uint64_t base, length;
        uint32_t type;
    };
    // Each entry: u32 size (20 unless given), u64 base, u64 length, u32 type.
    void memory_map(const std::vector<Region>& regions, uint32_t entry_size = 20)
    {
        std::vector<uint8_t> map;
        for (auto& r : regions) {
            size_t at = map.size();
            map.resize(at + 4 + entry_size, 0);
            std::memcpy(&map[at], &entry_size, 4);
            std::memcpy(&map[at + 4], &r.base, 8);
            std::memcpy(&map[at + 12], &r.length, 8);
            std::memcpy(&map[at + 20], &r.type, 4);
        }
        uint64_t at = place(map.data(), map.size());
        put32(info + 44, uint32_t(map.size()));
        put32(info + 48, uint32_t(at));
        set_flag(flag_memory_map);
    }

    PhysicalWindow window() const { return { base, bytes.data(), bytes.size() }; }

    std::vector<uint8_t> bytes;
    uint64_t next;
};

// A boot as QEMU makes it for the benchmark image.
FakeMemory qemu_like()
{
    FakeMemory m;
    m.command_line("/work/build/kernel/kernel.elf init.run=/bin/bench:4:1 pager.pool=64");
    m.bootloader_name("qemu");
    m.modules({ { 0x200000, 0x210000, "/work/build/servers/init/init.elf init" },
                { 0x210000, 0x210000, "/work/build/user/empty pager" },
                { 0x211000, 0x215432, "/work/build/user/bench/bench-initrd.cpio" } });
    m.memory_map(
        { { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0x100000, 0xfee0000, 1 }, { 0xfffc0000, 0x40000, 2 } });
    return m;
}

} // namespace

TEST_CASE("a structure as QEMU builds it: command line without the kernel path, module names, memory map")
{
    auto memory = qemu_like();
    auto strings = std::make_unique<BootStrings>();
    auto parsed = parse_multiboot1(memory.window(), FakeMemory::info, *strings);
    REQUIRE_FALSE(parsed.is_error());
    const BootInfo& boot = parsed.value();
    CHECK(std::string(boot.command_line) == "init.run=/bin/bench:4:1 pager.pool=64");
    CHECK(std::string(boot.bootloader_name) == "qemu");
    REQUIRE(boot.module_count == 3);
    CHECK(std::string(boot.modules[0].name) == "init");
    CHECK(boot.modules[0].range.base == ipc::PhysAddr(0x200000));
    CHECK(boot.modules[0].range.size == 0x10000);
    CHECK(std::string(boot.modules[1].name) == "pager");
    CHECK(boot.modules[1].range.size == 0);
    // No name after the path: the path's last component.
    CHECK(std::string(boot.modules[2].name) == "bench-initrd.cpio");
    CHECK(boot.modules[2].range.size == 0x4432);
    REQUIRE(boot.has_memory_map);
    REQUIRE(boot.memory_region_count == 4);
    CHECK(boot.memory[0].type == MemoryType::Available);
    CHECK(boot.memory[1].type == MemoryType::Reserved);
    CHECK(boot.memory[2].range.base == ipc::PhysAddr(0x100000));
    CHECK(boot.memory[2].range.size == 0xfee0000);
    CHECK(boot.memory[3].type == MemoryType::Reserved);
}

TEST_CASE("the strings are copies: overwriting the loader's memory afterwards changes nothing")
{
    auto memory = qemu_like();
    auto strings = std::make_unique<BootStrings>();
    auto parsed = parse_multiboot1(memory.window(), FakeMemory::info, *strings);
    REQUIRE_FALSE(parsed.is_error());
    std::fill(memory.bytes.begin(), memory.bytes.end(), 'x');
    CHECK(std::string(parsed.value().command_line) == "init.run=/bin/bench:4:1 pager.pool=64");
    CHECK(std::string(parsed.value().modules[0].name) == "init");
}

TEST_CASE("a command line that is only the kernel path, or absent, is empty")
{
    auto strings = std::make_unique<BootStrings>();
    FakeMemory only_path;
    only_path.command_line("  /boot/kernel.elf  ");
    auto parsed = parse_multiboot1(only_path.window(), FakeMemory::info, *strings);
    REQUIRE_FALSE(parsed.is_error());
    CHECK(std::string(parsed.value().command_line).empty());

    FakeMemory none;
    auto bare = parse_multiboot1(none.window(), FakeMemory::info, *strings);
    REQUIRE_FALSE(bare.is_error());
    CHECK(std::string(bare.value().command_line).empty());
    CHECK(bare.value().module_count == 0);
    CHECK_FALSE(bare.value().has_memory_map);
}

TEST_CASE("every address outside the readable window is refused as truncated")
{
    auto strings = std::make_unique<BootStrings>();
    SUBCASE("the information structure itself")
    {
        FakeMemory m;
        CHECK(parse_multiboot1(m.window(), FakeMemory::base - 4, *strings).error() == Error::Truncated);
        CHECK(parse_multiboot1(m.window(), FakeMemory::base + 0x10000 - 40, *strings).error()
              == Error::Truncated);
        CHECK(parse_multiboot1(m.window(), ~uint64_t(0) - 8, *strings).error() == Error::Truncated);
    }
    SUBCASE("the command line")
    {
        FakeMemory m;
        m.set_flag(flag_command_line);
        m.put32(FakeMemory::info + 16, 0x100);
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::Truncated);
    }
    SUBCASE("a string without a NUL before the window ends")
    {
        FakeMemory m;
        std::fill(m.bytes.end() - 16, m.bytes.end(), 'a');
        m.set_flag(flag_bootloader_name);
        m.put32(FakeMemory::info + 64, uint32_t(FakeMemory::base + 0x10000 - 16));
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::Truncated);
    }
    SUBCASE("the module list")
    {
        auto m = qemu_like();
        m.put32(FakeMemory::info + 24, 0xfff0); // below the window
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::Truncated);
        m.put32(FakeMemory::info + 24, uint32_t(FakeMemory::base + 0x10000 - 16)); // 3 entries, room for 1
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::Truncated);
    }
    SUBCASE("a module's string")
    {
        auto m = qemu_like();
        uint32_t list = m.get32(FakeMemory::info + 24);
        m.put32(list + 16 + 8, 0x7fffffff);
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::Truncated);
    }
    SUBCASE("the memory map")
    {
        auto m = qemu_like();
        m.put32(FakeMemory::info + 44, 0xffffffff);
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::Truncated);
    }
}

TEST_CASE("malformed modules and memory maps")
{
    auto strings = std::make_unique<BootStrings>();
    SUBCASE("a module that ends before it starts")
    {
        FakeMemory m;
        m.modules({ { 0x300000, 0x2fffff, "/m x" } });
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::Malformed);
    }
    SUBCASE("a memory map entry smaller than its fields")
    {
        FakeMemory m;
        m.memory_map({ { 0, 0x1000, 1 } }, 16);
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::Malformed);
    }
    SUBCASE("an entry whose size runs past the map's length")
    {
        FakeMemory m;
        m.memory_map({ { 0, 0x1000, 1 }, { 0x1000, 0x1000, 1 } });
        uint32_t map = m.get32(FakeMemory::info + 48);
        m.put32(map + 24, 40);
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::Malformed);
    }
    SUBCASE("a partial trailing entry")
    {
        FakeMemory m;
        m.memory_map({ { 0, 0x1000, 1 } });
        m.put32(FakeMemory::info + 44, 24 + 10);
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::Malformed);
    }
    SUBCASE("a region whose end does not fit in 64 bits")
    {
        FakeMemory m;
        m.memory_map({ { 0xfffffffffffff000, 0x2000, 1 } });
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::Malformed);
    }
    SUBCASE("larger entries than the fields we read are stepped over by their size")
    {
        FakeMemory m;
        m.memory_map({ { 0, 0x1000, 1 }, { 0x100000, 0x2000, 3 } }, 28);
        auto parsed = parse_multiboot1(m.window(), FakeMemory::info, *strings);
        REQUIRE_FALSE(parsed.is_error());
        REQUIRE(parsed.value().memory_region_count == 2);
        CHECK(parsed.value().memory[1].type == MemoryType::AcpiReclaimable);
    }
}

TEST_CASE("more than BootInfo holds is out of range, not cut short")
{
    SUBCASE("modules")
    {
        auto strings = std::make_unique<BootStrings>();
        FakeMemory m;
        std::vector<FakeMemory::ModuleSpec> many(BootInfo::max_modules + 1, { 0x300000, 0x301000, "/m m" });
        m.modules(many);
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::OutOfRange);
        m.put32(FakeMemory::info + 20, 0xffffffff);
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::OutOfRange);
    }
    SUBCASE("memory regions")
    {
        auto strings = std::make_unique<BootStrings>();
        FakeMemory m;
        std::vector<FakeMemory::Region> many(BootInfo::max_memory_regions + 1, { 0x100000, 0x1000, 1 });
        m.memory_map(many);
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::OutOfRange);
    }
    SUBCASE("string bytes")
    {
        auto strings = std::make_unique<BootStrings>();
        FakeMemory m;
        m.command_line("/kernel " + std::string(BootStrings::capacity, 'a'));
        CHECK(parse_multiboot1(m.window(), FakeMemory::info, *strings).error() == Error::OutOfRange);
        // Exactly what fits, NUL included, is kept whole.
        auto fresh = std::make_unique<BootStrings>();
        std::string fits(BootStrings::capacity - 1, 'b');
        auto kept = fresh->keep(fits);
        REQUIRE_FALSE(kept.is_error());
        CHECK(std::string(kept.value()) == fits);
        CHECK(fresh->keep("").error() == Error::OutOfRange);
    }
}

TEST_CASE("PhysicalWindow refuses ranges that wrap or leave it")
{
    uint8_t bytes[16] {};
    PhysicalWindow w { 0x1000, bytes, sizeof bytes };
    CHECK(w.at(0x1000, 16) == bytes);
    CHECK(w.at(0x100f, 1) == bytes + 15);
    CHECK(w.at(0x1010, 0) == bytes + 16);
    CHECK(w.at(0x100f, 2) == nullptr);
    CHECK(w.at(0xfff, 1) == nullptr);
    CHECK(w.at(0x1008, ~uint64_t(0)) == nullptr);
    CHECK(PhysicalWindow {}.at(0, 0) == nullptr);
}
