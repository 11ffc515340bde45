// eager: the whole region on its first fault. A grows-down stack is filled
// from the fault up to its top only (its untouched maximum is megabytes of
// nothing), and at most max_batch pages go per fault.
#include <pager/policy.h>

namespace pager {

namespace {
class EagerPolicy final : public PagePolicy {
public:
    const char* name() const override { return "eager"; }
    size_t select(const Region& region, VirtAddr fault_page, const ResidencyQuery& resident, VirtAddr* out,
                  size_t capacity) const override
    {
        uint64_t first = region.flags.has(RegionFlags::grows_down) ? fault_page.get() : region.start.get();
        size_t n = 0;
        for (uint64_t page = first; page < region.end.get() && n < capacity; page += ipc::page_size) {
            if (page != fault_page.get() && !resident.is_resident(VirtAddr(page)))
                out[n++] = VirtAddr(page);
        }
        return n;
    }
};
const EagerPolicy g_eager;
} // namespace

const PagePolicy& eager_policy() { return g_eager; }

} // namespace pager
