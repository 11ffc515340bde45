// ELF64 validation against the real binaries this project builds: the init
// program must parse, the higher-half kernel must not, and copies of init
// corrupted one field at a time must fail with the matching error.
//
// The build passes the paths in FAULTLINE_INIT_ELF and FAULTLINE_KERNEL_ELF.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <doctest/doctest.h>
#include <ipc/addr.h>
#include <ipc/elf64.h>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

using ipc::elf::elf_error_name;
using ipc::elf::ElfError;
using ipc::elf::Image;
using ipc::elf::Segment;

namespace doctest {
template<>
struct StringMaker<ElfError> {
    static String convert(ElfError error) { return elf_error_name(error); }
};
} // namespace doctest

namespace {

// Field offsets, written out here independently of the parser.
constexpr size_t e_type = 16, e_machine = 18, e_version = 20, e_entry = 24, e_phoff = 32, e_phentsize = 54,
                 e_phnum = 56;
constexpr size_t p_type = 0, p_flags = 4, p_offset = 8, p_vaddr = 16, p_filesz = 32, p_memsz = 40;
constexpr size_t phdr_size = 56;
constexpr uint32_t pt_null = 0, pt_load = 1;
constexpr uint32_t pf_x = 1, pf_w = 2, pf_r = 4;

std::vector<uint8_t> read_file_named_by(const char* variable)
{
    const char* path = std::getenv(variable);
    if (!path || !*path)
        FAIL(variable << " is not set; run the unit tests through `meson test`");
    std::FILE* file = std::fopen(path, "rb");
    if (!file)
        FAIL("cannot open " << path);
    std::vector<uint8_t> bytes;
    uint8_t chunk[4096];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof(chunk), file)) > 0)
        bytes.insert(bytes.end(), chunk, chunk + n);
    std::fclose(file);
    REQUIRE(!bytes.empty());
    return bytes;
}

// A mutable copy of an ELF file with typed field access.
struct ElfFile {
    std::vector<uint8_t> bytes;

    template<typename T>
    T get(size_t offset) const
    {
        REQUIRE(offset + sizeof(T) <= bytes.size());
        T value;
        std::memcpy(&value, &bytes[offset], sizeof(T));
        return value;
    }
    template<typename T>
    void put(size_t offset, T value)
    {
        REQUIRE(offset + sizeof(T) <= bytes.size());
        std::memcpy(&bytes[offset], &value, sizeof(T));
    }

    size_t phnum() const { return get<uint16_t>(e_phnum); }
    size_t phdr(size_t index) const { return size_t(get<uint64_t>(e_phoff)) + index * phdr_size; }

    // Index of the first PT_LOAD with memory whose flags include `flags`.
    std::optional<size_t> find_load(uint32_t flags = 0) const
    {
        for (size_t i = 0; i < phnum(); ++i) {
            if (get<uint32_t>(phdr(i) + p_type) == pt_load && get<uint64_t>(phdr(i) + p_memsz) > 0
                && (get<uint32_t>(phdr(i) + p_flags) & flags) == flags)
                return i;
        }
        return std::nullopt;
    }
    size_t require_load(uint32_t flags = 0) const
    {
        auto index = find_load(flags);
        REQUIRE(index.has_value());
        return *index;
    }

    // Copies the program header table to the end of the file with extra
    // entries appended: the only way to add headers without moving sections.
    void append_phdrs(const std::vector<std::vector<uint8_t>>& extra)
    {
        std::vector<uint8_t> table(bytes.begin() + long(phdr(0)), bytes.begin() + long(phdr(phnum())));
        for (auto& header : extra)
            table.insert(table.end(), header.begin(), header.end());
        uint64_t new_offset = bytes.size();
        bytes.insert(bytes.end(), table.begin(), table.end());
        put<uint64_t>(e_phoff, new_offset);
        put<uint16_t>(e_phnum, uint16_t(table.size() / phdr_size));
    }
    std::vector<uint8_t> phdr_bytes(size_t index) const
    {
        auto begin = bytes.begin() + long(phdr(index));
        return std::vector<uint8_t>(begin, begin + long(phdr_size));
    }

