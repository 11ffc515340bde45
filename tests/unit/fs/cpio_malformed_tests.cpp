// The initrd reader against damaged archives: every truncation, every bad
// magic and non-hex digit, namesize and filesize that do not fit, hand-built
// archives that break one rule each, and random damage to the real archives.
// Each must fail with the documented error, and none may read out of bounds.

#include "cpio_test_support.h"

#include <random>
#include <set>

using namespace cpio_test;

TEST_CASE("every truncation before the trailer's name ends is Truncated")
{
    for (const Bytes* original : { &newc_archive(), &crc_archive(), &files_only_archive() }) {
        const Bytes& bytes = *original;
        size_t end = trailer_name_end(bytes);
        REQUIRE(end <= bytes.size());
        size_t truncated = 0, loaded = 0;
        for (size_t length = 0; length <= bytes.size(); ++length) {
            Error error = Loaded(bytes, length).load_error();
            if (length < end) {
                if (error != Error::Truncated)
                    FAIL_CHECK("length " << length << " of " << end << ": " << name_of(error));
                ++truncated;
            } else {
                if (error != Error::None)
                    FAIL_CHECK("length " << length << " past the trailer: " << name_of(error));
                ++loaded;
            }
        }
        CHECK(truncated == end);
        CHECK(loaded == bytes.size() - end + 1);
    }
}

TEST_CASE("a bad magic number in any record is Malformed")
{
    const Bytes& bytes = newc_archive();
    for (const RecordInfo& record : walk(bytes)) {
        CAPTURE(record.name_text);
        for (size_t i = 0; i < 6; ++i) {
            for (uint8_t bad : { uint8_t('x'), uint8_t('8'), uint8_t(0), uint8_t(0xff), uint8_t('1') }) {
                Bytes damaged = bytes;
                if (damaged[record.header + i] == bad)
                    continue;
                damaged[record.header + i] = bad;
                CHECK(Loaded(damaged).load_error() == Error::Malformed);
            }
        }
        for (const char* magic : { "070707", "070700", "070703", "070711", "170701", "0707 1" }) {
            Bytes damaged = bytes;
            std::memcpy(&damaged[record.header], magic, 6);
            CHECK(Loaded(damaged).load_error() == Error::Malformed);
        }
    }
}

TEST_CASE("a non-hex digit in any field of any record is Malformed")
{
    const Bytes& bytes = newc_archive();
    size_t checked = 0;
    for (const RecordInfo& record : walk(bytes)) {
        CAPTURE(record.name_text);
        for (size_t which = 0; which < 13; ++which) {
            CAPTURE(which);
            for (size_t digit = 0; digit < 8; ++digit) {
                for (char bad : { '/', ':', '@', 'G', '`', 'g', ' ', '\0', 'x', '-', '+' }) {
                    Bytes damaged = bytes;
                    damaged[record.header + field_offset(which) + digit] = uint8_t(bad);
                    Error error = Loaded(damaged).load_error();
                    if (error != Error::Malformed)
                        FAIL_CHECK("digit " << digit << " = " << int(bad) << ": " << name_of(error));
                    ++checked;
                }
            }
        }
    }
    CHECK(checked == walk(bytes).size() * 13 * 8 * 11);

    // Lower-case digits are as good as the upper-case ones GNU cpio writes.
    Bytes lower = bytes;
    for (const RecordInfo& record : walk(bytes)) {
        for (size_t i = 6; i < header_size; ++i)
            lower[record.header + i] = uint8_t(std::tolower(lower[record.header + i]));
    }
    REQUIRE(lower != bytes);
    auto loaded = load_ok(lower);
    CHECK((*loaded)->lookup("pattern.bin").value()->mode == 0100640);
    CHECK(read_all(**loaded, "a/b/c.txt", 64) == "hello from a/b/c.txt\n");
}

