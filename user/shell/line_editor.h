#pragma once
// The shell's line editor: pure logic (no syscalls), fed one input byte at a
// time, built both into the shell and into the host tests.
//
// The console server hands the shell raw bytes and echoes nothing; the
// editor decides what the line is and what to echo:
//   printable byte (0x20-0x7e)    appended (echoed); ignored once the line is full
//   0x7f or 0x08 (Backspace)      the last byte goes ("\b \b")
//   Ctrl-U (0x15)                 the whole line goes
//   Ctrl-W (0x17)                 the last word (and the blanks after it) goes
//   \r or \n (Enter)              Event::Submit (echo "\n"); \r\n counts once
//   ESC [ A / ESC O A (Up)        the previous history entry replaces the line
//   ESC [ B / ESC O B (Down)      the next one; past the newest, the line that
//                                 was being typed before Up comes back
//   any other ESC sequence        ignored whole (ESC [ params final-byte)
//   Ctrl-C (0x03)                 Event::Interrupt (echo "^C\n"): the line is dropped
//   other control bytes           ignored
// After Submit or Interrupt the caller reads line() and calls start_line()
// before feeding the next byte. Submitted non-empty lines enter the history
// (not twice in a row); the history keeps the last `history_size` lines.
//
// Echo is plain text with backspaces, no terminal-specific sequences, so it
// works on any serial terminal; the console server turns "\n" into "\r\n".

#include "parse.h"
#include <cstddef>
#include <cstdint>

namespace shell {

// What to write back for one fed byte (a whole line replacement at most).
struct Echo {
    static constexpr size_t capacity = 4 * max_line + 8;
    char text[capacity];
    size_t length { 0 };

    void clear() { length = 0; }
    void put(char c)
    {
        if (length < capacity)
            text[length++] = c;
    }
    void put(const char* s, size_t n)
    {
        for (size_t i = 0; i < n; ++i)
            put(s[i]);
    }
};

class LineEditor {
public:
    static constexpr size_t history_size = 16;

    enum class Event : uint8_t { None, Submit, Interrupt };

    // Appends what to echo to `echo` (it is not cleared first).
    Event feed(uint8_t byte, Echo& echo);
    void start_line();

    const char* line() const { return m_line; } // NUL-terminated
    size_t length() const { return m_length; }

    size_t history_count() const { return m_history_count; }
    // 0 = the most recent entry.
    const char* history_entry(size_t age) const;

private:
    enum class State : uint8_t { Normal, Escape, Sequence };

    void insert(char c, Echo&);
    void erase(size_t count, Echo&);
    void replace_line(const char* text, Echo&);
    void history_up(Echo&);
    void history_down(Echo&);
    void remember();
    Event submit(Echo&);

    char m_line[max_line + 1] {};
    size_t m_length { 0 };
    State m_state { State::Normal };
    bool m_after_cr { false };

    char m_history[history_size][max_line + 1] {};
    size_t m_history_count { 0 };
    size_t m_history_next { 0 }; // ring slot the next entry goes to
    // Browsing: -1 = editing a fresh line, else the age of the shown entry.
    long m_browse { -1 };
    char m_draft[max_line + 1] {}; // the fresh line, kept while browsing
};

} // namespace shell
