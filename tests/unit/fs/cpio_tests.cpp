// The initrd reader against archives written by the real GNU cpio: the
// entries, lookup under every spelling of a path, stat, read, page and list,
// implicit directories, hard links and the crc format.

#include "cpio_test_support.h"

#include <set>

using namespace cpio_test;

TEST_CASE("the real archive loads with every entry, normalised")
{
    auto loaded = load_ok(newc_archive());
    const Archive& archive = **loaded;

    Children seen;
    for (size_t i = 0; i < archive.entry_count(); ++i) {
        const Entry& entry = archive.entries()[i];
        CAPTURE(std::string(entry.name));
        CHECK(entry.id == i);
        CHECK(!entry.name.empty());
        CHECK(entry.name.front() != '/');
        CHECK(entry.name.find("./") == std::string_view::npos);
        CHECK(entry.mtime == archive_mtime);
        CHECK(entry.inode != 0);
        seen.emplace(std::string(entry.name), entry.type);
        auto by_id = archive.entry(entry.id);
        REQUIRE(by_id.has_value());
        CHECK(by_id.value() == &entry);
    }
    CHECK(seen == expected_entries);
    CHECK(archive.entry_count() == expected_entries.size());
    CHECK(archive.entry(fs::FileId(archive.entry_count())).error() == Error::OutOfRange);
    CHECK(archive.entry(no_file).error() == Error::OutOfRange);

    const Entry* pattern = archive.lookup("pattern.bin").value();
    CHECK(pattern->mode == 0100640);
    CHECK(pattern->size == 5000);
    CHECK(archive.lookup("a").value()->mode == 040755);
    CHECK(archive.lookup("symlink").value()->mode == 0120777);
    CHECK(text_of(*archive.lookup("symlink").value()) == "a/b/c.txt");
}

TEST_CASE("lookup accepts /a/b, a/b and ./a/b alike")
{
    auto loaded = load_ok(newc_archive());
    const Archive& archive = **loaded;

    for (const auto& expected : expected_entries) {
        const std::string& name = expected.first;
        EntryType type = expected.second;
        CAPTURE(name);
        auto plain = archive.lookup(name);
        REQUIRE(plain.has_value());
        CHECK(plain.value()->name == name);
        CHECK(plain.value()->type == type);
        for (const std::string& spelling : { "/" + name, "./" + name }) {
            auto other = archive.lookup(spelling);
            REQUIRE(other.has_value());
            CHECK(other.value() == plain.value());
        }
    }

    CHECK(archive.lookup("a/b/c.txt").value()->size == 21);
    CHECK(text_of(*archive.lookup("/a/b/c.txt").value()) == "hello from a/b/c.txt\n");
    CHECK(text_of(*archive.lookup(long_name).value()) == "long name\n");

    // Names are matched whole and exactly.
    for (const char* missing : { "nope", "a/b/c", "a/b/c.txt/x", "A/b/c.txt", "a/b/c.txt ", "pattern",
                                 "pattern.bin.old", "long/n", "emptydir/x", "b/c.txt", "c.txt" }) {
        CAPTURE(missing);
        CHECK(archive.lookup(missing).error() == Error::NotFound);
    }
    // The root has no entry.
    for (const char* root : { "", "/", ".", "./" })
        CHECK(archive.lookup(root).error() == Error::NotFound);
}

TEST_CASE("paths with .. or empty components are refused")
{
    auto loaded = load_ok(newc_archive());
    const Archive& archive = **loaded;
    std::vector<DirEntry> children(8);
    uint8_t buffer[16];

    std::vector<std::string_view> paths(std::begin(bad_paths), std::end(bad_paths));
    paths.push_back(std::string_view("a\0b", 3));
    paths.push_back(std::string_view("pattern.bin\0", 12));
    paths.push_back(std::string_view("\0", 1));
    for (std::string_view path : paths) {
        CAPTURE(std::string(path));
        CHECK(archive.lookup(path).error() == Error::InvalidArgument);
        CHECK(archive.stat(path).error() == Error::InvalidArgument);
        CHECK(archive.list(path, children).error() == Error::InvalidArgument);
        CHECK(archive.read(path, 0, buffer).error() == Error::InvalidArgument);
    }
}