TEST_CASE("namesize and filesize must fit and the name must end in its NUL")
{
    const Bytes& bytes = newc_archive();
    std::vector<RecordInfo> records = walk(bytes);
    auto find = [&](const std::string& name) {
        auto it = std::find_if(records.begin(), records.end(),
                               [&](const RecordInfo& r) { return r.name_text == name; });
        REQUIRE(it != records.end());
        return *it;
    };
    auto with_field = [&](const RecordInfo& record, size_t field, const std::string& digits) {
        Bytes damaged = bytes;
        put_field(damaged, record.header, field, digits.c_str());
        return Loaded(damaged).load_error();
    };

    for (const RecordInfo& record : records) {
        CAPTURE(record.name_text);
        CHECK(with_field(record, field::namesize, "00000000") == Error::Malformed);
        CHECK(with_field(record, field::namesize, "FFFFFFFF") == Error::Truncated);
        std::string past_end = hex8(uint32_t(bytes.size() - record.name + 1));
        CHECK(with_field(record, field::namesize, past_end) == Error::Truncated);
        // One byte short: the name's last byte is not its NUL.
        if (record.name_size > 1)
            CHECK(with_field(record, field::namesize, hex8(uint32_t(record.name_size) - 1))
                  == Error::Malformed);
        // One byte long: the name now ends in padding or data.
        CHECK(with_field(record, field::namesize, hex8(uint32_t(record.name_size) + 1)) != Error::None);
    }
    for (const char* name : { "pattern.bin", "page.bin", "p1", "empty", "links/two" }) {
        const RecordInfo record = find(name);
        CAPTURE(name);
        CHECK(with_field(record, field::filesize, "FFFFFFFF") == Error::Truncated);
        CHECK(with_field(record, field::filesize, "80000000") == Error::Truncated);
        std::string past_end = hex8(uint32_t(bytes.size() - record.data + 1));
        CHECK(with_field(record, field::filesize, past_end) == Error::Truncated);
        // Wrong but in bounds: the next record is then read from the wrong place.
        CHECK(with_field(record, field::filesize, hex8(uint32_t(record.file_size) + 4)) != Error::None);
    }
    // A directory with data.
    CHECK(with_field(find("emptydir"), field::filesize, "00000004") == Error::Malformed);

    // The trailer's name, damaged, is an ordinary record with mode 0.
    Bytes no_trailer = bytes;
    no_trailer[records.back().name + 9] = '?';
    CHECK(Loaded(no_trailer).load_error() == Error::Malformed);
    // A NUL inside a name.
    Bytes inner_nul = bytes;
    inner_nul[find("pattern.bin").name + 3] = 0;
    CHECK(Loaded(inner_nul).load_error() == Error::Malformed);
    // The name's own NUL replaced.
    Bytes unterminated = bytes;
    const RecordInfo& pattern = find("pattern.bin");
    unterminated[pattern.name + pattern.name_size - 1] = 'x';
    CHECK(Loaded(unterminated).load_error() == Error::Malformed);
}

