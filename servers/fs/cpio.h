#pragma once
// A read-only view over the initrd: a cpio archive in the "newc" format
// (magic 070701, or 070702 with a data checksum), as GNU `cpio -o -H newc`
// writes it and GRUB loads it as a boot module. Pure logic, no syscalls: the
// file server maps the module, calls load() once, and answers every request
// from the entry table built here. The archive memory must outlive the view.
//
// Layout of one record (all offsets relative to the start of the archive):
//
//   110-byte header: "070701" then 13 fields of 8 hex digits
//                    (ino mode uid gid nlink mtime filesize devmajor devminor
//                     rdevmajor rdevminor namesize check)
//   name:            namesize bytes, the last one NUL; header + name is
//                    padded with NULs to a multiple of 4
//   data:            filesize bytes, padded to a multiple of 4
//
// The record named "TRAILER!!!" ends the archive; anything after it (GNU pads
// to 512 bytes, initramfs may concatenate more) is ignored.
//
// load() validates everything the accessors rely on, so after it succeeds
// every name, data pointer and size lies inside the archive:
//   Malformed:  bad magic, a non-hex digit, namesize 0, a name whose last byte
//               is not NUL or that holds an earlier NUL, a name with an empty,
//               "." or ".." component, an unknown file type in mode, a
//               directory with data, a 070702 checksum mismatch
//               (regular files only, as GNU cpio sums only those), a name that
//               appears twice, a name below a non-directory.
//   Truncated:  a header, name or data that runs past the end, or no trailer.
//   OutOfRange: more than max_entries entries (the root "." does not count).
// Checks run in archive order, so an archive with several faults always
// reports the same, first one. A failed load() leaves an empty view.
//
// Names are stored normalised: "./a/b", "/a/b" and "a/b" are all "a/b", and
// "." (the root itself, as `find .` emits it) is not an entry. Directories
// that only exist as a prefix of another name ("a" for "a/b/c.txt" when the
// archive has no "a" record) are implicit: stat() and list() see them as
// read-only directories, lookup() does not (they have no record and no id).
//
// Hard links: newc stores a file's data once, with the last of its links;
// the other links have filesize 0. load() gives those the shared data.
//
// Every regular file, directory and other record (symlink, device, fifo)
// gets a FileId: its index in the table, stable for a given archive, so the
// pager can name "page N of file F" in a small integer.

#include <cstddef>
#include <cstdint>
#include <ipc/addr.h>
#include <ipc/result.h>
#include <span>
#include <string_view>

namespace fs {

using ipc::Error;
using ipc::Result;

using FileId = uint32_t;
inline constexpr FileId no_file = 0xffff'ffff; // root and implicit directories

enum class EntryType : uint8_t {
    File,      // S_IFREG
    Directory, // S_IFDIR
    Other,     // symlink (data is the target), character/block device, fifo, socket
};

constexpr const char* entry_type_name(EntryType type)
{
    switch (type) {
    case EntryType::File: return "file";
    case EntryType::Directory: return "directory";
    case EntryType::Other: return "other";
    }
    return "unknown";
}

// Mode bits (as in <sys/stat.h>, written out for freestanding builds).
inline constexpr uint32_t mode_type_mask = 0170000;
inline constexpr uint32_t mode_directory = 0040000;
inline constexpr uint32_t mode_regular = 0100000;
// What stat() reports for the root and implicit directories: dr-xr-xr-x.
inline constexpr uint32_t implicit_directory_mode = mode_directory | 0555;

struct Entry {
    std::string_view name;           // normalised, never empty, points into the archive
    const uint8_t* data { nullptr }; // filesize bytes inside the archive
    uint64_t size { 0 };
    uint32_t mode { 0 }; // type and permission bits, as in the archive
    uint32_t inode { 0 };
    uint32_t mtime { 0 }; // seconds since the epoch
    uint32_t nlink { 0 };
    uint32_t dev_major { 0 };
    uint32_t dev_minor { 0 };
    EntryType type { EntryType::Other };
    FileId id { no_file };

