// lazy: exactly the faulting page, nothing else (the default).
#include <pager/policy.h>

namespace pager {

namespace {
class LazyPolicy final : public PagePolicy {
public:
    const char* name() const override { return "lazy"; }
    size_t select(const Region&, VirtAddr, const ResidencyQuery&, VirtAddr*, size_t) const override
    {
        return 0;
    }
};
const LazyPolicy g_lazy;
} // namespace

const PagePolicy& lazy_policy() { return g_lazy; }

} // namespace pager
