// around=N: the faulting page plus up to N neighbours in the same region
// that are not yet resident: the pages after it first (sequential access
// runs forward), then the ones before it.
#include <ipc/format.h>
#include <pager/policy.h>

namespace pager {

namespace {
class AroundPolicy final : public PagePolicy {
public:
    void set(unsigned neighbours)
    {
        m_neighbours = neighbours;
        ipc::fmt::BufferSink sink(m_name, sizeof(m_name));
        ipc::fmt::format(sink, "around={}", neighbours);
    }
    const char* name() const override { return m_name; }
    size_t select(const Region& region, VirtAddr fault_page, const ResidencyQuery& resident, VirtAddr* out,
                  size_t capacity) const override
    {
        size_t limit = m_neighbours < capacity ? m_neighbours : capacity;
        size_t n = 0;
        for (uint64_t page = fault_page.get() + ipc::page_size; page < region.end.get() && n < limit;
             page += ipc::page_size) {
            if (!resident.is_resident(VirtAddr(page)))
                out[n++] = VirtAddr(page);
        }
        for (uint64_t page = fault_page.get(); page > region.start.get() && n < limit;) {
            page -= ipc::page_size;
            if (!resident.is_resident(VirtAddr(page)))
                out[n++] = VirtAddr(page);
        }
        return n;
    }

private:
    unsigned m_neighbours { 0 };
    char m_name[16] {};
};
AroundPolicy g_around;
} // namespace

const PagePolicy* around_policy(unsigned neighbours)
{
    if (neighbours < 1 || neighbours > PagePolicy::max_batch)
        return nullptr;
    g_around.set(neighbours);
    return &g_around;
}

} // namespace pager
