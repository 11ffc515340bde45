// proc_argv: spawns with argv that does not fit. Too many strings (65, and
// the 192), one long argument, one byte past the limit: refused with
// ArgumentListTooLong by libc before sending, and the same built by hand
// reaches init and is refused there; nothing is cut. Exactly at the limits
// (479 bytes, 64 strings) and with an empty last argument the child gets
// its argv whole.
//
//   proc_argv                  the attacks
//   proc_argv echo ARG...      a child: prints argc and the longest argument's length
#include "hostile_process.h"

namespace {

constexpr const char* name = "proc_argv";
using hostile::process::max_argc;
using hostile::process::max_spawn_argv_bytes;

const char* g_argv[200];
char g_long[1100];

// argv = { "/bin/proc_argv", "echo", filler... } with `count` strings in all.
size_t fill(size_t count, const char* filler)
{
    g_argv[0] = "/bin/proc_argv";
    g_argv[1] = "echo";
    for (size_t i = 2; i < count; ++i)
        g_argv[i] = filler;
    return count;
}

void refused_by_libc(const char* what, size_t argc)
{
    hostile::expect(name, what, hostile::error_of(libc::spawn(g_argv, argc)),
                    ipc::Error::ArgumentListTooLong);
}

// A Spawn message of `block` (bytes as given) with its length word `length_word`.
ipc::Error raw_spawn(const char* block, size_t length, uint64_t length_word, unsigned words)
{
    uint64_t w[ipc::max_message_words] {};
    w[0] = length_word;
    for (size_t i = 0; i < length && 1 + i / 8 < ipc::max_message_words; ++i)
        w[1 + i / 8] |= uint64_t(uint8_t(block[i])) << (8 * (i % 8));
    auto r = kapi::send_message(ipc::Syscall::Call, ipc::proto::process_slot_process,
                                ipc::MessageInfo(uint32_t(hostile::process::Label::Spawn), words), w);
    return kapi::call_error(r);
}

void runs_whole(const char* what, size_t argc)
{
    programs::say("{}: {}\n", name, what);
    hostile::run_and_wait(name, g_argv, argc);
}

int echo(int argc, char** argv)
{
    size_t longest = 0;
    for (int i = 0; i < argc; ++i)
        longest = strlen(argv[i]) > longest ? strlen(argv[i]) : longest;
    programs::say("{}: echo: argc {}, longest argument {} bytes, last argument \"{}\"\n", name, argc, longest,
                  strlen(argv[argc - 1]) > 16 ? "(long)" : argv[argc - 1]);
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc >= 2 && strcmp(argv[1], "echo") == 0)
        return echo(argc, argv);

    refused_by_libc("65 strings", fill(max_argc + 1, "a"));
    refused_by_libc("192 strings", fill(192, "a"));
    memset(g_long, 'x', 1000);
    g_long[1000] = 0;
    refused_by_libc("a 1000-byte argument", fill(3, g_long));
    // "/bin/proc_argv\0echo\0" is 20 bytes: an argument of 459 bytes and its
    // NUL make 480, one past the limit; 458 makes exactly 479.
    size_t head = strlen("/bin/proc_argv") + 1 + strlen("echo") + 1;
    size_t fits = max_spawn_argv_bytes - head - 1;
    memset(g_long, 'y', fits + 1);
    g_long[fits + 1] = 0;
    refused_by_libc("one byte past the limit", fill(3, g_long));

    // Built by hand: init refuses them itself.
    hostile::expect(name, "by hand: a length word of 1000",
                    raw_spawn("/bin/hello", 11, 1000, ipc::max_message_words),
                    ipc::Error::ArgumentListTooLong);
    char block[200] = "/bin/hello";
    size_t length = 11;
    for (unsigned i = 1; i <= max_argc; ++i) {
        block[length++] = 'a';
        block[length++] = 0;
    }
    hostile::expect(name, "by hand: 65 strings",
                    raw_spawn(block, length, length, 1 + unsigned((length + 7) / 8)),
                    ipc::Error::ArgumentListTooLong);
    hostile::expect(name, "by hand: no NUL at the end", raw_spawn("/bin/hello", 10, 10, 3),
                    ipc::Error::Malformed);

    // At the limits, whole.
    g_long[fits] = 0;
    runs_whole("479 bytes:", fill(3, g_long));
    runs_whole("64 strings:", fill(max_argc, "b"));
    g_argv[2] = "c";
    g_argv[3] = "";
    runs_whole("an empty last argument:", 4);
    programs::say("{}: done\n", name);
    return 0;
}
