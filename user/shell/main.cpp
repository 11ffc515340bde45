// shell: the interactive shell on the serial console. It reads raw bytes
// from the console server, edits the line itself (line_editor.h), parses it
// (parse.h) and runs a builtin or a program from the initrd (commands.h).
// `help` lists the commands.
#include "commands.h"
#include "io.h"
#include "line_editor.h"
#include "parse.h"
#include <stdio.h>

namespace {

using shell::LineEditor;

constexpr const char* prompt = "faultline$ ";

// Input read but not yet fed: what was typed ahead of a submitted line.
uint8_t g_pending[64];
size_t g_pending_count = 0, g_pending_next = 0;

// Feeds bytes until the line is submitted or interrupted; false if input is gone.
bool read_line(LineEditor& editor, LineEditor::Event& event)
{
    shell::Echo echo;
    for (;;) {
        if (g_pending_next == g_pending_count) {
            auto got = shell::read_input(g_pending, sizeof(g_pending));
            if (got.is_error())
                return false;
            g_pending_count = got.value();
            g_pending_next = 0;
        }
        echo.clear();
        event = LineEditor::Event::None;
        while (g_pending_next < g_pending_count && event == LineEditor::Event::None) {
            event = editor.feed(g_pending[g_pending_next++], echo);
            if (echo.length > shell::Echo::capacity / 2) {
                shell::write(echo.text, echo.length);
                echo.clear();
            }
        }
        if (echo.length)
            shell::write(echo.text, echo.length);
        if (event != LineEditor::Event::None)
            return true;
    }
}

} // namespace

int main(int, char**)
{
    if (!shell::console_present()) {
        libc::puts("shell: no console server: nothing to read commands from");
        return 1;
    }
    // The quit hint is here, not printed before boot: GRUB clears the
    // screen, and these are the last lines before the first prompt.
    shell::write("faultline shell: `help` lists the commands\n"
                 "  `poweroff` turns the machine off, `reboot` restarts it; in QEMU, Ctrl-A then X quits\n");
    static LineEditor editor; // the history is a few KiB: not on the stack
    static shell::CommandLine command;
    for (;;) {
        shell::report_finished_jobs();
        shell::write(prompt);
        editor.start_line();
        LineEditor::Event event;
        if (!read_line(editor, event)) {
            libc::puts("shell: the console went away");
            return 1;
        }
        if (event != LineEditor::Event::Submit)
            continue; // Ctrl-C: a fresh prompt
        shell::ParseError error = shell::parse_command_line(editor.line(), editor.length(), command);
        if (error != shell::ParseError::None) {
            shell::print("shell: {}\n", shell::parse_error_message(error));
            continue;
        }
        shell::run_command(command);
    }
}