TEST_CASE("stat reports size, type and mode")
{
    auto loaded = load_ok(newc_archive());
    const Archive& archive = **loaded;

    struct Expected {
        const char* path;
        uint64_t size;
        EntryType type;
        uint32_t mode;
    };
    const Expected expected[] = {
        { "empty", 0, EntryType::File, 0100644 },
        { "/page.bin", 4096, EntryType::File, 0100644 },
        { "./pattern.bin", 5000, EntryType::File, 0100640 },
        { "a/b/c.txt", 21, EntryType::File, 0100644 },
        { "p1", 1, EntryType::File, 0100644 },
        { "p22", 2, EntryType::File, 0100644 },
        { "p333", 3, EntryType::File, 0100644 },
        { "a", 0, EntryType::Directory, 040755 },
        { "/a/b", 0, EntryType::Directory, 040755 },
        { "emptydir", 0, EntryType::Directory, 040755 },
        { "symlink", 9, EntryType::Other, 0120777 },
        // newc keeps the data with the last link only; both links see it.
        { "links/one", 12, EntryType::File, 0100644 },
        { "links/two", 12, EntryType::File, 0100644 },
        // The root comes from the archive's "." record.
        { "", 0, EntryType::Directory, 040755 },
        { "/", 0, EntryType::Directory, 040755 },
        { ".", 0, EntryType::Directory, 040755 },
    };
    for (const Expected& e : expected) {
        CAPTURE(e.path);
        auto stat = archive.stat(e.path);
        REQUIRE(stat.has_value());
        CHECK(stat.value().size == e.size);
        CHECK(stat.value().type == e.type);
        CHECK(stat.value().mode == e.mode);
        if (*e.path && std::string_view(e.path) != "/" && std::string_view(e.path) != ".")
            CHECK(stat.value().id == archive.lookup(e.path).value()->id);
        else
            CHECK(stat.value().id == no_file);
    }
    CHECK(archive.stat(long_name).value().size == 10);
    CHECK(archive.stat("missing").error() == Error::NotFound);
    CHECK(archive.stat("a/b/c.txt/d").error() == Error::NotFound);
}

TEST_CASE("read copies from an offset and stops at the end of the file")
{
    auto loaded = load_ok(newc_archive());
    const Archive& archive = **loaded;
    const Entry& pattern = *archive.lookup("pattern.bin").value();

    auto check_read = [&](uint64_t offset, size_t length, size_t expected) {
        CAPTURE(offset);
        CAPTURE(length);
        std::vector<uint8_t> buffer(length + 8, 0xcc);
        std::span<uint8_t> out(buffer.data(), length);
        auto by_entry = archive.read(pattern, offset, out);
        REQUIRE(by_entry.has_value());
        CHECK(by_entry.value() == expected);
        for (size_t i = 0; i < expected; ++i)
            REQUIRE(buffer[i] == pattern_byte(size_t(offset) + i));
        for (size_t i = expected; i < buffer.size(); ++i)
            REQUIRE(buffer[i] == 0xcc); // nothing written past the data
        CHECK(archive.read(pattern.id, offset, out).value() == expected);
        CHECK(archive.read("/pattern.bin", offset, out).value() == expected);
    };
    check_read(0, 100, 100);
    check_read(1, 1, 1);
    check_read(4090, 20, 20); // across a page boundary
    check_read(4096, 904, 904);
    check_read(4096, 5000, 904);
    check_read(0, 5000, 5000);
    check_read(0, 6000, 5000);
    check_read(4990, 100, 10); // across the end
    check_read(4999, 1, 1);
    check_read(5000, 100, 0); // at the end
    check_read(5001, 100, 0); // past it
    check_read(1u << 20, 100, 0);
    check_read(~uint64_t(0), 100, 0);
    check_read(~uint64_t(0) - 10, 100, 0);
    check_read(100, 0, 0); // an empty buffer

    std::string whole;
    for (size_t chunk : { 1, 3, 777, 4096, 10000 }) {
        whole = read_all(archive, "pattern.bin", chunk);
        REQUIRE(whole.size() == 5000);
        for (size_t i = 0; i < whole.size(); ++i)
            REQUIRE(uint8_t(whole[i]) == pattern_byte(i));
    }
    whole = read_all(archive, "page.bin", 1000);
    REQUIRE(whole.size() == 4096);
    for (size_t i = 0; i < whole.size(); ++i)
        REQUIRE(uint8_t(whole[i]) == page_byte(i));

    CHECK(read_all(archive, "empty", 16).empty());
    CHECK(read_all(archive, "x", 16).empty());
    CHECK(read_all(archive, "p1", 16) == "1");
    CHECK(read_all(archive, "p22", 16) == "22");
    CHECK(read_all(archive, "p333", 16) == "333");
    CHECK(read_all(archive, "a/b/c.txt", 5) == "hello from a/b/c.txt\n");
    CHECK(read_all(archive, "links/one", 5) == "linked data\n");
    CHECK(read_all(archive, "links/two", 5) == "linked data\n");

    uint8_t buffer[16];
    CHECK(archive.read("a", 0, buffer).error() == Error::WrongType);
    CHECK(archive.read("symlink", 0, buffer).error() == Error::WrongType);
    CHECK(archive.read("/", 0, buffer).error() == Error::NotFound);
    CHECK(archive.read("missing", 0, buffer).error() == Error::NotFound);
    CHECK(archive.read(fs::FileId(archive.entry_count()), 0, buffer).error() == Error::OutOfRange);
    CHECK(archive.read(no_file, 0, buffer).error() == Error::OutOfRange);
}

