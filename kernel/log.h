#pragma once
// The kernel log: one line per event on the serial console, as
// "[level] subsystem: text". Lines below the boot-time threshold
// (loglevel= on the command line) are dropped.

#include <ipc/format.h>

namespace kernel::log {

enum class Level : uint8_t { Debug, Info, Warn, Error };

void set_threshold(Level);
bool enabled(Level);
void write_line(Level, const char* subsystem, const char* format, const ipc::fmt::Arg* args, size_t count);

// Writes raw text to the console, bypassing levels (panic dumps).
void write_raw(const char* text);
template<typename... Args>
void raw(const char* format, const Args&... args);

template<typename... Args>
void emit(Level level, const char* subsystem, const char* format, const Args&... args)
{
    if (!enabled(level))
        return;
    if constexpr (sizeof...(Args) == 0) {
        write_line(level, subsystem, format, nullptr, 0);
    } else {
        const ipc::fmt::Arg packed[] = { ipc::fmt::make_arg(args)... };
        write_line(level, subsystem, format, packed, sizeof...(Args));
    }
}

template<typename... Args>
void debug(const char* subsystem, const char* format, const Args&... args)
{
    emit(Level::Debug, subsystem, format, args...);
}
template<typename... Args>
void info(const char* subsystem, const char* format, const Args&... args)
{
    emit(Level::Info, subsystem, format, args...);
}
template<typename... Args>
void warn(const char* subsystem, const char* format, const Args&... args)
{
    emit(Level::Warn, subsystem, format, args...);
}
template<typename... Args>
void error(const char* subsystem, const char* format, const Args&... args)
{
    emit(Level::Error, subsystem, format, args...);
}

class ConsoleSink final : public ipc::fmt::Sink {
public:
    void write(const char* text, size_t length) override;
};

template<typename... Args>
void raw(const char* format, const Args&... args)
{
    ConsoleSink sink;
    ipc::fmt::format(sink, format, args...);
}

} // namespace kernel::log
