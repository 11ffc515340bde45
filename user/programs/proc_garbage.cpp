// proc_garbage: sends the process manager requests of the wrong shape: too
// few words, too many, unknown labels, the kernel's ThreadExit label. Each
// must be refused with its error, init must not fall over, and the malformed
// Exit must not end the program.
#include "hostile_process.h"

namespace {
constexpr const char* name = "proc_garbage";
using hostile::expect;
using hostile::raw_request;
using Label = hostile::process::Label;
using ipc::Error;
} // namespace

int main(int, char**)
{
    expect(name, "Spawn without words", raw_request(Label::Spawn, {}), Error::Truncated);
    expect(name, "Spawn whose words outrun its length",
           raw_request(uint32_t(Label::Spawn), { 8, 0x6f6c6c65682f6e69 }, 5), Error::Malformed);
    expect(name, "Wait without words", raw_request(Label::Wait, {}), Error::Truncated);
    expect(name, "Wait with two words", raw_request(Label::Wait, { 1, 2 }), Error::Malformed);
    expect(name, "Kill without words", raw_request(Label::Kill, {}), Error::Truncated);
    expect(name, "List without words", raw_request(Label::List, {}), Error::Truncated);
    expect(name, "List past the end", raw_request(Label::List, { ~uint64_t(0) }), Error::NotFound);
    expect(name, "Exit with two words", raw_request(Label::Exit, { 0, 0 }), Error::Malformed);
    expect(name, "Reboot with three words", raw_request(Label::Reboot, { 1, 2, 3 }), Error::Malformed);
    expect(name, "the kernel's ThreadExit label", raw_request(ipc::thread_exit_label, { 1, 2, 3, 4 }, 4),
           Error::InvalidArgument);
    expect(name, "an unknown label", raw_request(0x399, {}, 0), Error::InvalidArgument);
    expect(name, "label 0", raw_request(0, { 1 }, 1), Error::InvalidArgument);
    programs::say("{}: every malformed request refused; still running\n", name);
    return 0;
}