    bool is_file() const { return type == EntryType::File; }
    bool is_directory() const { return type == EntryType::Directory; }
};

struct Stat {
    uint64_t size { 0 };
    EntryType type { EntryType::Other };
    uint32_t mode { 0 };
    FileId id { no_file }; // no_file for the root and implicit directories
};

// One child in a directory listing. `name` is the last component only.
struct DirEntry {
    std::string_view name;
    EntryType type { EntryType::Other };
    FileId id { no_file }; // no_file for an implicit directory
};

// The outcome of one list() call: `count` children were written; if `more`,
// call again with `next_cursor` (and a fresh buffer) for the rest.
struct ListPage {
    size_t count { 0 };
    size_t next_cursor { 0 };
    bool more { false };
};

// The outcome of page(): how many bytes came from the file (the rest of the
// frame is zero), and whether the page lies wholly past the end of the file
// (then data_bytes is 0 and the frame is all zeros).
struct PageFill {
    size_t data_bytes { 0 };
    bool past_end { false };
};

using PageFrame = std::span<uint8_t, ipc::page_size>;

class Archive {
public:
    static constexpr size_t max_entries = 256;
    static constexpr size_t header_size = 110;

    Archive() = default;
    Archive(const Archive&) = delete;
    Archive& operator=(const Archive&) = delete;

    // Validates the whole archive and builds the entry table.
    Result<void> load(const uint8_t* base, size_t size);

    std::span<const Entry> entries() const { return { m_entries, m_count }; }
    size_t entry_count() const { return m_count; }

    // The entry with this id, or OutOfRange.
    Result<const Entry*> entry(FileId id) const;

    // Paths: "a/b", "/a/b" and "./a/b" name the same entry; "", "/", "." and
    // "./" name the root. A "..", "." (other than the leading "./") or empty
    // component, a trailing "/", or a NUL byte is InvalidArgument.
    //
    // The explicit entry at `path`: NotFound for the root, implicit
    // directories and names not in the archive.
    Result<const Entry*> lookup(std::string_view path) const;
    // Also answers for the root and implicit directories (size 0,
    // implicit_directory_mode, unless the archive has a "." record).
    Result<Stat> stat(std::string_view path) const;

    // The immediate children of the directory at `path` ("" or "/": the top
    // level), implicit directories included, each once, in the order of the
    // first entry below them. Start with cursor 0. NotFound if nothing is at
    // `path`, WrongType if it is not a directory.
    Result<ListPage> list(std::string_view path, std::span<DirEntry> out, size_t cursor = 0) const;

    // Copies up to out.size() bytes of a regular file starting at `offset`
    // and returns how many: 0 at or past the end, never beyond the file.
    // WrongType for anything but a regular file.
    Result<size_t> read(const Entry& entry, uint64_t offset, std::span<uint8_t> out) const;
    Result<size_t> read(FileId id, uint64_t offset, std::span<uint8_t> out) const;
    Result<size_t> read(std::string_view path, uint64_t offset, std::span<uint8_t> out) const;

    // Fills `frame` with page `index` of a regular file: the file's bytes
    // [index * 4096, index * 4096 + 4096), zeros past the end of the file.
    Result<PageFill> page(const Entry& entry, uint64_t index, PageFrame frame) const;
    Result<PageFill> page(FileId id, uint64_t index, PageFrame frame) const;

private:
    Result<void> index(const uint8_t* base, size_t size);
    const Entry* find(std::string_view name) const;
    bool has_children(std::string_view directory) const;
    Result<void> check_tree() const;
    void resolve_hard_links();

    Entry m_entries[max_entries] {};
    size_t m_count { 0 };
    uint32_t m_root_mode { implicit_directory_mode };
};

} // namespace fs
