#pragma once
// Shared by the cpio reader tests: the archives make_test_cpio.py writes
// with the real GNU cpio (paths in FAULTLINE_TEST_CPIO, FAULTLINE_TEST_CPIO_CRC
// and FAULTLINE_TEST_CPIO_FILES_ONLY), what they hold, an independent newc
// walker and writer for damaged and hand-built archives, and a loader that
// puts every archive in a heap block of exactly its size, so that under
// -fsanitize=address a read past the end is caught.

#include "cpio.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <doctest/doctest.h>
#include "../doctest_ipc_error.h"
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace doctest {
template<>
struct StringMaker<fs::EntryType> {
    static String convert(fs::EntryType type) { return fs::entry_type_name(type); }
};
} // namespace doctest

namespace cpio_test {

using fs::Archive;
using fs::DirEntry;
using fs::Entry;
using fs::EntryType;
using fs::no_file;
using ipc::Error;

inline constexpr size_t page = 4096;
inline constexpr uint32_t archive_mtime = 1'700'000'000; // make_test_cpio.py's MTIME

// The byte patterns make_test_cpio.py writes.
inline uint8_t pattern_byte(size_t i) { return uint8_t(i % 251); } // pattern.bin, 5000 bytes
inline uint8_t page_byte(size_t i) { return uint8_t(i % 253); }    // page.bin, 4096 bytes
inline const std::string long_name = "long/" + std::string(200, 'n') + ".txt";

using Bytes = std::vector<uint8_t>;

inline Bytes read_file_named_by(const char* variable)
{
    const char* path = std::getenv(variable);
    if (!path || !*path)
        FAIL(variable << " is not set; run the unit tests through `meson test`");
    std::FILE* file = std::fopen(path, "rb");
    if (!file)
        FAIL("cannot open " << path);
    Bytes bytes;
    uint8_t chunk[4096];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof(chunk), file)) > 0)
        bytes.insert(bytes.end(), chunk, chunk + n);
    std::fclose(file);
    REQUIRE(!bytes.empty());
    return bytes;
}

inline const Bytes& newc_archive()
{
    static const Bytes bytes = read_file_named_by("FAULTLINE_TEST_CPIO");
    return bytes;
}
inline const Bytes& crc_archive()
{
    static const Bytes bytes = read_file_named_by("FAULTLINE_TEST_CPIO_CRC");
    return bytes;
}
inline const Bytes& files_only_archive()
{
    static const Bytes bytes = read_file_named_by("FAULTLINE_TEST_CPIO_FILES_ONLY");
    return bytes;
}

// An archive in a heap block of exactly its size, and the view over it. The
// Archive (16 KiB of entries) lives on the heap too.
struct Loaded {
    std::unique_ptr<uint8_t[]> memory;
    size_t size { 0 };
    std::unique_ptr<Archive> archive { std::make_unique<Archive>() };

    explicit Loaded(const uint8_t* bytes, size_t length) : memory(new uint8_t[length]), size(length)
    {
        if (length)
            std::memcpy(memory.get(), bytes, length);
    }
    explicit Loaded(const Bytes& bytes, size_t length) : Loaded(bytes.data(), length) { }
    explicit Loaded(const Bytes& bytes) : Loaded(bytes.data(), bytes.size()) { }
    explicit Loaded(const std::string& bytes)
        : Loaded(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())
    {
    }

    ipc::Result<void> load() { return archive->load(memory.get(), size); }
    Error load_error()
    {
        auto result = load();
        return result.is_error() ? result.error() : Error::None;
    }
    Archive& operator*() { return *archive; }
    Archive* operator->() { return archive.get(); }
};

// A loaded real archive, for the tests that only read.
inline std::unique_ptr<Loaded> load_ok(const Bytes& bytes)
{
    auto loaded = std::make_unique<Loaded>(bytes);
    REQUIRE(loaded->load_error() == Error::None);
    return loaded;
}

