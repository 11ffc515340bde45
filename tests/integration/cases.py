"""Integration test cases: boot the real ISO under QEMU and check the console.

A Case is a boot configuration (kernel command line, multiboot2 modules) plus
steps run in order against the serial console, then the expected QEMU exit
code. Exit codes come from the isa-debug-exit device at port 0xf4, where QEMU
exits with (value << 1) | 1:
    33  kernel wrote 0x10: root task exited with status 0
    35  kernel wrote 0x11: kernel panic
    37  kernel wrote 0x12: root task exited with a non-zero status
With -no-reboot a triple fault (or reset) makes QEMU exit with 0.

Steps:
    Expect(regex, timeout, check)     wait for regex after the previous match;
                                      check(match, ctx) -> error string or None
    Block(end_regex, contains=[...])  wait for end_regex, and require every
                                      regex in `contains` somewhere between the
                                      previous match and it (any order)
    SendLine(text)                    type a line on the serial console
Patterns are Python regexes, compiled with re.MULTILINE, matched against the
console text with ANSI escapes and carriage returns removed.
"""

import os
from dataclasses import dataclass, field
from typing import Callable, List, Optional

import re

DEFAULT_TIMEOUT = 30.0     # seconds per expect: generous for slow CI under TCG

HEX = r'0x[0-9a-fA-F]+'


class CaseFailure(Exception):
    pass


# -- steps ------------------------------------------------------------------
@dataclass
class Expect:
    pattern: str
    timeout: float = DEFAULT_TIMEOUT
    check: Optional[Callable] = None

    def describe(self):
        return f'/{self.pattern}/'

    def run(self, con, ctx):
        m = con.expect(self.pattern, self.timeout)
        if self.check:
            err = self.check(m, ctx)
            if err:
                raise CaseFailure(f'{self.describe()} matched {m.group(0)!r}, but {err}')
        return m


@dataclass
class Block:
    end: str
    contains: List[str] = field(default_factory=list)
    timeout: float = DEFAULT_TIMEOUT

    def describe(self):
        return f'/{self.end}/ preceded by ' + ', '.join(f'/{c}/' for c in self.contains)

    def run(self, con, ctx):
        start = con.pos
        m = con.expect(self.end, self.timeout)
        region = con.text[start:m.start()]
        missing = [c for c in self.contains if not re.search(c, region, re.M)]
        if missing:
            raise CaseFailure(f'/{self.end}/ appeared, but before it (since the previous match) '
                              f'there was no ' + ', '.join(f'/{c}/' for c in missing))
        return m


@dataclass
class SendLine:
    text: str
    char_delay: float = 0.0

    def describe(self):
        return f'send {self.text!r}'

    def run(self, con, ctx):
        con.send_line(self.text, self.char_delay)


class Once:
    """`pattern` appears exactly once in everything printed so far (a
    report said once, not once per word or per boot stage)."""

    def __init__(self, pattern):
        self.pattern = pattern

    def describe(self):
        return f'/{self.pattern}/ exactly once'

    def run(self, con, ctx):
        n = len(re.findall(self.pattern, con.text, re.M))
        if n != 1:
            raise CaseFailure(f'/{self.pattern}/ appeared {n} times, expected once')


# -- cases ------------------------------------------------------------------
def default_modules(ctx):
    return [(ctx.init_elf, 'init')]


@dataclass
class Case:
    name: str
    steps: list
    exit_code: Optional[int] = 33
    # None (and no modules): boot the ISO meson built (BUILD/faultline.iso)
    # through the firmware and GRUB, as `make run` does. Otherwise the same
    # kernel boots with this command line, directly by QEMU's loader
    # (boot/qemu_boot.py), or from a variant GRUB ISO if `grub` is set.
    cmdline: Optional[str] = None
    # ctx -> [(path, module name)]; None means the default [init.elf as "init"].
    modules: Optional[Callable] = None
    forbid: List[str] = field(default_factory=list)
    exit_timeout: float = DEFAULT_TIMEOUT
    # ctx -> extra QEMU arguments (a second serial port to a file, say),
    # appended after the runner's own.
    qemu_args: Optional[Callable] = None
    # False (the default): QEMU runs with -no-reboot, so a reset ends it
    # with exit code 0. True: a reset restarts the machine, as `make run` does.
    reboots: bool = False
    # A variant (cmdline or modules) boots through GRUB from an ISO made by
    # boot/mkiso.py instead of QEMU's direct -kernel boot.
    grub: bool = False
    # ctx -> path of an ISO the case makes itself (the one `make run
    # CMDLINE=...` boots, say); overrides cmdline and modules.
    iso: Optional[Callable] = None

    @property
    def uses_default_iso(self):
        return self.cmdline is None and self.modules is None and self.iso is None

    @property
    def boots_grub(self):
        """Through the firmware and GRUB from an ISO; otherwise QEMU's direct
        -kernel boot."""
        return self.uses_default_iso or self.grub or self.iso is not None


