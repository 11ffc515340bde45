#include "cmdline.h"

namespace kernel {

template<typename Visitor>
void CommandLine::for_each_word(Visitor visit) const
{
    std::string_view rest = m_text;
    while (!rest.empty()) {
        size_t start = rest.find_first_not_of(' ');
        if (start == std::string_view::npos)
            return;
        rest.remove_prefix(start);
        size_t end = rest.find(' ');
        std::string_view word = rest.substr(0, end == std::string_view::npos ? rest.size() : end);
        if (visit(word))
            return;
        rest.remove_prefix(word.size());
    }
}

std::string_view CommandLine::value(std::string_view key, std::string_view fallback) const
{
    std::string_view found = fallback;
    for_each_word([&](std::string_view word) {
        if (word.size() > key.size() && word.starts_with(key) && word[key.size()] == '=') {
            found = word.substr(key.size() + 1);
            return true;
        }
        return false;
    });
    return found;
}

ipc::Result<uint64_t> CommandLine::number(std::string_view key, uint64_t fallback, uint64_t min,
                                          uint64_t max) const
{
    std::string_view text = value(key);
    if (text.empty())
        return fallback;
    uint64_t n = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return ipc::Error::InvalidArgument;
        uint64_t digit = uint64_t(c - '0');
        if (n > (UINT64_MAX - digit) / 10)
            return ipc::Error::OutOfRange;
        n = n * 10 + digit;
    }
    if (n < min || n > max)
        return ipc::Error::OutOfRange;
    return n;
}

bool CommandLine::has_flag(std::string_view flag) const
{
    bool found = false;
    for_each_word([&](std::string_view word) { return found = (word == flag); });
    return found;
}

} // namespace kernel