    ipc::Result<Image, ElfError> parse() const { return Image::parse(bytes.data(), bytes.size()); }
    ElfError error() const
    {
        auto result = parse();
        REQUIRE(result.is_error());
        return result.error();
    }
};

ElfFile init_elf() { return ElfFile { read_file_named_by("FAULTLINE_INIT_ELF") }; }

const Segment* segment_containing(const Image& image, uint64_t address)
{
    for (size_t i = 0; i < image.segment_count(); ++i) {
        const Segment& segment = image.segment(i);
        if (address >= segment.vaddr && address - segment.vaddr < segment.memsz)
            return &segment;
    }
    return nullptr;
}

// What every successfully parsed image promises its loader. Returns the
// first broken promise, or an empty string.
std::string broken_promise(const Image& image, size_t file_size)
{
    if (image.segment_count() < 1 || image.segment_count() > Image::max_segments)
        return "segment count out of bounds";
    for (size_t i = 0; i < image.segment_count(); ++i) {
        const Segment& s = image.segment(i);
        std::string which = "segment " + std::to_string(i) + ": ";
        if (s.memsz == 0)
            return which + "empty";
        if (s.filesz > s.memsz)
            return which + "filesz > memsz";
        if (s.file_offset > file_size || s.filesz > file_size - s.file_offset)
            return which + "outside the file";
        if (!ipc::is_user_range(s.vaddr, s.memsz))
            return which + "outside user space";
        if (s.vaddr % ipc::page_size != s.file_offset % ipc::page_size)
            return which + "misaligned";
        for (size_t j = 0; j < i; ++j) {
            const Segment& t = image.segment(j);
            if (ipc::round_down_to_page(s.vaddr) < ipc::round_up_to_page(t.vaddr + t.memsz)
                && ipc::round_down_to_page(t.vaddr) < ipc::round_up_to_page(s.vaddr + s.memsz))
                return which + "shares a page with segment " + std::to_string(j);
        }
    }
    const Segment* entry_segment = segment_containing(image, image.entry());
    if (!entry_segment || !entry_segment->executable())
        return "entry not in an executable segment";
    return {};
}

} // namespace

TEST_CASE("elf: the real init program parses and is laid out for the pager")
{
    ElfFile file = init_elf();
    auto result = file.parse();
    REQUIRE_MESSAGE(result.has_value(), "init.elf rejected: " << elf_error_name(result.error()));
    const Image& image = result.value();
    CHECK(broken_promise(image, file.bytes.size()) == "");

    // Every non-empty PT_LOAD in the file is in the image, and nothing else.
    size_t loads = 0;
    for (size_t i = 0; i < file.phnum(); ++i) {
        size_t header = file.phdr(i);
        loads += file.get<uint32_t>(header + p_type) == pt_load && file.get<uint64_t>(header + p_memsz) > 0;
    }
    CHECK(image.segment_count() == loads);

    // Code is readable and executable but not writable; anything writable is
    // not executable (the linker script gives each kind its own pages).
    bool has_code = false;
    for (size_t i = 0; i < image.segment_count(); ++i) {
        const Segment& s = image.segment(i);
        if (s.executable()) {
            has_code = true;
            CHECK(s.readable());
            CHECK_FALSE(s.writable());
        }
        if (s.writable()) {
            CHECK(s.readable());
            CHECK_FALSE(s.executable());
        }
    }
    CHECK(has_code);
    CHECK(image.entry() >= ipc::user_space_base);
}

