#pragma once
// Page-population policies. On a fault the pager always populates the
// faulting page; the policy picks which other pages of the same region to
// populate in the same answer. A policy is one small class in its own file
// (policy_lazy.cpp, policy_eager.cpp, policy_around.cpp); policies.cpp
// lists them, so a new policy is one new file and one line.
//
// Pure logic: the pager asks "is this page resident?" through ResidencyQuery.

#include <cstddef>
#include <pager/region.h>
#include <string_view>

namespace pager {

class ResidencyQuery {
public:
    virtual bool is_resident(VirtAddr page) const = 0;

protected:
    ~ResidencyQuery() = default;
};

class PagePolicy {
public:
    // The most extra pages one fault may populate (eager fills big regions
    // over several faults rather than holding the client for seconds).
    static constexpr size_t max_batch = 512;

    virtual const char* name() const = 0; // "lazy", "eager", "around=16"
    // Writes up to `capacity` page addresses to populate besides
    // `fault_page`: inside `region`, not resident, never `fault_page`.
    virtual size_t select(const Region&, VirtAddr fault_page, const ResidencyQuery&, VirtAddr* out,
                          size_t capacity) const = 0;

protected:
    ~PagePolicy() = default;
};

// The policy called `name` ("lazy", "eager", "around=N" with 1 <= N <= 512),
// or nullptr.
const PagePolicy* find_policy(std::string_view name);
// The known policy names, for listing ("around=N" as a pattern).
size_t policy_count();
const char* policy_listing(size_t index);

const PagePolicy& lazy_policy();
const PagePolicy& eager_policy();
// N neighbours: the pages after the fault first, then the ones before it.
const PagePolicy* around_policy(unsigned neighbours);

} // namespace pager