TEST_CASE("hand-built archives: names, modes, trailer and limits")
{
    SUBCASE("just a trailer is an empty archive")
    {
        Loaded loaded(archive_of({}));
        REQUIRE(loaded.load_error() == Error::None);
        CHECK(loaded->entry_count() == 0);
        CHECK(children_of(*loaded, "").empty());
        CHECK(loaded->stat("/").value().type == EntryType::Directory);
        CHECK(loaded->lookup("a").error() == Error::NotFound);
    }
    SUBCASE("empty input and no trailer are Truncated")
    {
        CHECK(load_error_of("") == Error::Truncated);
        CHECK(load_error_of(archive_of({ file("a", "data") }, false)) == Error::Truncated);
        CHECK(load_error_of(archive_of({ directory("d") }, false)) == Error::Truncated);
        Archive archive;
        CHECK(archive.load(nullptr, 0).error() == Error::Truncated);
        CHECK(archive.load(nullptr, 512).error() == Error::InvalidArgument);
    }
    SUBCASE("zeros where the trailer should be are Malformed")
    {
        std::string bytes = archive_of({ file("a", "data") }, false);
        bytes.append(512, '\0');
        CHECK(load_error_of(bytes) == Error::Malformed);
    }
    SUBCASE("the trailer may end the input unpadded, and anything may follow it")
    {
        std::string bytes = archive_of({ file("a", "data") });
        size_t unpadded = bytes.size() - 3; // the trailer's 110 + 11 bytes pad to 124
        CHECK(load_error_of(bytes.substr(0, unpadded)) == Error::None);
        CHECK(load_error_of(bytes.substr(0, unpadded - 1)) == Error::Truncated);
        CHECK(load_error_of(bytes + "garbage after the end") == Error::None);
        CHECK(load_error_of(bytes + archive_of({ file("b") })) == Error::None);
    }
    SUBCASE("names are stored without ./ or /")
    {
        Loaded loaded(archive_of({ directory("."), file("./a", "1"), file("/b", "2"), directory("./d"),
                                   file("d/e", "3"), file("/d/f", "4") }));
        REQUIRE(loaded.load_error() == Error::None);
        std::set<std::string> names;
        for (const Entry& entry : loaded->entries())
            names.insert(std::string(entry.name));
        CHECK(names == std::set<std::string> { "a", "b", "d", "d/e", "d/f" });
        CHECK(read_all(*loaded, "/d/f", 8) == "4");
        // A "/" record is the root too.
        CHECK(load_error_of(archive_of({ directory("/"), file("a") })) == Error::None);
    }
    SUBCASE("names that escape or have empty components are Malformed")
    {
        for (const char* name : bad_paths) {
            CAPTURE(name);
            CHECK(load_error_of(archive_of({ file(name, "x") })) == Error::Malformed);
            CHECK(load_error_of(archive_of({ directory(name) })) == Error::Malformed);
        }
    }
    SUBCASE("a name twice, or below a file, is Malformed")
    {
        CHECK(load_error_of(archive_of({ file("a"), file("a") })) == Error::Malformed);
        CHECK(load_error_of(archive_of({ file("a"), file("./a") })) == Error::Malformed);
        CHECK(load_error_of(archive_of({ directory("d"), file("/d") })) == Error::Malformed);
        CHECK(load_error_of(archive_of({ directory("."), directory(".") })) == Error::Malformed);
        CHECK(load_error_of(archive_of({ file("."), file("a") })) == Error::Malformed); // the root as a file
        CHECK(load_error_of(archive_of({ file("f"), file("f/g") })) == Error::Malformed);
        CHECK(load_error_of(archive_of({ file("f/g"), file("f") })) == Error::Malformed);
        CHECK(load_error_of(archive_of({ file("f/g/h"), file("f") })) == Error::Malformed);
        Record link { "l", 0120777, "target" };
        CHECK(load_error_of(archive_of({ link, file("l/x") })) == Error::Malformed);
        CHECK(load_error_of(archive_of({ file("f/g"), directory("f") })) == Error::None);
    }
    SUBCASE("the file type comes from the mode")
    {
        Loaded loaded(archive_of({ { "c", 020644, "" },
                                   { "b", 060644, "" },
                                   { "p", 010644, "" },
                                   { "s", 0140755, "" },
                                   { "l", 0120777, "c" } }));
        REQUIRE(loaded.load_error() == Error::None);
        for (const Entry& entry : loaded->entries())
            CHECK(entry.type == EntryType::Other);
        for (uint32_t mode :
             { 0644u, 0030644u, 0050644u, 0070644u, 0160644u, 0170644u, 0200000u | 0100644u, 0xffffffffu }) {
            CAPTURE(mode);
            CHECK(load_error_of(archive_of({ { "f", mode, "" } })) == Error::Malformed);
        }
        CHECK(load_error_of(archive_of({ { "d", 040755, "data" } })) == Error::Malformed);
    }
    SUBCASE("the name's NUL is checked, and namesize 0 refused")
    {
        std::string bytes;
        append_raw(bytes, "070701", { 1, 0100644, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 0 }, "abcd", "");
        append_trailer(bytes);
        CHECK(load_error_of(bytes) == Error::Malformed);
        bytes.clear();
        std::string inner_nul("a\0c\0", 4);
        append_raw(bytes, "070701", { 1, 0100644, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 0 }, inner_nul, "");
        append_trailer(bytes);
        CHECK(load_error_of(bytes) == Error::Malformed);
        bytes.clear();
        // namesize 0, with the padding NULs behind the header and a mode that
        // would make an empty name acceptable (as the root).
        append_raw(bytes, "070701", { 1, 040755, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }, "", "");
        append_trailer(bytes);
        CHECK(load_error_of(bytes) == Error::Malformed);
        bytes.clear();
        std::string empty_name(1, '\0');
        // namesize 1: the empty name, which is the root, so it must be a directory.
        append_raw(bytes, "070701", { 1, 0100644, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0 }, empty_name, "");
        append_trailer(bytes);
        CHECK(load_error_of(bytes) == Error::Malformed);
        bytes.clear();
        append_raw(bytes, "070701", { 1, 040755, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0 }, empty_name, "");
        append_trailer(bytes);
        CHECK(load_error_of(bytes) == Error::None);
    }
    SUBCASE("every padding of name and data")
    {
        std::vector<Record> records;
        for (size_t name_length = 1; name_length <= 8; ++name_length) {
            for (size_t data_length = 0; data_length <= 8; ++data_length) {
                std::string name = std::string(name_length, char('a' + data_length));
                std::string data;
                for (size_t i = 0; i < data_length; ++i)
                    data += char('0' + (name_length + i) % 10);
                records.push_back(file(name, data));
            }
        }
        Loaded loaded(archive_of(records));
        REQUIRE(loaded.load_error() == Error::None);
        REQUIRE(loaded->entry_count() == records.size());
        for (const Record& record : records)
            CHECK(read_all(*loaded, record.name, 3) == record.data);
    }
    SUBCASE("the archive may sit at any alignment in memory")
    {
        std::string bytes = archive_of({ file("a", "12345"), directory("d"), file("d/f", "xyz") });
        for (size_t shift = 0; shift < 8; ++shift) {
            std::string shifted = std::string(shift, '\xee') + bytes;
            Archive archive;
            auto base = reinterpret_cast<const uint8_t*>(shifted.data()) + shift;
            REQUIRE(!archive.load(base, bytes.size()).is_error());
            CHECK(read_all(archive, "d/f", 2) == "xyz");
            CHECK(read_all(archive, "a", 2) == "12345");
        }
    }
    SUBCASE("crc records carry a checksum of their data")
    {
        Record good { "f", 0100644, "checksummed", 0, 1, true };
        CHECK(load_error_of(archive_of({ good })) == Error::None);
        std::string bytes = archive_of({ good });
        bytes[bytes.find("checksummed")] = 'C';
        CHECK(load_error_of(bytes) == Error::Malformed);
    }
    SUBCASE("hard links share the one copy of the data, wherever it is")
    {
        Record first { "first", 0100644, "shared", 77, 3 };
        Record second { "second", 0100644, "", 77, 3 };
        Record third { "third", 0100644, "", 77, 3 };
        Record other_inode { "other", 0100644, "", 78, 2 };
        Loaded loaded(archive_of({ second, first, third, other_inode }));
        REQUIRE(loaded.load_error() == Error::None);
        CHECK(read_all(*loaded, "first", 4) == "shared");
        CHECK(read_all(*loaded, "second", 4) == "shared");
        CHECK(read_all(*loaded, "third", 4) == "shared");
        CHECK(read_all(*loaded, "other", 4).empty());
    }
    SUBCASE("at most max_entries entries; the root does not count")
    {
        std::vector<Record> records { directory(".") };
        for (size_t i = 0; i < Archive::max_entries; ++i)
            records.push_back(file("f" + std::to_string(i), std::to_string(i)));
        Loaded full(archive_of(records));
        REQUIRE(full.load_error() == Error::None);
        CHECK(full->entry_count() == Archive::max_entries);
        CHECK(full->entries().back().id == Archive::max_entries - 1);
        CHECK(read_all(*full, "f255", 8) == "255");
        CHECK(list_all(*full, "", 7).size() == Archive::max_entries);

        records.push_back(file("one-too-many"));
        CHECK(load_error_of(archive_of(records)) == Error::OutOfRange);
    }
    SUBCASE("a failed load leaves an empty view")
    {
        Loaded good(archive_of({ file("a", "x") }));
        REQUIRE(good.load_error() == Error::None);
        std::string bad = archive_of({ file("a", "x"), file("a/b") });
        auto bad_bytes = reinterpret_cast<const uint8_t*>(bad.data());
        CHECK(good->load(bad_bytes, bad.size()).error() == Error::Malformed);
        CHECK(good->entry_count() == 0);
        CHECK(good->lookup("a").error() == Error::NotFound);
        CHECK(good->stat("/").value().mode == fs::implicit_directory_mode);
    }
}