inline std::string text_of(const Entry& entry)
{
    return std::string(reinterpret_cast<const char*>(entry.data), entry.size);
}

inline std::string name_of(Error error) { return ipc::error_name(error); }

inline std::string read_all(const Archive& archive, std::string_view path, size_t chunk)
{
    std::string out;
    std::vector<uint8_t> buffer(chunk);
    for (uint64_t offset = 0;;) {
        auto result = archive.read(path, offset, buffer);
        REQUIRE(result.has_value());
        size_t n = result.value();
        REQUIRE(n <= chunk);
        if (n == 0)
            return out;
        out.append(reinterpret_cast<const char*>(buffer.data()), n);
        offset += n;
    }
}

// Every child of `path`, gathered `batch` at a time.
inline std::vector<DirEntry> list_all(const Archive& archive, std::string_view path, size_t batch = 64)
{
    std::vector<DirEntry> all;
    std::vector<DirEntry> buffer(batch);
    size_t cursor = 0;
    for (int calls = 0;; ++calls) {
        REQUIRE(calls < 1000);
        auto result = archive.list(path, buffer, cursor);
        REQUIRE(result.has_value());
        auto page = result.value();
        REQUIRE(page.count <= batch);
        all.insert(all.end(), buffer.begin(), buffer.begin() + long(page.count));
        if (!page.more)
            return all;
        REQUIRE(page.next_cursor >= cursor);
        cursor = page.next_cursor;
    }
}

using Children = std::map<std::string, EntryType>;

// The children of `path` by name; each must be listed once.
inline Children children_of(const Archive& archive, std::string_view path)
{
    Children children;
    for (const DirEntry& child : list_all(archive, path)) {
        bool inserted = children.emplace(std::string(child.name), child.type).second;
        CHECK_MESSAGE(inserted, "listed twice: " << std::string(child.name));
    }
    return children;
}

// ---- An independent newc walker and writer, for targeted damage. ----------

struct RecordInfo {
    size_t header { 0 };
    size_t name { 0 };
    size_t name_size { 0 };
    size_t data { 0 };
    size_t file_size { 0 };
    std::string name_text;
};

inline constexpr size_t header_size = 110;
inline constexpr size_t field_offset(size_t field) { return 6 + 8 * field; }
namespace field {
enum : size_t {
    ino,
    mode,
    uid,
    gid,
    nlink,
    mtime,
    filesize,
    devmajor,
    devminor,
    rdevmajor,
    rdevminor,
    namesize,
    check
};
}

inline uint32_t field_value(const Bytes& bytes, size_t header, size_t field)
{
    std::string digits(reinterpret_cast<const char*>(&bytes[header + field_offset(field)]), 8);
    return uint32_t(std::stoul(digits, nullptr, 16));
}

// The records of a well-formed archive, trailer included.
inline std::vector<RecordInfo> walk(const Bytes& bytes)
{
    std::vector<RecordInfo> records;
    for (size_t offset = 0;;) {
        REQUIRE(offset + header_size <= bytes.size());
        RecordInfo record;
        record.header = offset;
        record.name = offset + header_size;
        record.name_size = field_value(bytes, offset, field::namesize);
        record.file_size = field_value(bytes, offset, field::filesize);
        record.name_text.assign(reinterpret_cast<const char*>(&bytes[record.name]), record.name_size - 1);
        record.data = (record.name + record.name_size + 3) & ~size_t(3);
        records.push_back(record);
        if (record.name_text == "TRAILER!!!")
            return records;
        offset = (record.data + record.file_size + 3) & ~size_t(3);
    }
}

inline size_t trailer_name_end(const Bytes& bytes)
{
    RecordInfo trailer = walk(bytes).back();
    return trailer.name + trailer.name_size;
}

inline void put_field(Bytes& bytes, size_t header, size_t field, const char* digits)
{
    REQUIRE(std::strlen(digits) == 8);
    std::memcpy(&bytes[header + field_offset(field)], digits, 8);
}

