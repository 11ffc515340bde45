#include "boot_options.h"
#include <ipc/root_boot_info.h>

namespace kernel::boot_options {

using ipc::boot_options::Finding;
using ipc::boot_options::Option;
using ipc::boot_options::Word;

namespace {

bool is_log_level(std::string_view v) { return v == "debug" || v == "info" || v == "warn" || v == "error"; }
bool is_on_off(std::string_view v) { return v == "on" || v == "off"; }

constexpr std::string_view fault_kinds[] = { "pf", "gp", "ud", "de", "df", "wtext", "xdata", "irq" };
bool is_fault_kind(std::string_view v)
{
    for (std::string_view kind : fault_kinds) {
        if (v == kind)
            return true;
    }
    return false;
}

constexpr Option loglevel_option { "loglevel", "debug, info, warn or error", "info", is_log_level };
constexpr Option fastpath_option { "fastpath", "on or off", "on", is_on_off };
// Empty default: no fault is taken, and a bad kind is reported as ignored.
constexpr Option test_fault_option { "test.fault", "pf, gp, ud, de, df, wtext, xdata or irq", "",
                                     is_fault_kind };
const Option g_options[] = {
    loglevel_option,
    fastpath_option,
    { "timer.hz", "a whole number from 19 to 10000", "100", nullptr },
    { "init", "a boot module's name", "init", nullptr },
    test_fault_option,
};

} // namespace

Finding check_word(std::string_view line, const Word& word)
{
    if (ipc::boot_options::is_server_key(word.key))
        return {};
    return ipc::boot_options::check_word(line, word, g_options, sizeof(g_options) / sizeof(g_options[0]));
}

Finding check_length(std::string_view line)
{
    constexpr size_t kept = sizeof(ipc::RootBootInfo::command_line) - 1;
    if (line.size() <= kept)
        return {};
    return Finding::too_long(line.size(), kept);
}

log::Level log_level(const CommandLine& command_line)
{
    std::string_view name = ipc::boot_options::value_in_use(command_line.text(), loglevel_option);
    if (name == "debug")
        return log::Level::Debug;
    if (name == "warn")
        return log::Level::Warn;
    if (name == "error")
        return log::Level::Error;
    return log::Level::Info;
}

std::string_view test_fault(const CommandLine& command_line)
{
    return ipc::boot_options::value_in_use(command_line.text(), test_fault_option);
}

bool fastpath_on(const CommandLine& command_line)
{
    return ipc::boot_options::value_in_use(command_line.text(), fastpath_option) == "on";
}

} // namespace kernel::boot_options