TEST_CASE("page fills the frame with page N of the file, zeros past its end")
{
    auto loaded = load_ok(newc_archive());
    const Archive& archive = **loaded;
    const Entry& pattern = *archive.lookup("pattern.bin").value();
    std::array<uint8_t, page> frame;

    struct Expected {
        const char* path;
        uint64_t index;
        size_t data_bytes;
        bool past_end;
        uint8_t (*byte)(size_t);
    };
    auto none = [](size_t) -> uint8_t { return 0; };
    const Expected expected[] = {
        { "pattern.bin", 0, 4096, false, pattern_byte },
        { "pattern.bin", 1, 904, false, pattern_byte }, // 5000 - 4096 bytes, then zeros
        { "pattern.bin", 2, 0, true, none },
        { "pattern.bin", 3, 0, true, none },
        { "pattern.bin", uint64_t(1) << 52, 0, true, none },
        { "pattern.bin", ~uint64_t(0) / page, 0, true, none },
        { "pattern.bin", ~uint64_t(0) / page + 1, 0, true, none }, // index * 4096 wraps to 0
        { "pattern.bin", ~uint64_t(0), 0, true, none },
        { "page.bin", 0, 4096, false, page_byte },
        { "page.bin", 1, 0, true, none },
        { "empty", 0, 0, true, none },
        { "empty", 1, 0, true, none },
        { "p333", 0, 3, false, [](size_t) -> uint8_t { return '3'; } },
        { "links/one", 0, 12, false, [](size_t i) -> uint8_t { return "linked data\n"[i]; } },
    };
    for (const Expected& e : expected) {
        CAPTURE(e.path);
        CAPTURE(e.index);
        const Entry& entry = *archive.lookup(e.path).value();
        for (int by_id = 0; by_id < 2; ++by_id) {
            frame.fill(0xcc);
            auto fill = by_id ? archive.page(entry.id, e.index, frame) : archive.page(entry, e.index, frame);
            REQUIRE(fill.has_value());
            CHECK(fill.value().data_bytes == e.data_bytes);
            CHECK(fill.value().past_end == e.past_end);
            size_t first_wrong = page;
            for (size_t i = 0; i < page && first_wrong == page; ++i) {
                uint8_t want = i < e.data_bytes ? e.byte(size_t(e.index) * page + i) : 0;
                if (frame[i] != want)
                    first_wrong = i;
            }
            CHECK(first_wrong == page);
        }
    }

    // Every page of pattern.bin, stitched together, is the file plus zeros.
    std::vector<uint8_t> stitched;
    for (uint64_t index = 0; index < 2; ++index) {
        REQUIRE(archive.page(pattern, index, frame).has_value());
        stitched.insert(stitched.end(), frame.begin(), frame.end());
    }
    for (size_t i = 0; i < stitched.size(); ++i)
        REQUIRE(stitched[i] == (i < 5000 ? pattern_byte(i) : 0));

    // Errors leave the frame alone.
    frame.fill(0xcc);
    CHECK(archive.page(*archive.lookup("a").value(), 0, frame).error() == Error::WrongType);
    CHECK(archive.page(archive.lookup("symlink").value()->id, 0, frame).error() == Error::WrongType);
    CHECK(archive.page(fs::FileId(archive.entry_count()), 0, frame).error() == Error::OutOfRange);
    CHECK(archive.page(no_file, 0, frame).error() == Error::OutOfRange);
    CHECK(std::all_of(frame.begin(), frame.end(), [](uint8_t b) { return b == 0xcc; }));
}