def _positive(group, what):
    def check(m, ctx):
        n = int(m.group(group))
        return None if n > 0 else f'{what} is {n}, expected > 0'
    return check


def _module_size_is(expected_fn):
    def check(m, ctx):
        got = int(m.group(1))
        want = expected_fn(ctx)
        return None if got == want else f'module size {got} != {want} bytes (the file given to GRUB)'
    return check


def _mm_sane(m, ctx):
    free, total, mib = (int(m.group(i)) for i in (1, 2, 3))
    if total <= 0 or free <= 0:
        return f'frame counts must be positive (free {free}, total {total})'
    if free > total:
        return f'more frames free ({free}) than exist ({total})'
    if not 1 <= mib <= 256:
        return f'{mib} MiB usable is impossible with -m 256M'
    return None


BANNER = r'^init: faultline root task running in ring 3'
PANIC_ANY = r'KERNEL PANIC'
REGISTERS = [rf'RIP={HEX}', rf'RSP={HEX}', rf'CR2={HEX}', rf'CR3={HEX}', rf'RAX={HEX}']


def booting():
    return Expect(r'^\[info\] kernel: faultline 0\.1\.0 booting')


def cmdline_is(word):
    return Expect(r'^\[info\] boot: command line "(?:[^"\n]* )?' + re.escape(word) + r'(?: [^"\n]*)?"')


def halted(contains=()):
    return Block(r'^System halted\.', contains=list(contains))


def exception_case(name, fault, mnemonic, title, vector, error_code):
    """test.fault=FAULT makes the kernel raise this CPU exception itself."""
    ec = rf', error code {HEX}' if error_code else rf'(?:, error code {HEX})?'
    return Case(
        name,
        cmdline=f'test.fault={fault}',
        exit_code=35,
        steps=[
            booting(),
            cmdline_is(f'test.fault={fault}'),
            Expect(rf'^KERNEL PANIC: CPU exception #{mnemonic} \({re.escape(title)}\), '
                   rf'vector {vector}\b{ec}'),
            halted(REGISTERS),
        ])


def _pager_not_elf(ctx):
    """The full set of modules, except that the pager is a text file."""
    not_elf = ctx.write_input('not-elf.txt', NOT_ELF_TEXT)
    return [(ctx.init_elf, 'init'), (not_elf, 'pager'), (ctx.fs_elf, 'fs'), (ctx.initrd, 'initrd')]


def _write_not_elf(ctx):
    path = ctx.write_input('not-elf.txt', NOT_ELF_TEXT)
    return [(path, 'init')]


def _write_truncated(ctx):
    with open(ctx.init_elf, 'rb') as f:
        head = f.read(TRUNCATED_SIZE)
    path = ctx.write_input('init-truncated.elf', head)
    return [(path, 'init')]


NOT_ELF_TEXT = (b'This is a plain text file standing in for the root task.\n'
                b'It is long enough to hold an ELF header, but it is not one:\n'
                b'the kernel must refuse it with a clear message, not run it.\n')
TRUNCATED_SIZE = 200

