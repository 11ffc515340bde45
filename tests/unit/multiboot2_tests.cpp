// Multiboot2 boot information parsing: a well-formed structure as GRUB
// builds it, then one test per way it can be broken.

#include <bootinfo/multiboot2.h>
#include <cstring>
#include <doctest/doctest.h>
#include <optional>
#include <string>
#include <vector>

using ipc::Error;
using kernel::bootinfo::BootInfo;
using kernel::bootinfo::MemoryType;
using kernel::bootinfo::parse_multiboot2;

namespace {

struct MemoryMapEntry {
    uint64_t base;
    uint64_t length;
    uint32_t type;
};

// Builds boot information byte by byte, the way the spec lays it out. Every
// tag is padded to 8 bytes; finish() appends the end tag and patches
// total_size. The raw helpers let a test break any field on purpose.
class BootInfoBuilder {
public:
    BootInfoBuilder() { put32(0), put32(0); }

    BootInfoBuilder& string_tag(uint32_t type, const std::string& text)
    {
        size_t start = begin_tag(type);
        put_string(text);
        return end_tag(start);
    }
    BootInfoBuilder& command_line(const std::string& text) { return string_tag(1, text); }
    BootInfoBuilder& bootloader_name(const std::string& text) { return string_tag(2, text); }

    BootInfoBuilder& module(uint32_t start, uint32_t end, const std::string& name)
    {
        size_t tag = begin_tag(3);
        put32(start), put32(end);
        put_string(name);
        return end_tag(tag);
    }

    BootInfoBuilder& memory_map(const std::vector<MemoryMapEntry>& entries, uint32_t entry_size = 24)
    {
        size_t tag = begin_tag(6);
        put32(entry_size), put32(0);
        for (auto& entry : entries) {
            size_t start = bytes.size();
            put64(entry.base), put64(entry.length), put32(entry.type), put32(0);
            bytes.resize(start + entry_size, 0);
        }
        return end_tag(tag);
    }

    // A tag with an arbitrary payload; `lying_size` replaces its true size.
    BootInfoBuilder& raw_tag(uint32_t type, const std::vector<uint8_t>& payload,
                             std::optional<uint32_t> lying_size = std::nullopt)
    {
        size_t tag = begin_tag(type);
        bytes.insert(bytes.end(), payload.begin(), payload.end());
        end_tag(tag);
        if (lying_size)
            patch32(tag + 4, *lying_size);
        return *this;
    }

    std::vector<uint8_t> finish(bool with_end_tag = true)
    {
        if (with_end_tag)
            put32(0), put32(8);
        patch32(0, uint32_t(bytes.size()));
        return bytes;
    }

    void patch32(size_t offset, uint32_t value) { std::memcpy(&bytes[offset], &value, 4); }

    std::vector<uint8_t> bytes;

private:
    size_t begin_tag(uint32_t type)
    {
        size_t start = bytes.size();
        put32(type), put32(0);
        return start;
    }
    BootInfoBuilder& end_tag(size_t start)
    {
        patch32(start + 4, uint32_t(bytes.size() - start));
        while (bytes.size() % 8)
            bytes.push_back(0);
        return *this;
    }
    void put_string(const std::string& text)
    {
        bytes.insert(bytes.end(), text.begin(), text.end());
        bytes.push_back(0);
    }
    void put32(uint32_t value) { put_raw(&value, 4); }
    void put64(uint64_t value) { put_raw(&value, 8); }
    void put_raw(const void* data, size_t size)
    {
        auto* p = static_cast<const uint8_t*>(data);
        bytes.insert(bytes.end(), p, p + size);
    }
};

Error parse_error(const std::vector<uint8_t>& bytes, size_t available)
{
    auto result = parse_multiboot2(bytes.data(), available);
    REQUIRE(result.is_error());
    return result.error();
}
Error parse_error(const std::vector<uint8_t>& bytes) { return parse_error(bytes, bytes.size()); }

} // namespace

