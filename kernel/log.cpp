#include "log.h"
#include "arch/arch.h"

namespace kernel::log {

namespace {
Level g_threshold = Level::Info;

const char* level_name(Level level)
{
    switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
    }
    return "?";
}
} // namespace

void ConsoleSink::write(const char* text, size_t length) { arch::console_write(text, length); }

void set_threshold(Level level) { g_threshold = level; }
bool enabled(Level level) { return level >= g_threshold; }

void write_line(Level level, const char* subsystem, const char* format, const ipc::fmt::Arg* args,
                size_t count)
{
    ConsoleSink sink;
    ipc::fmt::format(sink, "[{}] {}: ", level_name(level), subsystem);
    ipc::fmt::vformat(sink, format, args, count);
    sink.write("\n", 1);
}

void write_raw(const char* text)
{
    size_t n = 0;
    while (text[n])
        ++n;
    arch::console_write(text, n);
}

} // namespace kernel::log