TEST_CASE("list gives the immediate children of a directory")
{
    auto loaded = load_ok(newc_archive());
    const Archive& archive = **loaded;

    for (const char* root : { "", "/", ".", "./" }) {
        CAPTURE(root);
        CHECK(children_of(archive, root) == expected_top_level);
    }
    CHECK(children_of(archive, "a")
          == Children { { "b", EntryType::Directory }, { "top.txt", EntryType::File } });
    CHECK(children_of(archive, "/a") == children_of(archive, "./a"));
    CHECK(children_of(archive, "a/b") == Children { { "c.txt", EntryType::File } });
    CHECK(children_of(archive, "links")
          == Children { { "one", EntryType::File }, { "two", EntryType::File } });
    CHECK(children_of(archive, "long") == Children { { long_name.substr(5), EntryType::File } });
    CHECK(children_of(archive, "emptydir").empty());

    // Each child carries the id lookup() gives its full path.
    for (const DirEntry& child : list_all(archive, "a")) {
        std::string full = "a/" + std::string(child.name);
        CHECK(child.id == archive.lookup(full).value()->id);
    }

    std::vector<DirEntry> out(4);
    for (const char* not_directory : { "pattern.bin", "empty", "symlink", "a/b/c.txt" }) {
        CAPTURE(not_directory);
        CHECK(archive.list(not_directory, out).error() == Error::WrongType);
    }
    for (const char* missing : { "nope", "a/c", "a/b/c", "emptydi", "emptydir/x" }) {
        CAPTURE(missing);
        CHECK(archive.list(missing, out).error() == Error::NotFound);
    }
}

TEST_CASE("list pages through the children with a cursor")
{
    auto loaded = load_ok(newc_archive());
    const Archive& archive = **loaded;
    std::vector<DirEntry> all = list_all(archive, "", 64);
    REQUIRE(all.size() == expected_top_level.size());

    for (size_t batch : { 1, 2, 5, 11, 12, 13 }) {
        CAPTURE(batch);
        std::vector<DirEntry> paged = list_all(archive, "", batch);
        REQUIRE(paged.size() == all.size());
        for (size_t i = 0; i < all.size(); ++i) {
            CHECK(paged[i].name == all[i].name);
            CHECK(paged[i].id == all[i].id);
        }
    }

    // One at a time, by hand: each call reports more until the last.
    std::vector<DirEntry> one(1);
    size_t cursor = 0, calls = 0;
    while (true) {
        auto page = archive.list("", one, cursor).value();
        ++calls;
        if (!page.more) {
            CHECK(page.count == 1); // the last child fits and ends the listing
            break;
        }
        CHECK(page.count == 1);
        CHECK(page.next_cursor > cursor);
        cursor = page.next_cursor;
    }
    CHECK(calls == all.size());

    // No room: nothing written, and the cursor stays on the first child.
    std::span<DirEntry> no_room;
    auto empty_page = archive.list("", no_room, 0).value();
    CHECK(empty_page.count == 0);
    CHECK(empty_page.more);
    CHECK(empty_page.next_cursor == 0);

    // A cursor past the end lists nothing.
    for (size_t past : { archive.entry_count(), archive.entry_count() + 1, ~size_t(0) }) {
        auto page = archive.list("", one, past).value();
        CHECK(page.count == 0);
        CHECK(!page.more);
    }
}

