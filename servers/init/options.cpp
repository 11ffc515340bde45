#include "options.h"
#include <pager/policy.h>

namespace init {

using ipc::boot_options::Finding;
using ipc::boot_options::Option;
using ipc::boot_options::Word;

namespace {

// A decimal number in [0, max]; -1 if `text` is not one.
int64_t decimal(std::string_view text, uint64_t max)
{
    if (text.empty())
        return -1;
    uint64_t n = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return -1;
        n = n * 10 + uint64_t(c - '0');
        if (n > max)
            return -1;
    }
    return int64_t(n);
}

constexpr std::string_view around_prefix = "around=";

bool is_policy(std::string_view v)
{
    if (v == "lazy" || v == "eager")
        return true;
    return v.starts_with(around_prefix)
        && decimal(v.substr(around_prefix.size()), pager::PagePolicy::max_batch) >= 1;
}
bool is_log(std::string_view v) { return v == "debug" || v == "off"; }
using ipc::proto::pager::BootPolicy;
using ipc::proto::pager::StartArguments;

bool is_pool(std::string_view v) { return decimal(v, StartArguments::max_pool_frames) >= 0; }
bool is_run_list(std::string_view v)
{
    size_t programs = 1;
    for (char c : v)
        programs += c == ',';
    return !v.empty() && programs <= max_programs;
}

constexpr Option run_option { "init.run", "PROG[:ARG...][,PROG...], 1 to 16 programs", "the default program",
                              is_run_list };
constexpr Option policy_option { "pager.policy", "lazy, eager or around=N (N from 1 to 512)", "lazy",
                                 is_policy };
constexpr Option log_option { "pager.log", "debug or off", "off", is_log };
constexpr Option pool_option { "pager.pool", "a whole number from 0 to 65535", "0", is_pool };
constexpr Option g_options[] = { run_option, policy_option, log_option, pool_option };

// `policy` is a valid pager.policy value (is_policy).
void set_policy(StartArguments& start, std::string_view policy)
{
    if (policy == "eager") {
        start.policy = BootPolicy::Eager;
    } else if (policy.starts_with(around_prefix)) {
        start.policy = BootPolicy::Around;
        start.around_pages
            = unsigned(decimal(policy.substr(around_prefix.size()), pager::PagePolicy::max_batch));
    }
}

} // namespace

static_assert(max_programs == 16, "the message in run_option says 16");
static_assert(pager::PagePolicy::max_batch == 512, "the message in policy_option says 512");
static_assert(pager::PagePolicy::max_batch == ipc::proto::pager::max_around_pages,
              "StartArguments carries around's N up to max_around_pages");

Finding check_word(std::string_view line, const Word& word)
{
    if (!ipc::boot_options::in_namespace(word.key, "init.")
        && !ipc::boot_options::in_namespace(word.key, "pager."))
        return {};
    return ipc::boot_options::check_word(line, word, g_options, sizeof(g_options) / sizeof(g_options[0]));
}

Options options_in_use(std::string_view line)
{
    using ipc::boot_options::value_in_use;
    Options options;
    Word run = ipc::boot_options::first_valued(line, run_option.key);
    if (run && is_run_list(run.value))
        options.run = run.value;
    options.pager.log_decisions = value_in_use(line, log_option) == "debug";
    set_policy(options.pager, value_in_use(line, policy_option));
    options.pager.pool_frames
        = unsigned(decimal(value_in_use(line, pool_option), StartArguments::max_pool_frames));
    return options;
}

} // namespace init