TEST_CASE("random damage to real archives never reads out of bounds")
{
    std::mt19937_64 random(0xfa017'c910);
    const Bytes* originals[] = { &newc_archive(), &crc_archive(), &files_only_archive() };
    std::map<Error, size_t> outcomes;
    std::array<uint8_t, page> frame;
    const char hex[] = "0123456789ABCDEFabcdef";

    for (int round = 0; round < 4000; ++round) {
        const Bytes& original = *originals[round % 3];
        Bytes bytes = original;
        std::vector<RecordInfo> records = walk(original);
        // Damage aimed at the records of the original; truncation comes last
        // so every position below is still inside `bytes`.
        int damage = 1 + int(random() % 6);
        for (int d = 0; d < damage; ++d) {
            const RecordInfo& record = records[random() % records.size()];
            switch (random() % 5) {
            case 0: // any byte, any value
                bytes[random() % bytes.size()] = uint8_t(random());
                break;
            case 1: // a header digit, still hex: parsing goes on with a wrong value
                bytes[record.header + 6 + random() % 104] = uint8_t(hex[random() % 22]);
                break;
            case 2: { // a size field, small or huge
                size_t which = random() % 2 ? field::namesize : field::filesize;
                uint32_t value = random() % 2 ? uint32_t(random()) : uint32_t(random() % 6000);
                put_field(bytes, record.header, which, hex8(value).c_str());
                break;
            }
            case 3: // the mode
                put_field(bytes, record.header, field::mode, hex8(uint32_t(random() % 0200000)).c_str());
                break;
            case 4: // a name byte
                bytes[record.name + random() % record.name_size] = uint8_t("/.\0a"[random() % 4]);
                break;
            }
        }
        if (random() % 4 == 0)
            bytes.resize(random() % (bytes.size() + 1));

        Loaded loaded(bytes);
        Error error = loaded.load_error();
        ++outcomes[error];
        if (error != Error::None) {
            CHECK((error == Error::Malformed || error == Error::Truncated || error == Error::OutOfRange));
            CHECK(loaded->entry_count() == 0);
            continue;
        }

        // Loaded: every accessor must stay inside the archive.
        const Archive& archive = *loaded;
        const uint8_t* begin = loaded.memory.get();
        const uint8_t* end = begin + loaded.size;
        for (const Entry& entry : archive.entries()) {
            REQUIRE(!entry.name.empty());
            REQUIRE(reinterpret_cast<const uint8_t*>(entry.name.data()) >= begin);
            REQUIRE(reinterpret_cast<const uint8_t*>(entry.name.data()) + entry.name.size() <= end);
            REQUIRE(entry.data >= begin);
            REQUIRE(entry.size <= uint64_t(end - entry.data));
            auto found = archive.lookup(entry.name);
            REQUIRE(found.has_value());
            CHECK(found.value() == &entry);
            auto stat = archive.stat(entry.name);
            REQUIRE(stat.has_value());
            CHECK(stat.value().size == entry.size);
            if (entry.is_file()) {
                std::string content = read_all(archive, entry.name, 1 + size_t(random() % 5000));
                CHECK(content == text_of(entry));
                for (uint64_t index = 0; index <= entry.size / page + 1; ++index) {
                    auto fill = archive.page(entry.id, index, frame);
                    REQUIRE(fill.has_value());
                    CHECK(fill.value().past_end == (index * page >= entry.size));
                }
                std::vector<DirEntry> out(4);
                CHECK(archive.list(entry.name, out).error() == Error::WrongType);
            } else if (entry.is_directory()) {
                list_all(archive, entry.name, 3);
            }
        }
        list_all(archive, "", 5);
    }
    MESSAGE("outcomes: " << outcomes[Error::None] << " loaded, " << outcomes[Error::Malformed]
                         << " malformed, " << outcomes[Error::Truncated] << " truncated, "
                         << outcomes[Error::OutOfRange] << " out of range");
    // The damage must be varied enough to reach both outcomes.
    CHECK(outcomes[Error::None] > 100);
    CHECK(outcomes[Error::Malformed] > 100);
    CHECK(outcomes[Error::Truncated] > 100);
}
