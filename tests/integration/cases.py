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


# -- cases ------------------------------------------------------------------
def default_modules(ctx):
    return [(ctx.init_elf, 'init')]


@dataclass
class Case:
    name: str
    steps: list
    exit_code: Optional[int] = 33
    # None: boot the ISO meson built (BUILD/faultline.iso). Otherwise a variant
    # ISO is made with boot/mkiso.py from the same kernel with this command line.
    cmdline: Optional[str] = None
    # ctx -> [(path, module name)]; None means the default [init.elf as "init"].
    modules: Optional[Callable] = None
    forbid: List[str] = field(default_factory=list)
    exit_timeout: float = DEFAULT_TIMEOUT
    skip: Optional[str] = None

    @property
    def uses_default_iso(self):
        return self.cmdline is None and self.modules is None


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

    Case(
        'root-missing',
        cmdline='init=nothere',
        steps=[
            booting(),
            cmdline_is('init=nothere'),
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

    Case(
        'root-exit-status',
        steps=[],
        skip='needs a second user program that exits non-zero (exit code 37)'),
]
