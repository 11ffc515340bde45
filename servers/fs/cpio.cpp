// The newc reader. Every offset is checked against the archive size before
// the bytes under it are touched, and checked by subtraction (`n > size -
// offset`) so a huge field cannot wrap around into a range that looks valid.
// string_view is used only through members that cannot throw or call
// substr() (which pulls in std::__throw_out_of_range_fmt).

#include "cpio.h"

namespace fs {

namespace {

constexpr size_t field_count = 13;
constexpr size_t field_digits = 8;
constexpr size_t magic_length = 6;

enum Field : size_t {
    field_ino,
    field_mode,
    field_uid,
    field_gid,
    field_nlink,
    field_mtime,
    field_filesize,
    field_devmajor,
    field_devminor,
    field_rdevmajor,
    field_rdevminor,
    field_namesize,
    field_check,
};

constexpr std::string_view trailer_name = "TRAILER!!!";

constexpr size_t align4(size_t offset) { return (offset + 3) & ~size_t(3); }

// A view of `length` bytes at `data`; never throws, unlike substr().
std::string_view view(const char* data, size_t length) { return std::string_view(data, length); }

Result<uint32_t> parse_hex8(const uint8_t* digits)
{
    uint32_t value = 0;
    for (size_t i = 0; i < field_digits; ++i) {
        uint8_t c = digits[i];
        uint32_t digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else
            return Error::Malformed;
        value = value << 4 | digit;
    }
    return value;
}

// Not string_view::starts_with(): libstdc++ builds it on substr().
bool starts_with(std::string_view s, std::string_view prefix)
{
    return s.size() >= prefix.size() && view(s.data(), prefix.size()) == prefix;
}

// Strips the one allowed prefix ("/" or "./") and checks every component:
// InvalidArgument for an empty, "." or ".." component or a NUL byte. The
// empty result is the root. Shared by archive names and lookup paths.
Result<std::string_view> normalise(std::string_view path)
{
    if (path.empty() || path == "." || path == "./" || path == "/")
        return std::string_view {};
    if (starts_with(path, "./"))
        path.remove_prefix(2);
    else if (starts_with(path, "/"))
        path.remove_prefix(1);

    size_t start = 0;
    while (true) {
        size_t slash = path.find('/', start);
        size_t end = slash == std::string_view::npos ? path.size() : slash;
        std::string_view component = view(path.data() + start, end - start);
        if (component.empty() || component == "." || component == ".."
            || component.find('\0') != std::string_view::npos)
            return Error::InvalidArgument;
        if (slash == std::string_view::npos)
            return path;
        start = slash + 1;
    }
}

// The full path of the child of `directory` that `name` lies in or is
// ("a/b" for directory "a" and name "a/b/c.txt"), or empty if `name` is not
// below `directory`.
std::string_view child_path(std::string_view name, std::string_view directory)
{
    size_t start = 0;
    if (!directory.empty()) {
        if (name.size() <= directory.size() + 1 || !starts_with(name, directory)
            || name[directory.size()] != '/')
            return {};
        start = directory.size() + 1;
    }
    size_t slash = name.find('/', start);
    return view(name.data(), slash == std::string_view::npos ? name.size() : slash);
}

std::string_view last_component(std::string_view path)
{
    size_t slash = path.rfind('/');
    if (slash == std::string_view::npos)
        return path;
    return view(path.data() + slash + 1, path.size() - slash - 1);
}

Result<EntryType> type_of(uint32_t mode)
{
    if (mode > 0177777)
        return Error::Malformed;
    switch (mode & mode_type_mask) {
    case mode_regular: return EntryType::File;
    case mode_directory: return EntryType::Directory;
    case 0120000: // symbolic link
    case 0020000: // character device
    case 0060000: // block device
    case 0010000: // fifo
    case 0140000: // socket
        return EntryType::Other;
    default: return Error::Malformed;
    }
}

// One record as it sits in the archive, bounds already checked.
struct Record {
    uint32_t fields[field_count] {};
    bool checksummed { false };
    std::string_view name; // as stored, without its NUL
    size_t data_offset { 0 };
    size_t next_offset { 0 }; // may exceed the archive size by up to 3
};

Result<Record> read_record(const uint8_t* base, size_t size, size_t offset)
{
    if (offset > size || size - offset < Archive::header_size)
        return Error::Truncated;
    const uint8_t* header = base + offset;

    Record record;
    constexpr uint8_t magic_prefix[] = { '0', '7', '0', '7', '0' };
    for (size_t i = 0; i < sizeof(magic_prefix); ++i) {
        if (header[i] != magic_prefix[i])
            return Error::Malformed;
    }
    if (header[5] == '2')
        record.checksummed = true;
    else if (header[5] != '1')
        return Error::Malformed;
    for (size_t i = 0; i < field_count; ++i)
        record.fields[i] = TRY(parse_hex8(header + magic_length + i * field_digits));

    uint32_t name_size = record.fields[field_namesize];
    if (name_size == 0)
        return Error::Malformed;
    size_t name_offset = offset + Archive::header_size;
    if (name_size > size - name_offset)
        return Error::Truncated;
    const char* name = reinterpret_cast<const char*>(base + name_offset);
    if (name[name_size - 1] != '\0')
        return Error::Malformed;
    record.name = view(name, name_size - 1); // a NUL inside it fails normalise()
    if (record.name == trailer_name) {
        // The end: its data (none, in practice) and padding need not fit.
        record.next_offset = size;
        return record;
    }

    record.data_offset = align4(name_offset + name_size);
    uint32_t file_size = record.fields[field_filesize];
    if (record.data_offset > size || file_size > size - record.data_offset)
        return Error::Truncated;
    record.next_offset = align4(record.data_offset + file_size);
    return record;
}

uint32_t checksum(const uint8_t* data, size_t size)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < size; ++i)
        sum += data[i];
    return sum;
}

} // namespace