TEST_CASE("directories without a record of their own are implicit")
{
    auto loaded = load_ok(files_only_archive());
    const Archive& archive = **loaded;

    for (const Entry& entry : archive.entries())
        CHECK(entry.type == EntryType::File);
    Children top = children_of(archive, "/");
    CHECK(top
          == Children {
              { "a", EntryType::Directory },
              { "empty", EntryType::File },
              { "links", EntryType::Directory },
              { "long", EntryType::Directory },
              { "p1", EntryType::File },
              { "p22", EntryType::File },
              { "p333", EntryType::File },
              { "page.bin", EntryType::File },
              { "pattern.bin", EntryType::File },
              { "x", EntryType::File },
          });
    for (const DirEntry& child : list_all(archive, ""))
        CHECK((child.id == no_file) == (child.type == EntryType::Directory));
    CHECK(children_of(archive, "a")
          == Children { { "b", EntryType::Directory }, { "top.txt", EntryType::File } });
    CHECK(children_of(archive, "./a/b") == Children { { "c.txt", EntryType::File } });

    for (const char* implicit : { "a", "/a/b", "links", "long" }) {
        CAPTURE(implicit);
        auto stat = archive.stat(implicit);
        REQUIRE(stat.has_value());
        CHECK(stat.value().type == EntryType::Directory);
        CHECK(stat.value().mode == fs::implicit_directory_mode);
        CHECK(stat.value().size == 0);
        CHECK(stat.value().id == no_file);
        CHECK(archive.lookup(implicit).error() == Error::NotFound);
    }
    CHECK(archive.stat("/").value().mode == fs::implicit_directory_mode); // no "." record either
    CHECK(archive.stat("emptydir").error() == Error::NotFound);
    CHECK(archive.stat("a/b/c").error() == Error::NotFound);
    CHECK(archive.stat("a/bb").error() == Error::NotFound);
    std::vector<DirEntry> out(4);
    CHECK(archive.list("a/b/c.txt", out).error() == Error::WrongType);
    CHECK(archive.list("a/b/c", out).error() == Error::NotFound);
    CHECK(read_all(archive, "a/b/c.txt", 7) == "hello from a/b/c.txt\n");
    CHECK(read_all(archive, "links/one", 7) == "linked data\n");
    CHECK(read_all(archive, "links/two", 7) == "linked data\n");
}

TEST_CASE("the crc format is read and its checksums checked")
{
    auto crc = load_ok(crc_archive());
    auto newc = load_ok(newc_archive());
    REQUIRE((*crc)->entry_count() == (*newc)->entry_count());
    for (size_t i = 0; i < (*newc)->entry_count(); ++i) {
        const Entry& a = (*newc)->entries()[i];
        const Entry& b = (*crc)->entries()[i];
        CHECK(a.name == b.name);
        CHECK(a.type == b.type);
        CHECK(text_of(a) == text_of(b));
    }

    // One changed data byte: the crc archive notices, newc cannot.
    for (const Bytes* original : { &crc_archive(), &newc_archive() }) {
        Bytes bytes = *original;
        bool checksummed = original == &crc_archive();
        CAPTURE(checksummed);
        for (const RecordInfo& record : walk(bytes)) {
            bool regular = (field_value(bytes, record.header, field::mode) & 0170000) == 0100000;
            if (record.file_size == 0 || !regular)
                continue;
            CAPTURE(record.name_text);
            Bytes damaged = bytes;
            damaged[record.data + record.file_size / 2] ^= 0x01;
            CHECK(Loaded(damaged).load_error() == (checksummed ? Error::Malformed : Error::None));
        }
        std::vector<RecordInfo> records = walk(bytes);
        // GNU cpio leaves a symlink's check 0: only regular files are summed.
        const RecordInfo& symlink = *std::find_if(
            records.begin(), records.end(), [](const RecordInfo& r) { return r.name_text == "symlink"; });
        CHECK(field_value(bytes, symlink.header, field::check) == 0);
        // A wrong check field on a file with data.
        const RecordInfo& pattern = *std::find_if(
            records.begin(), records.end(), [](const RecordInfo& r) { return r.name_text == "pattern.bin"; });
        Bytes damaged = bytes;
        put_field(damaged, pattern.header, field::check, "00000001");
        CHECK(Loaded(damaged).load_error() == (checksummed ? Error::Malformed : Error::None));
    }
}
