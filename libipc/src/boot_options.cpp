#include <ipc/boot_options.h>

namespace ipc::boot_options {

Word split_word(std::string_view text)
{
    size_t equals = text.find('=');
    if (equals == std::string_view::npos)
        return Word { .text = text, .key = text, .value = {}, .has_value = false };
    return Word {
        .text = text, .key = text.substr(0, equals), .value = text.substr(equals + 1), .has_value = true
    };
}

Word Words::next()
{
    size_t start = m_rest.find_first_not_of(' ');
    if (start == std::string_view::npos) {
        m_rest = {};
        return {};
    }
    m_rest.remove_prefix(start);
    size_t end = m_rest.find(' ');
    std::string_view text = m_rest.substr(0, end);
    m_rest.remove_prefix(text.size());
    return split_word(text);
}

Word first_valued(std::string_view line, std::string_view key)
{
    for (Words words(line); Word w = words.next();) {
        if (w.has_value && w.key == key)
            return w;
    }
    return {};
}

bool in_namespace(std::string_view key, std::string_view prefix)
{
    return key.size() > prefix.size() && key.starts_with(prefix);
}

bool is_server_key(std::string_view key)
{
    for (std::string_view prefix : server_prefixes) {
        if (in_namespace(key, prefix))
            return true;
    }
    return false;
}

const Option* find_option(const Option* options, size_t count, std::string_view key)
{
    for (size_t i = 0; i < count; ++i) {
        if (options[i].key == key)
            return &options[i];
    }
    return nullptr;
}

std::string_view value_in_use(std::string_view line, const Option& option)
{
    Word first = first_valued(line, option.key);
    if (!first || (option.accepts && !option.accepts(first.value)))
        return option.fallback;
    return first.value;
}

Finding check_word(std::string_view line, const Word& word, const Option* options, size_t count)
{
    const Option* option = find_option(options, count, word.key);
    if (!option)
        return Finding::unknown(word.text);
    if (!word.has_value)
        return Finding::missing_value(word.text, option);
    Word first = first_valued(line, word.key);
    // Views into the same line: the same word is the same position.
    if (first.text.data() != word.text.data())
        return Finding::repeated(word.text, first.text);
    if (option->accepts && !option->accepts(word.value))
        return Finding::bad_value(word.text, option);
    return {};
}

namespace {

// Appends to a fixed line; what does not fit is cut and marked "...".
class Line {
public:
    explicit Line(char (&out)[message_capacity]) : m_out(out) { }

    Line& text(std::string_view s)
    {
        for (char c : s)
            put(c);
        return *this;
    }
    // A word from the command line, in quotes, at most `word_limit` characters.
    Line& quoted(std::string_view word)
    {
        put('"');
        if (word.size() > word_limit) {
            text(word.substr(0, word_limit));
            text("...");
        } else {
            text(word);
        }
        put('"');
        return *this;
    }
    Line& number(size_t n)
    {
        char digits[20];
        size_t count = 0;
        do {
            digits[count++] = char('0' + n % 10);
            n /= 10;
        } while (n);
        while (count)
            put(digits[--count]);
        return *this;
    }
    size_t finish()
    {
        if (m_overflow) {
            for (size_t i = message_capacity - 4; i < message_capacity - 1; ++i)
                m_out[i] = '.';
            m_length = message_capacity - 1;
        }
        m_out[m_length] = '\0';
        return m_length;
    }

private:
    static constexpr size_t word_limit = 48;
    void put(char c)
    {
        if (m_length + 1 < message_capacity)
            m_out[m_length++] = c;
        else
            m_overflow = true;
    }
    char (&m_out)[message_capacity];
    size_t m_length { 0 };
    bool m_overflow { false };
};

} // namespace

size_t describe(const Finding& finding, char (&out)[message_capacity])
{
    Line line(out);
    switch (finding.problem) {
    case Problem::None: break;
    case Problem::Unknown: line.text("unknown option ").quoted(finding.word).text(" ignored"); break;
    case Problem::BadValue:
        line.quoted(finding.word)
            .text(": ")
            .text(finding.option->key)
            .text(" takes ")
            .text(finding.option->takes);
        // An option whose default is to do nothing (test.fault) is ignored.
        if (finding.option->fallback.empty())
            line.text("; ignored");
        else
            line.text("; using ").text(finding.option->fallback);
        break;
    case Problem::MissingValue:
        line.quoted(finding.word).text(" ignored: ").text(finding.option->key).text(" takes a value (");
        line.text(finding.option->takes).text(")");
        break;
    case Problem::Repeated:
        line.quoted(finding.word)
            .text(" ignored: ")
            .text(split_word(finding.word).key)
            .text(" is already given (");
        line.quoted(finding.counts).text(" counts)");
        break;
    case Problem::TooLong:
        line.text("the command line is ")
            .number(finding.length)
            .text(" characters long: the root task gets only the first ");
        line.number(finding.kept);
        break;
    }
    return line.finish();
}

} // namespace ipc::boot_options
