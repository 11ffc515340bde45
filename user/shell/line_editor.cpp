#include "line_editor.h"

namespace shell {

namespace {

constexpr uint8_t ctrl_c = 0x03, backspace = 0x08, ctrl_u = 0x15, ctrl_w = 0x17, escape = 0x1b, del = 0x7f;

void copy_line(char* to, const char* from)
{
    size_t n = 0;
    for (; from[n] && n < max_line; ++n)
        to[n] = from[n];
    to[n] = 0;
}

} // namespace

void LineEditor::start_line()
{
    m_length = 0;
    m_line[0] = 0;
    m_browse = -1;
    m_state = State::Normal;
}

const char* LineEditor::history_entry(size_t age) const
{
    if (age >= m_history_count)
        return nullptr;
    size_t slot = (m_history_next + history_size - 1 - age) % history_size;
    return m_history[slot];
}

void LineEditor::insert(char c, Echo& echo)
{
    if (m_length == max_line)
        return;
    m_line[m_length++] = c;
    m_line[m_length] = 0;
    echo.put(c);
}

void LineEditor::erase(size_t count, Echo& echo)
{
    if (count > m_length)
        count = m_length;
    for (size_t i = 0; i < count; ++i)
        echo.put("\b \b", 3);
    m_length -= count;
    m_line[m_length] = 0;
}

void LineEditor::replace_line(const char* text, Echo& echo)
{
    erase(m_length, echo);
    for (size_t i = 0; text[i] && i < max_line; ++i)
        insert(text[i], echo);
}

void LineEditor::history_up(Echo& echo)
{
    if (m_browse + 1 >= long(m_history_count))
        return; // nothing older
    if (m_browse < 0)
        copy_line(m_draft, m_line);
    ++m_browse;
    replace_line(history_entry(size_t(m_browse)), echo);
}

void LineEditor::history_down(Echo& echo)
{
    if (m_browse < 0)
        return;
    --m_browse;
    replace_line(m_browse < 0 ? m_draft : history_entry(size_t(m_browse)), echo);
}

void LineEditor::remember()
{
    if (m_length == 0)
        return;
    const char* newest = history_entry(0);
    if (newest) {
        size_t i = 0;
        while (newest[i] && newest[i] == m_line[i])
            ++i;
        if (newest[i] == m_line[i])
            return; // the same as the last one
    }
    copy_line(m_history[m_history_next], m_line);
    m_history_next = (m_history_next + 1) % history_size;
    if (m_history_count < history_size)
        ++m_history_count;
}

LineEditor::Event LineEditor::submit(Echo& echo)
{
    echo.put('\n');
    remember();
    m_browse = -1;
    return Event::Submit;
}

LineEditor::Event LineEditor::feed(uint8_t byte, Echo& echo)
{
    bool after_cr = m_after_cr;
    m_after_cr = false;
    switch (m_state) {
    case State::Escape:
        // ESC [ and ESC O start a sequence; anything else ends the escape.
        m_state = (byte == '[' || byte == 'O') ? State::Sequence : State::Normal;
        return Event::None;
    case State::Sequence:
        if (byte >= 0x40 && byte <= 0x7e) { // the final byte
            m_state = State::Normal;
            if (byte == 'A')
                history_up(echo);
            else if (byte == 'B')
                history_down(echo);
        } else if (byte < 0x20 || byte > 0x3f) {
            m_state = State::Normal; // not a sequence after all: drop it
        }
        return Event::None;
    case State::Normal: break;
    }

    switch (byte) {
    case '\r': m_after_cr = true; return submit(echo);
    case '\n':
        if (after_cr)
            return Event::None; // the \n of a \r\n
        return submit(echo);
    case ctrl_c:
        echo.put("^C\n", 3);
        m_browse = -1;
        return Event::Interrupt;
    case del:
    case backspace: erase(1, echo); return Event::None;
    case ctrl_u: erase(m_length, echo); return Event::None;
    case ctrl_w: {
        size_t end = m_length;
        while (end && (m_line[end - 1] == ' ' || m_line[end - 1] == '\t'))
            --end;
        while (end && m_line[end - 1] != ' ' && m_line[end - 1] != '\t')
            --end;
        erase(m_length - end, echo);
        return Event::None;
    }
    case escape: m_state = State::Escape; return Event::None;
    default:
        if (byte >= 0x20 && byte < 0x7f)
            insert(char(byte), echo);
        return Event::None;
    }
}

} // namespace shell
