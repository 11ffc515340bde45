#pragma once
// The kernel command line from GRUB: space-separated words, each either a
// flag ("quiet") or key=value ("init=init", "loglevel=debug"). Pure logic.

#include <cstdint>
#include <ipc/result.h>
#include <string_view>

namespace kernel {

class CommandLine {
public:
    explicit CommandLine(const char* text) : m_text(text ? text : "") { }

    // The value of the first "key=value" word, or `fallback`.
    std::string_view value(std::string_view key, std::string_view fallback = {}) const;
    // The value of "key=N" as a decimal number in [min, max]; `fallback` if
    // the key is absent (or "key=" is empty); InvalidArgument if the value is
    // not a decimal number, OutOfRange if it is one outside the bounds.
    ipc::Result<uint64_t> number(std::string_view key, uint64_t fallback, uint64_t min, uint64_t max) const;
    bool has_flag(std::string_view flag) const;
    std::string_view text() const { return m_text; }

private:
    template<typename Visitor>
    void for_each_word(Visitor) const;
    std::string_view m_text;
};

} // namespace kernel
