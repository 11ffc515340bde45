// The policy registry: name -> policy.
#include <pager/policy.h>

namespace pager {

namespace {
const char* const g_listing[] = { "lazy", "eager", "around=N" };
}

const PagePolicy* find_policy(std::string_view name)
{
    if (name == "lazy")
        return &lazy_policy();
    if (name == "eager")
        return &eager_policy();
    constexpr std::string_view around = "around=";
    if (name.size() > around.size() && name.starts_with(around)) {
        unsigned n = 0;
        for (size_t i = around.size(); i < name.size(); ++i) {
            if (name[i] < '0' || name[i] > '9' || n > 100000)
                return nullptr;
            n = n * 10 + unsigned(name[i] - '0');
        }
        return around_policy(n);
    }
    return nullptr;
}

size_t policy_count() { return sizeof(g_listing) / sizeof(g_listing[0]); }
const char* policy_listing(size_t index) { return index < policy_count() ? g_listing[index] : nullptr; }

} // namespace pager