CASES = [
    Case(
        'boot-banner',
        steps=[
            booting(),
            Expect(r'^\[info\] boot: command line "[^"\n]*"'),
            Expect(rf'^\[info\] boot: module init: (\d+) bytes at {HEX}',
                   check=_module_size_is(lambda ctx: os.path.getsize(ctx.init_elf))),
            Expect(r'^\[info\] mm: (\d+) frames free of (\d+) \((\d+) MiB usable\)',
                   check=_mm_sane),
            Expect(r'^\[info\] timer: PIT at 100 Hz'),
            Expect(r'^\[info\] kernel: starting root task "init"'),
            Expect(BANNER),
            # The default image ends at the shell; leave it as a person would.
            Expect(r'faultline\$ ', 60),
            SendLine('poweroff'),
            Expect(r'^\[info\] kernel: root task exited with status 0 after (\d+) timer ticks',
                   check=_positive(1, 'the tick count')),
        ],
        exit_code=33,
        forbid=[PANIC_ANY]),

    exception_case('panic-page-fault', 'pf', 'PF', 'Page Fault', 14, error_code=True),
    exception_case('panic-general-protection', 'gp', 'GP', 'General Protection', 13, error_code=True),
    exception_case('panic-invalid-opcode', 'ud', 'UD', 'Invalid Opcode', 6, error_code=False),
    exception_case('panic-divide-error', 'de', 'DE', 'Divide Error', 0, error_code=False),
    # Must be reported as a panic from the #DF handler (on its own IST stack),
    # not end in a triple fault: with -no-reboot that would exit QEMU with 0.
    exception_case('panic-double-fault', 'df', 'DF', 'Double Fault', 8, error_code=True),

    # The kernel takes interrupts only in its idle wait; one anywhere else
    # would push its frame wherever the kernel's stack points.
    Case(
        'panic-irq-outside-idle',
        cmdline='test.fault=irq',
        exit_code=35,
        steps=[
            booting(),
            cmdline_is('test.fault=irq'),
            Expect(r'^\[info\] timer: PIT at 100 Hz, ticking'),
            Expect(rf'^KERNEL PANIC: IRQ 0 taken in the kernel outside the idle wait, at rip {HEX}'),
            halted(REGISTERS),
        ],
        forbid=[BANNER]),

    Case(
        'root-missing',
        # init=NAME naming no module falls back to init; here there is no
        # module called init either, so nothing can start.
        cmdline='init=nothere',
        modules=lambda ctx: [(ctx.init_elf, 'notinit')],
        steps=[
            booting(),
            cmdline_is('init=nothere'),
            Expect(r'^boot modules: "notinit"$'),
            Expect(r'^KERNEL PANIC: root task module "nothere" not found'),
            halted(),
        ],
        exit_code=35,
        forbid=[BANNER]),

    Case(
        'root-not-elf',
        modules=_write_not_elf,
        steps=[
            booting(),
            Expect(rf'^\[info\] boot: module init: (\d+) bytes at {HEX}',
                   check=_module_size_is(lambda ctx: len(NOT_ELF_TEXT))),
            Expect(r'^KERNEL PANIC: root task "init": bad ELF: [^\n]*magic'),
            halted(),
        ],
        exit_code=35,
        forbid=[BANNER]),

    Case(
        'root-truncated',
        modules=_write_truncated,
        steps=[
            booting(),
            Expect(rf'^\[info\] boot: module init: (\d+) bytes at {HEX}',
                   check=_module_size_is(lambda ctx: min(TRUNCATED_SIZE,
                                                         os.path.getsize(ctx.init_elf)))),
            Expect(r'^KERNEL PANIC: root task "init": bad ELF: \S[^\n]*'),
            halted(),
        ],
        exit_code=35,
        forbid=[BANNER]),

    # The root task ending with a non-zero status is the run's failure
    # (exit code 37): init cannot start a server whose module is no ELF.
    Case(
        'root-exit-status',
        modules=_pager_not_elf,
        steps=[
            booting(),
            Expect(BANNER),
            Expect(r'^init: loading a server image: malformed$'),
            Expect(r'^\[info\] kernel: root task exited with status 1 after \d+ timer ticks'),
        ],
        exit_code=37,
        forbid=[PANIC_ANY]),
]


