#pragma once
// The shell's terminal: output and input through the console server
// (<ipc/proto/console.h>, process_slot_console), and the shell's calls to
// the other servers' protocols that libc does not wrap.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <ipc/format.h>
#include <ipc/result.h>
#include <kernel_api.h>

namespace shell {

// Whether the console server answers (without it the shell cannot read).
bool console_present();

// Writes through the console server, in as few Write messages as fit (so a
// line printed at once is not split by other output); falls back to the
// kernel's debug print if the console is missing.
void write(const char* text, size_t length);
void write(const char* text);

template<typename... Args>
void print(const char* format, const Args&... args)
{
    char line[512];
    ipc::fmt::BufferSink sink(line, sizeof(line));
    ipc::fmt::format(sink, format, args...);
    write(line, sink.length());
}

// Blocks until at least one byte is typed; returns how many (at most capacity).
ipc::Result<size_t> read_input(uint8_t* buffer, size_t capacity);

// Ctrl-C kills this pid (0 = nobody; Ctrl-C is then input).
void set_foreground(uint64_t pid);

// One request to a server; message words from `args` (at most 8).
kapi::SyscallResult request(ipc::CPtr endpoint, uint32_t label, std::initializer_list<uint64_t> args);
// A string reply: w[first] = length, w[first+1..] = the bytes.
size_t reply_string(const kapi::SyscallResult&, unsigned first, char* out, size_t capacity);
// A request carrying a string: w0 = length, w1.. = the bytes.
kapi::SyscallResult request_with_string(ipc::CPtr endpoint, uint32_t label, const char* text);

} // namespace shell