Result<void> Archive::load(const uint8_t* base, size_t size)
{
    auto result = index(base, size);
    if (result.is_error()) {
        m_count = 0;
        m_root_mode = implicit_directory_mode;
        return result.error();
    }
    resolve_hard_links();
    return {};
}

Result<void> Archive::index(const uint8_t* base, size_t size)
{
    m_count = 0;
    m_root_mode = implicit_directory_mode;
    if (base == nullptr && size != 0)
        return Error::InvalidArgument;

    bool have_root = false;
    for (size_t offset = 0;;) {
        Record record = TRY(read_record(base, size, offset));
        if (record.name == trailer_name)
            break;
        offset = record.next_offset;

        auto normalised = normalise(record.name);
        if (normalised.is_error())
            return Error::Malformed;
        std::string_view name = normalised.value();
        uint32_t mode = record.fields[field_mode];
        EntryType type = TRY(type_of(mode));
        uint32_t file_size = record.fields[field_filesize];
        if (type == EntryType::Directory && file_size != 0)
            return Error::Malformed;
        const uint8_t* data = base + record.data_offset;
        // GNU cpio sums regular files only (a symlink's check is 0).
        bool summed = record.checksummed && type == EntryType::File;
        if (summed && checksum(data, file_size) != record.fields[field_check])
            return Error::Malformed;

        if (name.empty()) {
            // The root itself: only its mode is of use.
            if (type != EntryType::Directory || have_root)
                return Error::Malformed;
            have_root = true;
            m_root_mode = mode;
            continue;
        }
        if (m_count == max_entries)
            return Error::OutOfRange;
        Entry& entry = m_entries[m_count];
        entry.name = name;
        entry.data = data;
        entry.size = file_size;
        entry.mode = mode;
        entry.inode = record.fields[field_ino];
        entry.mtime = record.fields[field_mtime];
        entry.nlink = record.fields[field_nlink];
        entry.dev_major = record.fields[field_devmajor];
        entry.dev_minor = record.fields[field_devminor];
        entry.type = type;
        entry.id = FileId(m_count);
        ++m_count;
    }
    return check_tree();
}

// Every name once, and nothing below a file. O(n^2) over at most 256 names.
Result<void> Archive::check_tree() const
{
    for (size_t i = 0; i < m_count; ++i) {
        std::string_view name = m_entries[i].name;
        for (size_t j = 0; j < i; ++j) {
            if (m_entries[j].name == name)
                return Error::Malformed;
        }
        size_t slash = name.find('/');
        for (; slash != std::string_view::npos; slash = name.find('/', slash + 1)) {
            const Entry* parent = find(view(name.data(), slash));
            if (parent && !parent->is_directory())
                return Error::Malformed;
        }
    }
    return {};
}

// A link without data shares the data of a link to the same inode that has it.
void Archive::resolve_hard_links()
{
    for (size_t i = 0; i < m_count; ++i) {
        Entry& link = m_entries[i];
        if (!link.is_file() || link.size != 0 || link.nlink < 2)
            continue;
        for (size_t j = 0; j < m_count; ++j) {
            const Entry& other = m_entries[j];
            if (other.is_file() && other.size != 0 && other.nlink >= 2 && other.inode == link.inode
                && other.dev_major == link.dev_major && other.dev_minor == link.dev_minor) {
                link.data = other.data;
                link.size = other.size;
                break;
            }
        }
    }
}

