"""Hostile programs against the pager's requests and tables (issue 12).

Each case boots `init.run=/bin/HOSTILE,/bin/hello` (the attack, then a
normal program in the same boot): the attacker alone gets a clear error or a
kill, and hello still runs. The programs are in user/programs (one file
each; their top comments say what they try).
"""

from cases import Expect, exited, program_case, running

HELLO = [running('/bin/hello'), Expect(r'^hello: hello from a lazily loaded program$'), exited('hello')]


def hostile_case(name, program, steps, then=HELLO, extra_run='', **kwargs):
    run = f'/bin/{program},/bin/hello' + (f',{extra_run}' if extra_run else '')
    return program_case(name, run, [running(f'/bin/{program}')] + steps + then, **kwargs)


CASES = [
    # A private mapping of a 133-byte file read over 6000 pages: zero pages
    # of its own, not page-cache pages; then hello and a file-backed program.
    hostile_case('hostile-cache-flood', 'cache_flood', [
        Expect(r'^cache_flood: read 5999 pages past the end of a 133-byte file: 0 nonzero bytes; '
               r'page cache grew by [01] pages$'),
        Expect(r'^cache_flood: ok$'),
        exited('cache_flood'),
    ], then=HELLO + [running('/bin/file_mmap'), Expect(r'^file_mmap: ok$'), exited('file_mmap')],
        extra_run='/bin/file_mmap', forbid=[r'out of memory']),
    # W^X: writable and executable memory is refused at the call.
    hostile_case('hostile-wx-mmap', 'wx_mmap', [
        Expect(r'^wx_mmap: anonymous W\+X mmap: refused: unsupported$'),
        Expect(r'^wx_mmap: private file W\+X mmap: refused: unsupported$'),
        Expect(r'^wx_mmap: mprotect to W\+X: refused: unsupported$'),
        Expect(r'^wx_mmap: ok$'),
        exited('wx_mmap'),
    ]),
    # A directory has no pages: refused at mmap, not killed "out of memory" later.
    hostile_case('hostile-mmap-dir', 'mmap_dir', [
        Expect(r'^mmap_dir: mmap of /etc \(file id \d+\): refused: wrong object type$'),
        Expect(r'^mmap_dir: ok$'),
        exited('mmap_dir'),
    ]),
    # File ids past 32 bits used to be cut and alias real files.
    hostile_case('hostile-file-id-range', 'file_id_range', [
        Expect(r'^file_id_range: file id 0x1[0-9a-f]{8}: refused: out of range$'),
        Expect(r'^file_id_range: file id 0xffffffff: refused: out of range$'),
        Expect(r'^file_id_range: file id 0x8000000000000000: refused: out of range$'),
        Expect(r'^file_id_range: file id 0x7fffffffffffffff: refused: out of range$'),
        Expect(r'^file_id_range: ok$'),
        exited('file_id_range'),
    ]),
    # A spawned program has no operator right: no policy switch, no trace of
    # every process, no Query/Why/Trace of another pid; itself it may inspect.
    hostile_case('hostile-pager-snoop', 'pager_snoop', [
        Expect(r'^pager_snoop: child: pager policy eager: not permitted$'),
        Expect(r'^pager_snoop: child: trace every process: not permitted$'),
        Expect(r'^pager_snoop: child: query another pid: not permitted$'),
        Expect(r'^pager_snoop: child: why of another pid: not permitted$'),
        Expect(r'^pager_snoop: child: trace another pid: not permitted$'),
        Expect(r'^pager_snoop: child: query a pid 4096 above: not permitted$'),
        Expect(r'^pager_snoop: child: its own query, why and the policy in force still answer$'),
        Expect(r'^pager_snoop: child: ok$'),
        Expect(r'^pager_snoop: child exited with status 0$'),
        exited('pager_snoop'),
    ], forbid=[r'^pager: policy', r'^trace: #']),
    # An ELF with a segment on the IPC buffer page: refused when init asks the
    # pager to lay it out (the spawn fails with the reason), never run.
    program_case('hostile-reserved-elf', '/bin/reserved_elf,/bin/hello', [
        running('/bin/reserved_elf'),
        Expect(r'^init: cannot run /bin/reserved_elf: bad ELF: segment over a page the system reserves$'),
    ] + HELLO, forbid=[r'^init: reserved_elf \(pid']),
]
