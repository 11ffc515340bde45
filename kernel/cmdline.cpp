#include "cmdline.h"

namespace kernel {

template <typename Visitor>
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

bool CommandLine::has_flag(std::string_view flag) const
{
    bool found = false;
    for_each_word([&](std::string_view word) { return found = (word == flag); });
    return found;
}

} // namespace kernel