TEST_CASE("elf: the higher-half kernel is not a user program")
{
    ElfFile kernel { read_file_named_by("FAULTLINE_KERNEL_ELF") };
    // It is a valid x86-64 executable otherwise: the first error is where it lives.
    CHECK(kernel.get<uint16_t>(e_machine) == 62);
    CHECK(kernel.error() == ElfError::SegmentOutsideUserSpace);
}

TEST_CASE("elf: header identity checks, in order")
{
    ElfFile good = init_elf();

    for (size_t length = 0; length < 64; ++length) {
        CAPTURE(length);
        CHECK(Image::parse(good.bytes.data(), length).error() == ElfError::TooSmall);
    }
    CHECK(Image::parse(nullptr, 0).error() == ElfError::TooSmall);

    for (size_t i = 0; i < 4; ++i) {
        CAPTURE(i);
        ElfFile file = good;
        file.bytes[i] ^= 0x20;
        CHECK(file.error() == ElfError::BadMagic);
    }

    ElfFile file = good;
    file.bytes[4] = 1; // ELFCLASS32
    CHECK(file.error() == ElfError::NotElf64);
    file = good;
    file.bytes[4] = 0;
    CHECK(file.error() == ElfError::NotElf64);

    file = good;
    file.bytes[5] = 2; // ELFDATA2MSB
    CHECK(file.error() == ElfError::NotLittleEndian);

    file = good;
    file.bytes[6] = 2;
    CHECK(file.error() == ElfError::BadVersion);
    file = good;
    file.put<uint32_t>(e_version, 0);
    CHECK(file.error() == ElfError::BadVersion);

    file = good;
    file.put<uint16_t>(e_type, 3); // ET_DYN
    CHECK(file.error() == ElfError::NotExecutable);
    file = good;
    file.put<uint16_t>(e_type, 1); // ET_REL
    CHECK(file.error() == ElfError::NotExecutable);

    file = good;
    file.put<uint16_t>(e_machine, 3); // EM_386
    CHECK(file.error() == ElfError::WrongMachine);
    file = good;
    file.put<uint16_t>(e_machine, 183); // EM_AARCH64
    CHECK(file.error() == ElfError::WrongMachine);

    SUBCASE("the first failing check in the documented order wins")
    {
        file = good;
        file.bytes[0] = 0;
        file.bytes[4] = 1;
        file.put<uint16_t>(e_machine, 3);
        CHECK(file.error() == ElfError::BadMagic);
        file.bytes[0] = 0x7f;
        CHECK(file.error() == ElfError::NotElf64);
        file.bytes[4] = 2;
        file.bytes[5] = 2;
        CHECK(file.error() == ElfError::NotLittleEndian);
        file.bytes[5] = 1;
        file.put<uint16_t>(e_type, 3);
        CHECK(file.error() == ElfError::NotExecutable);
        file.put<uint16_t>(e_type, 2);
        file.put<uint16_t>(e_phentsize, 0);
        CHECK(file.error() == ElfError::WrongMachine);
        file.put<uint16_t>(e_machine, 62);
        CHECK(file.error() == ElfError::BadProgramHeaders);
    }
}