TEST_CASE("multiboot2: a complete boot information structure")
{
    auto bytes = BootInfoBuilder()
                     .command_line("log=debug test=ipc")
                     .bootloader_name("GRUB 2.06")
                     .module(0x200000, 0x203456, "init")
                     .module(0x204000, 0x204000, "empty module")
                     .memory_map({
                         { 0x0, 0x9fc00, 1 },
                         { 0x9fc00, 0x400, 2 },
                         { 0xf0000, 0x10000, 2 },
                         { 0x100000, 0x7ee0000, 1 },
                         { 0x7fe0000, 0x20000, 3 },
                         { 0xfffc0000, 0x40000, 4 },
                         { 0x100000000, 0x1000, 5 },
                         { 0x100001000, 0x1000, 99 },
                     })
                     .finish();
    auto result = parse_multiboot2(bytes.data(), bytes.size());
    REQUIRE(result.has_value());
    const BootInfo& info = result.value();

    CHECK(info.total_size == bytes.size());
    CHECK(std::string(info.command_line) == "log=debug test=ipc");
    CHECK(std::string(info.bootloader_name) == "GRUB 2.06");
    // Strings point into the caller's buffer, not into a copy.
    CHECK(reinterpret_cast<const uint8_t*>(info.command_line) > bytes.data());
    CHECK(reinterpret_cast<const uint8_t*>(info.command_line) < bytes.data() + bytes.size());

    REQUIRE(info.module_count == 2);
    CHECK(info.modules[0].range.base.get() == 0x200000);
    CHECK(info.modules[0].range.size == 0x3456);
    CHECK(info.modules[0].range.end() == 0x203456);
    CHECK(std::string(info.modules[0].name) == "init");
    CHECK(info.modules[1].range.base.get() == 0x204000);
    CHECK(info.modules[1].range.size == 0);
    CHECK(std::string(info.modules[1].name) == "empty module");

    REQUIRE(info.has_memory_map);
    REQUIRE(info.memory_region_count == 8);
    CHECK(info.memory[0].range.base.get() == 0);
    CHECK(info.memory[0].range.size == 0x9fc00);
    CHECK(info.memory[0].type == MemoryType::Available);
    CHECK(info.memory[1].type == MemoryType::Reserved);
    CHECK(info.memory[3].range.base.get() == 0x100000);
    CHECK(info.memory[3].range.size == 0x7ee0000);
    CHECK(info.memory[3].type == MemoryType::Available);
    CHECK(info.memory[4].type == MemoryType::AcpiReclaimable);
    CHECK(info.memory[5].type == MemoryType::AcpiNvs);
    CHECK(info.memory[6].type == MemoryType::BadRam);
    CHECK(info.memory[6].range.base.get() == 0x100000000);
    // Types the spec does not define must be treated as reserved.
    CHECK(info.memory[7].type == MemoryType::Reserved);
}

TEST_CASE("multiboot2: the smallest valid structure has defaults")
{
    auto bytes = BootInfoBuilder().finish();
    REQUIRE(bytes.size() == 16);
    auto result = parse_multiboot2(bytes.data(), bytes.size());
    REQUIRE(result.has_value());
    CHECK(std::string(result.value().command_line).empty());
    CHECK(std::string(result.value().bootloader_name).empty());
    CHECK(result.value().module_count == 0);
    CHECK(result.value().memory_region_count == 0);
    CHECK_FALSE(result.value().has_memory_map);
}

TEST_CASE("multiboot2: more available bytes than total_size is fine, bytes past it are never read")
{
    auto bytes = BootInfoBuilder().command_line("x").finish();
    size_t total = bytes.size();
    bytes.resize(total + 64, 0xff);
    auto result = parse_multiboot2(bytes.data(), bytes.size());
    REQUIRE(result.has_value());
    CHECK(result.value().total_size == total);
}

TEST_CASE("multiboot2: unknown tags are skipped by their size")
{
    auto bytes = BootInfoBuilder()
                     .raw_tag(8, std::vector<uint8_t>(20, 0xab)) // framebuffer-ish, unaligned size
                     .command_line("after unknown")
                     .raw_tag(0x1234, {})
                     .raw_tag(14, std::vector<uint8_t>(3, 0))
                     .finish();
    auto result = parse_multiboot2(bytes.data(), bytes.size());
    REQUIRE(result.has_value());
    CHECK(std::string(result.value().command_line) == "after unknown");
}

TEST_CASE("multiboot2: a null pointer or fewer than 8 bytes is truncated")
{
    auto bytes = BootInfoBuilder().finish();
    for (size_t available = 0; available < 8; ++available) {
        CAPTURE(available);
        CHECK(parse_error(bytes, available) == Error::Truncated);
    }
    CHECK(parse_multiboot2(nullptr, 64).error() == Error::Truncated);
}

TEST_CASE("multiboot2: total_size larger than the available bytes is truncated")
{
    auto bytes = BootInfoBuilder().command_line("hello").finish();
    for (size_t available = 8; available < bytes.size(); ++available) {
        CAPTURE(available);
        CHECK(parse_error(bytes, available) == Error::Truncated);
    }
}