inline std::string hex8(uint32_t value)
{
    char digits[9];
    std::snprintf(digits, sizeof(digits), "%08X", value);
    return digits;
}

// A record with every field given; the name is written as is (include the
// NUL yourself), the data padded to 4.
inline void append_raw(std::string& out, const std::string& magic, std::array<uint32_t, 13> fields,
                       const std::string& name, const std::string& data)
{
    REQUIRE(out.size() % 4 == 0);
    out += magic;
    for (uint32_t value : fields)
        out += hex8(value);
    out += name;
    out.append((4 - out.size() % 4) % 4, '\0');
    out += data;
    out.append((4 - out.size() % 4) % 4, '\0');
}

inline uint32_t sum_of(const std::string& data)
{
    uint32_t sum = 0;
    for (unsigned char c : data)
        sum += c;
    return sum;
}

struct Record {
    std::string name;
    uint32_t mode { 0100644 };
    std::string data;
    uint32_t ino { 0 };
    uint32_t nlink { 1 };
    bool crc { false };
};

inline void append(std::string& out, const Record& record)
{
    static uint32_t next_ino = 100;
    uint32_t inode = record.ino ? record.ino : next_ino++;
    append_raw(out, record.crc ? "070702" : "070701",
               { inode, record.mode, 0, 0, record.nlink, archive_mtime, uint32_t(record.data.size()), 8, 1, 0,
                 0, uint32_t(record.name.size() + 1), record.crc ? sum_of(record.data) : 0 },
               record.name + '\0', record.data);
}

inline void append_trailer(std::string& out)
{
    std::string name("TRAILER!!!\0", 11);
    append_raw(out, "070701", { 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 11, 0 }, name, "");
}

inline std::string archive_of(const std::vector<Record>& records, bool trailer = true)
{
    std::string out;
    for (const Record& record : records)
        append(out, record);
    if (trailer)
        append_trailer(out);
    return out;
}

inline Error load_error_of(const std::string& bytes) { return Loaded(bytes).load_error(); }

inline Record file(std::string name, std::string data = "")
{
    return { std::move(name), 0100644, std::move(data) };
}
inline Record directory(std::string name) { return { std::move(name), 040755, "" }; }

// The real archive's contents, as make_test_cpio.py writes them.
inline const Children expected_entries {
    { "a", EntryType::Directory },     { "a/b", EntryType::Directory },
    { "a/b/c.txt", EntryType::File },  { "a/top.txt", EntryType::File },
    { "empty", EntryType::File },      { "emptydir", EntryType::Directory },
    { "links", EntryType::Directory }, { "links/one", EntryType::File },
    { "links/two", EntryType::File },  { "long", EntryType::Directory },
    { long_name, EntryType::File },    { "p1", EntryType::File },
    { "p22", EntryType::File },        { "p333", EntryType::File },
    { "page.bin", EntryType::File },   { "pattern.bin", EntryType::File },
    { "symlink", EntryType::Other },   { "x", EntryType::File },
};

inline const Children expected_top_level {
    { "a", EntryType::Directory },        { "empty", EntryType::File },
    { "emptydir", EntryType::Directory }, { "links", EntryType::Directory },
    { "long", EntryType::Directory },     { "p1", EntryType::File },
    { "p22", EntryType::File },           { "p333", EntryType::File },
    { "page.bin", EntryType::File },      { "pattern.bin", EntryType::File },
    { "symlink", EntryType::Other },      { "x", EntryType::File },
};

inline const char* const bad_paths[] = {
    "..",
    "../a",
    "a/..",
    "a/../a/b/c.txt",
    "/..",
    "./..",
    "../../etc/passwd",
    "a/b/../../..",
    "a//b",
    "//a",
    "///",
    "a/",
    "a/b/",
    "/a/",
    "a/./b",
    "/.",
    "./.",
    "././a",
    ".//a",
    "a/.",
};

} // namespace cpio_test