TEST_CASE("elf: program header table checks")
{
    ElfFile good = init_elf();
    size_t table_end = good.phdr(good.phnum());

    SUBCASE("truncated inside the table")
    {
        for (size_t length = 64; length < table_end; ++length) {
            CAPTURE(length);
            CHECK(Image::parse(good.bytes.data(), length).error() == ElfError::BadProgramHeaders);
        }
    }
    SUBCASE("wrong entry size")
    {
        ElfFile file = good;
        file.put<uint16_t>(e_phentsize, 64);
        CHECK(file.error() == ElfError::BadProgramHeaders);
        file.put<uint16_t>(e_phentsize, 0);
        CHECK(file.error() == ElfError::BadProgramHeaders);
    }
    SUBCASE("table offset past the end or wrapping around")
    {
        ElfFile file = good;
        file.put<uint64_t>(e_phoff, file.bytes.size());
        CHECK(file.error() == ElfError::BadProgramHeaders);
        file.put<uint64_t>(e_phoff, ~uint64_t(0) - 8);
        CHECK(file.error() == ElfError::BadProgramHeaders);
        file.put<uint64_t>(e_phoff, file.bytes.size() - phdr_size * file.phnum() + 1);
        CHECK(file.error() == ElfError::BadProgramHeaders);
    }
    SUBCASE("too many headers for the file")
    {
        ElfFile file = good;
        file.put<uint16_t>(e_phnum, 0xffff);
        CHECK(file.error() == ElfError::BadProgramHeaders);
    }
    SUBCASE("no program headers at all")
    {
        ElfFile file = good;
        file.put<uint16_t>(e_phnum, 0);
        CHECK(file.error() == ElfError::NoLoadableSegments);
    }
    SUBCASE("no PT_LOAD among them")
    {
        ElfFile file = good;
        for (size_t i = 0; i < file.phnum(); ++i) {
            if (file.get<uint32_t>(file.phdr(i) + p_type) == pt_load)
                file.put<uint32_t>(file.phdr(i) + p_type, pt_null);
        }
        CHECK(file.error() == ElfError::NoLoadableSegments);
    }
}