# -- issue 4: programs loaded lazily by the pager ----------------------------
# Each case boots init with the pager, the file server and the initrd
# (user/programs, built into BUILD/user/programs/initrd.cpio) and runs
# programs from it with `init.run=/bin/PROG[:arg...][,/bin/PROG2...]`. The
# checks read init's lines (`init: NAME (pid N) exited with status S`,
# `init: NAME (pid N) killed: REASON at ADDRESS`, `init: cannot run PATH:
# ...`) and the programs' own; never the pager's trace, whose format is free.
PROGRAMS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                            'user', 'programs')
PROGRAM_FAIL = r'^[a-z_]+: (?:child \d+: )?FAIL\b'
ALL_DONE = r'^init: all programs finished'
PROGRAM_TIMEOUT = 60.0


def full_modules(ctx):
    """init as the root task, plus the pager, the file server and the initrd."""
    return [(ctx.init_elf, 'init'), (ctx.pager_elf, 'pager'), (ctx.fs_elf, 'fs'),
            (ctx.initrd, 'initrd')]


def servers_started(kernel_steps=()):
    """Boot to the servers' start; `kernel_steps` are checked on the kernel's
    log before init's banner."""
    # Generous: under a loaded CI host, GRUB alone can take most of the default 30 s.
    return ([Expect(booting().pattern, PROGRAM_TIMEOUT)] + list(kernel_steps) +
            [Expect(BANNER), Expect(r'^init: file server and pager started')])


def running(path):
    return Expect(r'^init: running ' + re.escape(path) + r'$')


def exited(name, status=0, timeout=PROGRAM_TIMEOUT):
    return Expect(rf'^init: {name} \(pid \d+\) exited with status {status}$', timeout)


def killed(name, reason, address=HEX, timeout=PROGRAM_TIMEOUT, check=None):
    return Expect(rf'^init: {name} \(pid \d+\) killed: {reason} at ({address})(?=[ \n])', timeout, check)


def program_case(name, run, steps, forbid=(), options='', kernel_steps=(), **kwargs):
    """Boot with `OPTIONS init.run=RUN` and the full module set; `steps`
    follow the servers' start, and init must then finish and exit (QEMU exit 33)."""
    return Case(name,
                cmdline=(options + ' ' if options else '') + 'init.run=' + run,
                modules=full_modules,
                steps=servers_started(kernel_steps) + steps + [Expect(ALL_DONE + '$', PROGRAM_TIMEOUT)],
                exit_code=33,
                forbid=[PANIC_ANY, PROGRAM_FAIL, r'^init: pager could not forget'] + list(forbid),
                **kwargs)


SEQUENCE_RUN = ('/bin/hello,/bin/guard_hit,/bin/wild_pointer,/bin/exec_data,'
                '/bin/mprotect_ro,/bin/anon_mmap,/bin/hello:again')


def sequence_steps():
    return [
        exited('hello'),
        killed('guard_hit', 'guard page hit'),
        killed('wild_pointer', 'invalid address', '0x5000dead0000'),
        killed('exec_data', 'protection violation'),
        killed('mprotect_ro', 'protection violation'),
        exited('anon_mmap'),
        Expect(r'^hello: argv\[1\] = again$'),
        exited('hello'),
    ]


def _at_least(group, minimum, what):
    def check(m, ctx):
        n = int(m.group(group))
        return None if n >= minimum else f'{what} is {n}, expected at least {minimum}'
    return check


def _resident_fraction(m, ctx):
    resident, total = int(m.group(1)), int(m.group(2))
    if total < 1024:
        return f'the bss region has {total} pages; the 4 MiB array alone needs 1024'
    if resident * 4 >= total:
        return f'{resident} of {total} bss pages are resident: it was not populated lazily'
    return None


def _text_shared(m, ctx):
    maps, reads = int(m.group(1)), int(m.group(2))
    if maps == 0:
        return 'the children mapped no text or rodata pages'
    if reads >= maps:
        return (f'{reads} file reads for {maps} text/rodata mappings: the children do not share '
                f'the page-cache frames of their text')
    return None


def _same_address(earlier_group):
    """The kill address equals the address the program announced before."""
    state = {}

    def remember(m, ctx):
        state['address'] = int(m.group(earlier_group), 16)
        return None

    def compare(m, ctx):
        got = int(m.group(1), 16)
        want = state.get('address')
        return None if got == want else f'killed at {got:#x}, but the program announced {want:#x}'
    return remember, compare