const Entry* Archive::find(std::string_view name) const
{
    for (size_t i = 0; i < m_count; ++i) {
        if (m_entries[i].name == name)
            return &m_entries[i];
    }
    return nullptr;
}

bool Archive::has_children(std::string_view directory) const
{
    for (size_t i = 0; i < m_count; ++i) {
        if (!child_path(m_entries[i].name, directory).empty())
            return true;
    }
    return false;
}

Result<const Entry*> Archive::entry(FileId id) const
{
    if (id >= m_count)
        return Error::OutOfRange;
    return &m_entries[id];
}

Result<const Entry*> Archive::lookup(std::string_view path) const
{
    std::string_view name = TRY(normalise(path));
    const Entry* entry = name.empty() ? nullptr : find(name);
    if (!entry)
        return Error::NotFound;
    return entry;
}

Result<Stat> Archive::stat(std::string_view path) const
{
    std::string_view name = TRY(normalise(path));
    if (name.empty())
        return Stat { 0, EntryType::Directory, m_root_mode, no_file };
    if (const Entry* entry = find(name))
        return Stat { entry->size, entry->type, entry->mode, entry->id };
    if (has_children(name))
        return Stat { 0, EntryType::Directory, implicit_directory_mode, no_file };
    return Error::NotFound;
}

Result<ListPage> Archive::list(std::string_view path, std::span<DirEntry> out, size_t cursor) const
{
    std::string_view directory = TRY(normalise(path));
    if (!directory.empty()) {
        const Entry* entry = find(directory);
        if (entry && !entry->is_directory())
            return Error::WrongType;
        if (!entry && !has_children(directory))
            return Error::NotFound;
    }

    ListPage page;
    for (size_t i = cursor; i < m_count; ++i) {
        std::string_view child = child_path(m_entries[i].name, directory);
        if (child.empty())
            continue;
        // Each child once: skip it if an earlier entry already lies in it.
        bool seen = false;
        for (size_t j = 0; j < i && !seen; ++j)
            seen = child_path(m_entries[j].name, directory) == child;
        if (seen)
            continue;
        if (page.count == out.size()) {
            page.next_cursor = i;
            page.more = true;
            return page;
        }
        const Entry* entry = find(child);
        out[page.count++] = DirEntry {
            last_component(child),
            entry ? entry->type : EntryType::Directory,
            entry ? entry->id : no_file,
        };
    }
    page.next_cursor = m_count > cursor ? m_count : cursor;
    return page;
}

Result<size_t> Archive::read(const Entry& entry, uint64_t offset, std::span<uint8_t> out) const
{
    if (!entry.is_file())
        return Error::WrongType;
    if (offset >= entry.size || out.empty())
        return size_t(0);
    uint64_t available = entry.size - offset;
    size_t count = out.size() < available ? out.size() : size_t(available);
    __builtin_memcpy(out.data(), entry.data + offset, count);
    return count;
}

Result<size_t> Archive::read(FileId id, uint64_t offset, std::span<uint8_t> out) const
{
    const Entry* entry = TRY(this->entry(id));
    return read(*entry, offset, out);
}

Result<size_t> Archive::read(std::string_view path, uint64_t offset, std::span<uint8_t> out) const
{
    const Entry* entry = TRY(lookup(path));
    return read(*entry, offset, out);
}

Result<PageFill> Archive::page(const Entry& entry, uint64_t index, PageFrame frame) const
{
    if (!entry.is_file())
        return Error::WrongType;
    // Compared by division: index * page_size may overflow.
    uint64_t pages = (entry.size + ipc::page_size - 1) / ipc::page_size;
    if (index >= pages) {
        __builtin_memset(frame.data(), 0, frame.size());
        return PageFill { 0, true };
    }
    uint64_t start = index * ipc::page_size;
    uint64_t available = entry.size - start;
    size_t count = available < frame.size() ? size_t(available) : frame.size();
    __builtin_memcpy(frame.data(), entry.data + start, count);
    __builtin_memset(frame.data() + count, 0, frame.size() - count);
    return PageFill { count, false };
}

Result<PageFill> Archive::page(FileId id, uint64_t index, PageFrame frame) const
{
    const Entry* entry = TRY(this->entry(id));
    return page(*entry, index, frame);
}

} // namespace fs