TEST_CASE("elf: segment checks")
{
    ElfFile good = init_elf();
    size_t code = good.phdr(good.require_load(pf_x));

    SUBCASE("segment data past the end of the file")
    {
        // The first segment that carries file data; cut the file just before its end.
        ElfFile file = good;
        std::optional<size_t> with_data;
        for (size_t i = 0; i < file.phnum() && !with_data; ++i) {
            size_t h = file.phdr(i);
            if (file.get<uint32_t>(h + p_type) == pt_load && file.get<uint64_t>(h + p_filesz) > 0)
                with_data = h;
        }
        REQUIRE(with_data.has_value());
        size_t header = *with_data;
        uint64_t data_end = file.get<uint64_t>(header + p_offset) + file.get<uint64_t>(header + p_filesz);
        REQUIRE(data_end > file.phdr(file.phnum()));
        CHECK(Image::parse(file.bytes.data(), data_end - 1).error() == ElfError::SegmentOutsideFile);

        file.put<uint64_t>(header + p_filesz, file.bytes.size());
        file.put<uint64_t>(header + p_memsz, ~uint64_t(0));
        CHECK(file.error() == ElfError::SegmentOutsideFile);

        file = good;
        file.put<uint64_t>(header + p_offset, ~uint64_t(0) - 0x10);
        CHECK(file.error() == ElfError::SegmentOutsideFile);

        // offset + filesz wraps around to a small number.
        file = good;
        file.put<uint64_t>(header + p_filesz, ~uint64_t(0) - 0x800);
        file.put<uint64_t>(header + p_memsz, ~uint64_t(0));
        CHECK(file.error() == ElfError::SegmentOutsideFile);

        file = good;
        file.put<uint64_t>(header + p_offset, file.bytes.size() + 1);
        file.put<uint64_t>(header + p_filesz, 0);
        CHECK(file.error() == ElfError::SegmentOutsideFile);
    }
    SUBCASE("file size larger than memory size")
    {
        ElfFile file = good;
        REQUIRE(file.get<uint64_t>(code + p_filesz) > 0);
        file.put<uint64_t>(code + p_memsz, file.get<uint64_t>(code + p_filesz) - 1);
        CHECK(file.error() == ElfError::FileSizeExceedsMemSize);
    }
    SUBCASE("a huge memory size would wrap past the user half")
    {
        ElfFile file = good;
        file.put<uint64_t>(code + p_memsz, ~uint64_t(0));
        CHECK(file.error() == ElfError::SegmentOutsideUserSpace);
        file.put<uint64_t>(code + p_memsz, ipc::user_space_end);
        CHECK(file.error() == ElfError::SegmentOutsideUserSpace);
        uint64_t vaddr = file.get<uint64_t>(code + p_vaddr);
        file.put<uint64_t>(code + p_memsz, ipc::user_space_end - vaddr + 1);
        CHECK(file.error() == ElfError::SegmentOutsideUserSpace);
    }
    SUBCASE("addresses outside the user half")
    {
        ElfFile file = good;
        uint64_t in_page = file.get<uint64_t>(code + p_offset) % ipc::page_size;
        for (uint64_t base : { uint64_t(0xffff'ffff'8000'0000), uint64_t(0xffff'8000'0000'0000),
                               ipc::user_space_end, uint64_t(0) }) {
            CAPTURE(base);
            file.put<uint64_t>(code + p_vaddr, base + in_page);
            CHECK(file.error() == ElfError::SegmentOutsideUserSpace);
        }
    }
    SUBCASE("virtual address and file offset disagree inside the page")
    {
        ElfFile file = good;
        file.put<uint64_t>(code + p_vaddr, file.get<uint64_t>(code + p_vaddr) + 1);
        CHECK(file.error() == ElfError::MisalignedSegment);
        file = good;
        file.put<uint64_t>(code + p_vaddr, file.get<uint64_t>(code + p_vaddr) + 0x800);
        CHECK(file.error() == ElfError::MisalignedSegment);
    }
    SUBCASE("two segments in the same page")
    {
        ElfFile duplicated = good;
        duplicated.append_phdrs({ good.phdr_bytes(good.require_load()) });
        CHECK(duplicated.error() == ElfError::OverlappingSegments);

        // Sharing just one page at the edge is enough: a copy of the code
        // header that starts in the code segment's last page.
        ElfFile edge = good;
        auto header = good.phdr_bytes(good.require_load(pf_x));
        uint64_t vaddr, offset, memsz;
        std::memcpy(&vaddr, &header[p_vaddr], 8);
        std::memcpy(&offset, &header[p_offset], 8);
        std::memcpy(&memsz, &header[p_memsz], 8);
        uint64_t last_page = ipc::round_down_to_page(vaddr + memsz - 1);
        uint64_t shifted = last_page + offset % ipc::page_size;
        uint64_t one = 1;
        std::memcpy(&header[p_vaddr], &shifted, 8);
        std::memcpy(&header[p_memsz], &one, 8);
        std::memcpy(&header[p_filesz], &one, 8);
        edge.append_phdrs({ header });
        CHECK(edge.error() == ElfError::OverlappingSegments);

        // One page further on is fine (if nothing else is there).
        ElfFile apart = good;
        uint64_t far = 0x7000'0000'0000 + offset % ipc::page_size;
        std::memcpy(&header[p_vaddr], &far, 8);
        apart.append_phdrs({ header });
        auto result = apart.parse();
        REQUIRE(result.has_value());
        CHECK(result.value().segment_count() == good.parse().value().segment_count() + 1);
    }
    SUBCASE("empty segments are skipped, not mapped")
    {
        ElfFile file = good;
        auto header = good.phdr_bytes(good.require_load());
        uint64_t zero = 0;
        std::memcpy(&header[p_memsz], &zero, 8);
        std::memcpy(&header[p_filesz], &zero, 8);
        file.append_phdrs({ header, header });
        auto result = file.parse();
        REQUIRE(result.has_value());
        CHECK(result.value().segment_count() == good.parse().value().segment_count());
    }
    SUBCASE("at most max_segments loadable segments")
    {
        // Distinct one-page bss segments far from the real ones; fill up to
        // exactly the maximum, then one more.
        size_t existing = good.parse().value().segment_count();
        auto bss = [](uint64_t page_index) {
            std::vector<uint8_t> header(phdr_size, 0);
            uint32_t type = pt_load, flags = pf_r | pf_w;
            uint64_t vaddr = 0x6000'0000'0000 + page_index * 2 * ipc::page_size, memsz = 0x100;
            std::memcpy(&header[p_type], &type, 4);
            std::memcpy(&header[p_flags], &flags, 4);
            std::memcpy(&header[p_vaddr], &vaddr, 8);
            std::memcpy(&header[p_memsz], &memsz, 8);
            return header;
        };
        std::vector<std::vector<uint8_t>> extra;
        for (size_t i = existing; i < Image::max_segments; ++i)
            extra.push_back(bss(i));
        ElfFile full = good;
        full.append_phdrs(extra);
        auto result = full.parse();
        REQUIRE(result.has_value());
        CHECK(result.value().segment_count() == Image::max_segments);

        extra.push_back(bss(Image::max_segments));
        ElfFile overfull = good;
        overfull.append_phdrs(extra);
        CHECK(overfull.error() == ElfError::TooManySegments);
    }
}

