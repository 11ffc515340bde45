#pragma once
// Formatted output for user programs, over the same formatter as the kernel
// log ("{}" placeholders, see <ipc/format.h>).
#include <cstddef>
#include <ipc/format.h>

namespace libc {

class StdoutSink final : public ipc::fmt::Sink {
public:
    void write(const char* text, size_t length) override;
};

template<typename... Args>
void print(const char* format, const Args&... args)
{
    StdoutSink sink;
    ipc::fmt::format(sink, format, args...);
}

void puts(const char* text);

} // namespace libc
