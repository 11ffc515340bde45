#include "boot_options.h"
#include <ipc/root_boot_info.h>

namespace kernel::boot_options {

using ipc::boot_options::Finding;
using ipc::boot_options::Option;
using ipc::boot_options::Word;

namespace {

    bool is_log_level(std::string_view v)
    {
        return v == "debug" || v == "info" || v == "warn" || v == "error";
    }
    bool is_on_off(std::string_view v)
    {
        return v == "on" || v == "off";
    }

    constexpr Option loglevel_option { "loglevel", "debug, info, warn or error", "info", is_log_level };
    constexpr Option fastpath_option { "fastpath", "on or off", "on", is_on_off };
    const Option g_options[] = {
        loglevel_option,
        fastpath_option,
        { "timer.hz", "a whole number from 19 to 10000", "100", nullptr },
        { "init", "a boot module's name", "init", nullptr },
        { "test.fault", "pf, gp, ud, de, df, wtext, xdata or irq", "", nullptr },
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

bool fastpath_on(const CommandLine& command_line)
{
    return ipc::boot_options::value_in_use(command_line.text(), fastpath_option) == "on";
}

} // namespace kernel::boot_options