TEST_CASE("elf: the entry point must be in an executable segment")
{
    ElfFile good = init_elf();
    size_t code = good.phdr(good.require_load(pf_x));

    ElfFile file = good;
    file.put<uint32_t>(code + p_flags, pf_r);
    CHECK(file.error() == ElfError::EntryNotExecutable);

    file = good;
    file.put<uint64_t>(e_entry, 0x10);
    CHECK(file.error() == ElfError::EntryNotExecutable);

    // Just past the end of the code segment, unless another executable
    // segment happens to start right there.
    file = good;
    uint64_t code_end = file.get<uint64_t>(code + p_vaddr) + file.get<uint64_t>(code + p_memsz);
    file.put<uint64_t>(e_entry, code_end);
    auto parsed = good.parse();
    const Segment* after = segment_containing(parsed.value(), code_end);
    if (!after || !after->executable())
        CHECK(file.error() == ElfError::EntryNotExecutable);

    if (auto data = good.find_load(pf_w)) {
        file = good;
        file.put<uint64_t>(e_entry, file.get<uint64_t>(file.phdr(*data) + p_vaddr));
        CHECK(file.error() == ElfError::EntryNotExecutable);
    }
}

TEST_CASE("elf: every error has a distinct short lowercase name")
{
    std::set<std::string> names;
    for (int e = int(ElfError::TooSmall); e <= int(ElfError::SegmentOverReservedPage); ++e) {
        std::string name = elf_error_name(ElfError(e));
        CAPTURE(name);
        CHECK(!name.empty());
        CHECK(name.size() < 48);
        for (char c : name)
            CHECK_FALSE((c >= 'A' && c <= 'Z'));
        names.insert(name);
    }
    CHECK(names.size() == size_t(ElfError::SegmentOverReservedPage) + 1);
    CHECK(std::string(elf_error_name(ElfError::BadMagic)) == "bad magic");
    CHECK(std::string(elf_error_name(ElfError::BadProgramHeaders)) == "truncated program header table");
}

TEST_CASE("elf: random corruption never breaks the promises of a parsed image")
{
    ElfFile good = init_elf();
    std::mt19937_64 random(7);
    size_t accepted = 0;
    std::string first_problem;
    size_t header_area = good.phdr(good.phnum());
    for (int round = 0; round < 20000 && first_problem.empty(); ++round) {
        ElfFile file = good;
        // Corrupt a few bytes, mostly inside the headers where they matter.
        for (int i = int(random() % 4); i >= 0; --i) {
            size_t offset = random() % 4 ? random() % header_area : random() % file.bytes.size();
            file.bytes[offset] = uint8_t(random());
        }
        size_t length = random() % 8 == 0 ? random() % file.bytes.size() : file.bytes.size();
        auto result = Image::parse(file.bytes.data(), length);
        if (result.has_value()) {
            ++accepted;
            first_problem = broken_promise(result.value(), length);
        }
    }
    CHECK(first_problem == "");
    // Most single-byte hits land in padding or harmless fields.
    CHECK(accepted > 0);
}