TEST_CASE("multiboot2: total_size too small for header and end tag is malformed")
{
    for (uint32_t total : { 0u, 1u, 8u, 15u }) {
        CAPTURE(total);
        BootInfoBuilder builder;
        auto bytes = builder.finish();
        std::memcpy(bytes.data(), &total, 4);
        CHECK(parse_error(bytes) == Error::Malformed);
    }
}

TEST_CASE("multiboot2: a tag size below the tag header is malformed")
{
    for (uint32_t size : { 0u, 1u, 7u }) {
        CAPTURE(size);
        auto bytes = BootInfoBuilder().raw_tag(1, { 'a', 0 }, size).finish();
        CHECK(parse_error(bytes) == Error::Malformed);
    }
}

TEST_CASE("multiboot2: a tag running past total_size is truncated")
{
    BootInfoBuilder builder;
    builder.command_line("abc");
    auto bytes = builder.finish();
    // The command line tag claims to extend well past the end tag.
    uint32_t lying_size = uint32_t(bytes.size());
    std::memcpy(bytes.data() + 8 + 4, &lying_size, 4);
    CHECK(parse_error(bytes) == Error::Truncated);

    // Four bytes left after the last tag: not even room for a tag header.
    auto with_tag = BootInfoBuilder().raw_tag(0x99, {}).finish(false);
    with_tag.resize(with_tag.size() + 4, 0);
    uint32_t with_tag_total = uint32_t(with_tag.size());
    std::memcpy(with_tag.data(), &with_tag_total, 4);
    CHECK(parse_error(with_tag) == Error::Truncated);
}

TEST_CASE("multiboot2: the end tag must be present")
{
    auto bytes = BootInfoBuilder().command_line("no end").finish(false);
    CHECK(parse_error(bytes) == Error::Malformed);

    auto only_unknown = BootInfoBuilder().raw_tag(0x77, std::vector<uint8_t>(8, 0)).finish(false);
    CHECK(parse_error(only_unknown) == Error::Malformed);
}

TEST_CASE("multiboot2: an end tag with a size other than 8 is malformed")
{
    auto bytes = BootInfoBuilder().raw_tag(0, std::vector<uint8_t>(8, 0)).finish();
    CHECK(parse_error(bytes) == Error::Malformed);
}

TEST_CASE("multiboot2: unterminated strings are malformed")
{
    SUBCASE("command line")
    {
        auto bytes = BootInfoBuilder().raw_tag(1, { 'a', 'b', 'c' }).finish();
        CHECK(parse_error(bytes) == Error::Malformed);
    }
    SUBCASE("empty command line tag without any byte for the NUL")
    {
        auto bytes = BootInfoBuilder().raw_tag(1, {}).finish();
        CHECK(parse_error(bytes) == Error::Malformed);
    }
    SUBCASE("boot loader name")
    {
        auto bytes = BootInfoBuilder().raw_tag(2, { 'G', 'R', 'U', 'B' }).finish();
        CHECK(parse_error(bytes) == Error::Malformed);
    }
    SUBCASE("module name: the padding NUL after the tag does not count")
    {
        std::vector<uint8_t> payload { 0, 0x10, 0, 0, 0, 0x20, 0, 0, 'i', 'n', 'i', 't' };
        auto bytes = BootInfoBuilder().raw_tag(3, payload).finish();
        CHECK(parse_error(bytes) == Error::Malformed);
    }
}

TEST_CASE("multiboot2: module checks")
{
    SUBCASE("end before start is malformed")
    {
        auto bytes = BootInfoBuilder().module(0x300000, 0x2fffff, "backwards").finish();
        CHECK(parse_error(bytes) == Error::Malformed);
    }
    SUBCASE("a module tag too short for its addresses is malformed")
    {
        auto bytes = BootInfoBuilder().raw_tag(3, { 0, 0, 0, 0 }).finish();
        CHECK(parse_error(bytes) == Error::Malformed);
    }
    SUBCASE("exactly max_modules fit, one more is out of range")
    {
        BootInfoBuilder full;
        for (size_t i = 0; i < BootInfo::max_modules; ++i)
            full.module(uint32_t(i * 0x1000), uint32_t(i * 0x1000 + 0x800), "m" + std::to_string(i));
        auto bytes = full.finish();
        auto result = parse_multiboot2(bytes.data(), bytes.size());
        REQUIRE(result.has_value());
        CHECK(result.value().module_count == BootInfo::max_modules);
        CHECK(std::string(result.value().modules[15].name) == "m15");

        BootInfoBuilder overfull;
        for (size_t i = 0; i <= BootInfo::max_modules; ++i)
            overfull.module(0, 0x10, "m");
        CHECK(parse_error(overfull.finish()) == Error::OutOfRange);
    }
}

