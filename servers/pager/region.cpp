// Region helpers: page contents, splitting and merging. The rules about file
// offsets live here so region_map.cpp only moves whole regions around.

#include <ipc/proto/pager.h>
#include <pager/region.h>

namespace pager {

namespace {

uint64_t min(uint64_t a, uint64_t b) { return a < b ? a : b; }

} // namespace

ipc::Result<Protection> protection_from_bits(uint64_t bits)
{
    using Wire = ipc::proto::pager::Prot;
    static_assert(Wire::read == Protection::read && Wire::write == Protection::write
                  && Wire::exec == Protection::execute && Wire::none == 0);
    if (bits & ~uint64_t(protection_bits))
        return ipc::Error::InvalidArgument;
    return Protection { uint8_t(bits) };
}

ipc::Result<PageRange> PageRange::from_user(uint64_t address, uint64_t length)
{
    if (!VirtAddr(address).is_page_aligned() || length == 0)
        return ipc::Error::InvalidArgument;
    uint64_t size = ipc::round_up_to_page(length);
    if (size < length || !ipc::is_user_range(address, size))
        return ipc::Error::OutOfRange;
    return PageRange { VirtAddr(address), VirtAddr(address + size) };
}

PageFill page_fill(const Region& region, VirtAddr page)
{
    if (!region.backing.is_file() || !region.contains(page))
        return {};
    uint64_t into_region = page.page_base().get() - region.start.get();
    uint64_t file_offset = region.backing.offset + into_region;
    if (into_region >= region.backing.size)
        return { file_offset, 0 };
    return { file_offset, min(ipc::page_size, region.backing.size - into_region) };
}

Region split_region(Region& region, VirtAddr at)
{
    Region right = region;
    uint64_t left_size = at.get() - region.start.get();
    region.end = at;
    right.start = at;

    if (right.backing.is_file()) {
        right.backing.offset += left_size;
        right.backing.size -= min(right.backing.size, left_size);
        region.backing.size = min(region.backing.size, left_size);
    }

    // The map cannot see which pages are resident; the pager owns that. The
    // sum stays exact (per-client totals stay right) and neither part claims
    // more pages than it has.
    auto share = [&](uint64_t& left_count, uint64_t& right_count) {
        uint64_t total = left_count;
        left_count = min(total, region.page_count());
        right_count = min(total - left_count, right.page_count());
    };
    share(region.resident_pages, right.resident_pages);
    share(region.dirty_private_pages, right.dirty_private_pages);
    return right;
}

bool can_merge(const Region& left, const Region& right)
{
    if (left.end != right.start || left.type != right.type || left.prot != right.prot
        || left.flags != right.flags || left.backing.file != right.backing.file)
        return false;
    // A growing stack has one bottom; two of them never become one.
    if (left.flags.has(RegionFlags::grows_down))
        return false;
    if (!left.backing.is_file())
        return true;
    // The right part must continue the left in the file, and the file data
    // must not stop inside the left part and resume in the right one.
    bool contiguous = right.backing.offset == left.backing.offset + left.size();
    bool left_full = left.backing.size == left.size();
    return contiguous && (left_full || right.backing.size == 0);
}

void merge_into(Region& left, const Region& right)
{
    if (left.backing.is_file() && left.backing.size == left.size())
        left.backing.size += right.backing.size;
    left.end = right.end;
    left.resident_pages += right.resident_pages;
    left.dirty_private_pages += right.dirty_private_pages;
}

} // namespace pager