def _motd_first_line(m, ctx):
    with open(os.path.join(PROGRAMS_DIR, 'files', 'motd')) as f:
        want = f.readline().rstrip('\n')
    got = m.group(1)
    return None if got == want else f'the mapping shows {got!r}, the file says {want!r}'


def _big_resident(m, ctx):
    image_kib, resident = int(m.group(1)), int(m.group(2))
    if image_kib < 4096:
        return f'the image is {image_kib} KiB; big has 4 MiB of rodata and data'
    if resident == 0:
        return 'no resident pages at all: the Query counts are not kept'
    if resident * 4 * 4 >= image_kib:
        return f'{resident} resident pages ({resident * 4} KiB) is not below a quarter of the {image_kib} KiB image'
    return None


def _big_eager(m, ctx):
    image_resident = int(m.group(1))
    return None if image_resident * 4096 >= 4 * 1024 * 1024 else \
        f'only {image_resident} image pages resident under the eager policy; big has 1024 pages of rodata and data'


_mprotect_remember, _mprotect_compare = _same_address(1)
_exec_remember, _exec_compare = _same_address(1)

PROGRAM_CASES = [
    program_case('prog-hello', '/bin/hello:a:b', [
        running('/bin/hello'),
        Expect(r'^hello: hello from a lazily loaded program$'),
        Expect(r'^hello: argc = 3$'),
        Expect(r'^hello: argv\[0\] = /bin/hello$'),
        Expect(r'^hello: argv\[1\] = a$'),
        Expect(r'^hello: argv\[2\] = b$'),
        exited('hello'),
    ]),

    program_case('prog-exit-status', '/bin/exit_status:7', [
        running('/bin/exit_status'),
        Expect(r'^exit_status: exiting with status 7$'),
        exited('exit_status', 7),
    ]),

    program_case('prog-stack-grow', '/bin/stack_grow', [
        Expect(r'^stack_grow: \d+ levels used (\d+) KiB of stack, checksum \d+$',
               check=_at_least(1, 256, 'the stack used (KiB)')),
        Expect(r'^stack_grow: ok$'),
        exited('stack_grow'),
    ]),

    program_case('prog-bss-lazy', '/bin/bss_lazy', [
        Expect(r'^bss_lazy: bss region 0x[0-9a-f]+-0x[0-9a-f]+: resident (\d+) of (\d+) pages$',
               check=_resident_fraction),
        Expect(r'^bss_lazy: ok$'),
        exited('bss_lazy'),
    ]),

    program_case('prog-guard-hit', '/bin/guard_hit', [
        Expect(r'^guard_hit: recursing until the stack overflows$'),
        Expect(rf'^init: guard_hit \(pid \d+\) killed: guard page hit at {HEX} '
               r'\(stack overflow, (\d+) KiB below the stack\)$', PROGRAM_TIMEOUT),
    ]),

    program_case('prog-text-fault', '/bin/text_fault', [
        Expect(r'^text_fault: late_function returned 0x7e57fa17; text resident pages \d+ -> \d+$'),
        Expect(r'^text_fault: ok$'),
        exited('text_fault'),
    ]),

    program_case('prog-data-private', '/bin/data_private', [
        Block(r'^data_private: text maps (\d+), file reads (\d+)$', contains=[
            r'^data_private: child 1111: the global kept its value for \d+ rounds$',
            r'^data_private: child 2222: the global kept its value for \d+ rounds$',
            r'^data_private: child pid \d+ exited with status 0$',
        ]),
        Expect(r'^data_private: ok$'),
        exited('data_private'),
    ]),

    program_case('prog-heap-brk', '/bin/heap_brk', [
        Expect(r'^heap_brk: break 0x[0-9a-f]+ -> 0x[0-9a-f]+ \(\+(\d+) KiB\) after 1024 KiB of malloc$',
               check=_at_least(1, 1024, 'the break growth (KiB)')),
        Expect(r'^heap_brk: ok$'),
        exited('heap_brk'),
    ]),

    program_case('prog-anon-mmap', '/bin/anon_mmap', [
        Expect(r'^anon_mmap: mapped 256 KiB at 0x[0-9a-f]+$'),
        Expect(r'^anon_mmap: mapped again at 0x[0-9a-f]+, zero again$'),
        Expect(r'^anon_mmap: ok$'),
        exited('anon_mmap'),
    ]),

    program_case('prog-file-mmap', '/bin/file_mmap', [
        Expect(r'^file_mmap: /etc/motd: \d+ bytes at 0x[0-9a-f]+ match the file$'),
        Expect(r'^file_mmap: motd: (.*)$', check=_motd_first_line),
        Expect(r'^file_mmap: /bin/file_mmap: \d+ bytes at 0x[0-9a-f]+ match the file$'),
        Expect(r'^file_mmap: /bin/hello: shared writable mapping refused$'),
        Expect(r'^file_mmap: ok$'),
        exited('file_mmap'),
    ]),

    program_case('prog-mprotect-ro', '/bin/mprotect_ro', [
        Expect(r'^mprotect_ro: pages at 0x[0-9a-f]+ are read-only and hold their values$'),
        Expect(r'^mprotect_ro: about to write to (0x[0-9a-f]+)$', check=_mprotect_remember),
        killed('mprotect_ro', 'protection violation', check=_mprotect_compare),
    ]),

    program_case('prog-exec-data', '/bin/exec_data', [
        Expect(r'^exec_data: calling code at (0x[0-9a-f]+)$', check=_exec_remember),
        killed('exec_data', 'protection violation', check=_exec_compare),
    ]),

    program_case('prog-wild-pointer', '/bin/wild_pointer', [
        Expect(r'^wild_pointer: writing to 0x5000dead0000$'),
        killed('wild_pointer', 'invalid address', '0x5000dead0000'),
    ]),

    # The pager's frame pool runs dry; it must kill only the greedy program and
    # take back everything it had, so the next program still runs.
    program_case('prog-oom', '/bin/oom,/bin/hello', [
        running('/bin/oom'),
        Expect(r'^oom: 16 MiB touched$', PROGRAM_TIMEOUT),
        killed('oom', 'out of memory', timeout=300),
        running('/bin/hello'),
        Expect(r'^hello: hello from a lazily loaded program$'),
        exited('hello'),
    ], exit_timeout=60),

    program_case('prog-bad-elf', '/bin/not_an_elf,/bin/truncated,/bin/nothere,/bin/hello', [
        Expect(r'^init: cannot run /bin/not_an_elf: bad ELF: bad magic$'),
        Expect(r'^init: cannot run /bin/truncated: bad ELF: truncated program header table$'),
        Expect(r'^init: cannot run /bin/nothere: not found$'),
        running('/bin/hello'),
        exited('hello'),
    ]),

    program_case('prog-big', '/bin/big', [
        Expect(r'^big: image (\d+) KiB, resident (\d+) pages$', check=_big_resident),
        exited('big'),
    ]),

    # The same program under the eager policy: the whole image is populated,
    # which is what the lazy numbers above are to be compared with.
    program_case('prog-big-eager', '/bin/big', [
        Expect(r'^big: image resident (\d+) pages$', check=_big_eager),
        Expect(r'^big: image (\d+) KiB, resident (\d+) pages$'),
        exited('big'),
    ], options='pager.policy=eager'),

    # Kills do not disturb what runs next: every program of one boot.
    program_case('prog-sequence', SEQUENCE_RUN, sequence_steps()),

    # The same at 50 times the tick rate: every way into and out of the kernel
    # is crossed by interrupts far more often, so one taken where the kernel
    # is not ready for it shows (it once clobbered the root thread's TCB on
    # its very first entry; now such an interrupt panics).
    program_case('prog-sequence-fast-timer', SEQUENCE_RUN, sequence_steps(), options='timer.hz=5000',
                 kernel_steps=[Expect(r'^\[info\] timer: PIT at 5000 Hz, ticking$')]),

    # A bad timer.hz is reported and the default rate used; programs still run.
    program_case('timer-hz-invalid', '/bin/hello', [exited('hello')], options='timer.hz=fast', kernel_steps=[
        Expect(r'^\[warn\] timer: timer\.hz=fast is not a whole number in \[19, 10000\]: using 100 Hz$'),
        Expect(r'^\[info\] timer: PIT at 100 Hz, ticking$'),
    ]),
]

CASES += PROGRAM_CASES