TEST_CASE("multiboot2: memory map checks")
{
    SUBCASE("larger 8-multiple entry sizes are honoured")
    {
        auto bytes
            = BootInfoBuilder().memory_map({ { 0x1000, 0x2000, 1 }, { 0x5000, 0x1000, 2 } }, 40).finish();
        auto result = parse_multiboot2(bytes.data(), bytes.size());
        REQUIRE(result.has_value());
        REQUIRE(result.value().memory_region_count == 2);
        CHECK(result.value().memory[1].range.base.get() == 0x5000);
        CHECK(result.value().memory[1].type == MemoryType::Reserved);
    }
    SUBCASE("an empty memory map is present but has no regions")
    {
        auto bytes = BootInfoBuilder().memory_map({}).finish();
        auto result = parse_multiboot2(bytes.data(), bytes.size());
        REQUIRE(result.has_value());
        CHECK(result.value().has_memory_map);
        CHECK(result.value().memory_region_count == 0);
    }
    SUBCASE("entry size below 24 is malformed")
    {
        for (uint32_t entry_size : { 0u, 8u, 16u }) {
            CAPTURE(entry_size);
            auto bytes = BootInfoBuilder().memory_map({}, entry_size).finish();
            CHECK(parse_error(bytes) == Error::Malformed);
        }
    }
    SUBCASE("entry size not a multiple of 8 is malformed")
    {
        auto bytes = BootInfoBuilder().memory_map({ { 0, 0x1000, 1 } }, 28).finish();
        CHECK(parse_error(bytes) == Error::Malformed);
    }
    SUBCASE("a partial trailing entry is malformed")
    {
        BootInfoBuilder builder;
        builder.memory_map({ { 0, 0x1000, 1 } });
        // Grow the tag by 8 bytes of an incomplete second entry.
        builder.patch32(8 + 4, 16 + 24 + 8);
        builder.bytes.resize(builder.bytes.size() + 8, 0);
        CHECK(parse_error(builder.finish()) == Error::Malformed);
    }
    SUBCASE("a tag too short for the map header is malformed")
    {
        auto bytes = BootInfoBuilder().raw_tag(6, { 24, 0, 0, 0 }).finish();
        CHECK(parse_error(bytes) == Error::Malformed);
    }
    SUBCASE("a region whose end overflows is malformed")
    {
        auto bytes = BootInfoBuilder().memory_map({ { 0xffff'ffff'ffff'f000, 0x1000, 1 } }).finish();
        CHECK(parse_error(bytes) == Error::Malformed);
        auto fits = BootInfoBuilder().memory_map({ { 0xffff'ffff'ffff'f000, 0xfff, 2 } }).finish();
        CHECK(parse_multiboot2(fits.data(), fits.size()).has_value());
    }
    SUBCASE("exactly max_memory_regions fit, one more is out of range")
    {
        std::vector<MemoryMapEntry> entries;
        for (size_t i = 0; i < BootInfo::max_memory_regions; ++i)
            entries.push_back({ i * 0x1000, 0x1000, 1 });
        auto bytes = BootInfoBuilder().memory_map(entries).finish();
        auto result = parse_multiboot2(bytes.data(), bytes.size());
        REQUIRE(result.has_value());
        CHECK(result.value().memory_region_count == BootInfo::max_memory_regions);

        entries.push_back({ 0x1000000, 0x1000, 1 });
        CHECK(parse_error(BootInfoBuilder().memory_map(entries).finish()) == Error::OutOfRange);
    }
}

TEST_CASE("multiboot2: a misaligned buffer parses the same")
{
    auto bytes = BootInfoBuilder()
                     .command_line("odd")
                     .module(0x1000, 0x2000, "m")
                     .memory_map({ { 0, 0x1000, 1 } })
                     .finish();
    std::vector<uint8_t> shifted(bytes.size() + 1);
    std::memcpy(shifted.data() + 1, bytes.data(), bytes.size());
    auto result = parse_multiboot2(shifted.data() + 1, bytes.size());
    REQUIRE(result.has_value());
    CHECK(std::string(result.value().command_line) == "odd");
    CHECK(result.value().modules[0].range.size == 0x1000);
    CHECK(result.value().memory[0].range.size == 0x1000);
}
