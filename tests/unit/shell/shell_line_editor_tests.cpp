// The shell's line editor (user/shell/line_editor.h): what a byte stream
// makes of the line, what is echoed, and the history.

#include <doctest/doctest.h>
#include <shell/line_editor.h>
#include <string>
#include <vector>

using shell::Echo;
using shell::LineEditor;
using Event = LineEditor::Event;

namespace {

// Feeds `input`; returns the events that were not None, collects the echo.
struct Session {
    LineEditor editor;
    std::string echo;
    std::vector<std::string> submitted;
    int interrupts = 0;

    Session() { editor.start_line(); }

    // Like the shell: after Submit or Interrupt, a fresh line.
    void type(const std::string& input)
    {
        for (unsigned char byte : input) {
            Echo e;
            Event ev = editor.feed(byte, e);
            echo.append(e.text, e.length);
            if (ev == Event::Submit) {
                submitted.emplace_back(editor.line(), editor.length());
                editor.start_line();
            } else if (ev == Event::Interrupt) {
                ++interrupts;
                editor.start_line();
            }
        }
    }
    std::string line() const { return std::string(editor.line(), editor.length()); }
};

const std::string up = "\x1b[A", down = "\x1b[B";

} // namespace

TEST_CASE("printable bytes are inserted and echoed; Enter submits")
{
    Session s;
    s.type("echo hi");
    CHECK(s.line() == "echo hi");
    CHECK(s.echo == "echo hi");
    s.type("\r");
    REQUIRE(s.submitted.size() == 1);
    CHECK(s.submitted[0] == "echo hi");
    CHECK(s.echo == "echo hi\n");
    CHECK(s.line().empty());
}

TEST_CASE("\\r\\n is one Enter, \\n alone is one too, and \\r\\r is two")
{
    Session s;
    s.type("a\r\nb\nc\r\r");
    CHECK(s.submitted == std::vector<std::string> { "a", "b", "c", "" });
}

TEST_CASE("Backspace (0x7f and 0x08) erases one byte; nothing happens on an empty line")
{
    Session s;
    s.type("abc\x7f");
    CHECK(s.line() == "ab");
    CHECK(s.echo == "abc\b \b");
    s.type("\x08\x08\x08\x7f");
    CHECK(s.line().empty());
    CHECK(s.echo == "abc\b \b\b \b\b \b");
    s.type("x\r");
    CHECK(s.submitted == std::vector<std::string> { "x" });
}

TEST_CASE("Ctrl-U erases the whole line, Ctrl-W the last word")
{
    Session s;
    s.type("cat /etc/motd");
    s.type("\x17");
    CHECK(s.line() == "cat ");
    s.type("x  \x17");
    CHECK(s.line() == "cat ");
    s.type("\x17");
    CHECK(s.line().empty());
    s.type("hello\x15");
    CHECK(s.line().empty());
    CHECK(s.echo.size() > 0);
    s.type("\x15"); // on an empty line: nothing
    s.type("ok\r");
    CHECK(s.submitted == std::vector<std::string> { "ok" });
}

TEST_CASE("Ctrl-C drops the line and says so")
{
    Session s;
    s.type("hello wor\x03");
    CHECK(s.interrupts == 1);
    CHECK(s.submitted.empty());
    CHECK(s.echo == "hello wor^C\n");
    CHECK(s.line().empty());
    CHECK(s.editor.history_count() == 0);
}

TEST_CASE("control bytes and other escape sequences are ignored")
{
    Session s;
    s.type("a\x01\x02\tb");
    CHECK(s.line() == "ab");
    s.type("\x1b[C\x1b[D\x1b[3~\x1b[1;5C\x1bOC"); // right, left, Delete, Ctrl-right, SS3 right
    CHECK(s.line() == "ab");
    CHECK(s.echo == "ab");
    s.type("\x1bx"); // ESC + a byte that starts no sequence: both dropped
    CHECK(s.line() == "ab");
    s.type("\xc3\xa9"); // bytes above 0x7e
    CHECK(s.line() == "ab");
}

TEST_CASE("the line is limited to max_line bytes")
{
    Session s;
    s.type(std::string(shell::max_line + 10, 'x'));
    CHECK(s.line().size() == shell::max_line);
    CHECK(s.echo.size() == shell::max_line);
}

TEST_CASE("history: Up recalls older lines, Down newer ones, then the draft")
{
    Session s;
    s.type("one\rtwo\rthree\r");
    CHECK(s.editor.history_count() == 3);
    CHECK(std::string(s.editor.history_entry(0)) == "three");
    CHECK(std::string(s.editor.history_entry(2)) == "one");
    CHECK(s.editor.history_entry(3) == nullptr);

    s.type("dra");
    s.type(up);
    CHECK(s.line() == "three");
    s.type(up);
    CHECK(s.line() == "two");
    s.type(up);
    CHECK(s.line() == "one");
    s.type(up); // nothing older: stays
    CHECK(s.line() == "one");
    s.type(down);
    CHECK(s.line() == "two");
    s.type(down + down);
    CHECK(s.line() == "dra");
    s.type(down); // not browsing: nothing
    CHECK(s.line() == "dra");

    // The echo of a recall erases what is shown and types the entry.
    s.echo.clear();
    s.type(up);
    CHECK(s.echo == "\b \b\b \b\b \bthree");

    // A recalled line can be edited and submitted.
    s.type("\x7f\x7f\x7f"
           "ee\r");
    CHECK(s.submitted.back() == "thee");
    CHECK(std::string(s.editor.history_entry(0)) == "thee");
    CHECK(std::string(s.editor.history_entry(1)) == "three"); // the entry itself is unchanged
}

TEST_CASE("history: ESC O A works like ESC [ A; empty and repeated lines are not kept")
{
    Session s;
    s.type("ls\r\rls\r   \r");
    // "   " is not empty: it is kept (the parser makes nothing of it).
    CHECK(s.editor.history_count() == 2);
    s.type("\x1bOA");
    CHECK(s.line() == "   ");
    s.type("\x1bOA");
    CHECK(s.line() == "ls");
}

TEST_CASE("history: keeps the last history_size lines")
{
    Session s;
    for (size_t i = 0; i < LineEditor::history_size + 5; ++i)
        s.type("cmd" + std::to_string(i) + "\r");
    CHECK(s.editor.history_count() == LineEditor::history_size);
    CHECK(std::string(s.editor.history_entry(0)) == "cmd" + std::to_string(LineEditor::history_size + 4));
    CHECK(std::string(s.editor.history_entry(LineEditor::history_size - 1)) == "cmd5");
    for (size_t i = 0; i < LineEditor::history_size + 3; ++i)
        s.type(up);
    CHECK(s.line() == "cmd5");
}

TEST_CASE("Ctrl-C while browsing history ends the browse")
{
    Session s;
    s.type("a\rb\r");
    s.type(up + up);
    CHECK(s.line() == "a");
    s.type("\x03");
    s.type(up);
    CHECK(s.line() == "b");
}

TEST_CASE("an escape sequence split across reads still works")
{
    Session s;
    s.type("x\r");
    s.type("\x1b");
    s.type("[");
    s.type("A");
    CHECK(s.line() == "x");
}
