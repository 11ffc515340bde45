"""Integration cases for the console server and the shell (issue 5).

Each case boots init with the file server, the pager, the console server and
the initrd (`shell_modules`), with `init.run=/bin/shell`, waits for the
prompt and types commands on the serial console the way a person would,
then checks what comes back. Every case ends with `poweroff` (QEMU exit 33)
or `reboot` (QEMU exits 0 with -no-reboot).

The runner needs on its Context: console_elf, pager_elf, fs_elf, initrd
(an initrd holding /bin/shell and the user/programs programs).

Steps here add three kinds to those of cases.py: Keys (bytes typed with no
Enter), a dictionary of values per case that Expect checks fill from a match
(`remember`) and SendLine templates can use (`Type`), and Poll (press Enter
until a pattern shows up: background jobs are reported at the next prompt).
"""

import re
import time

from cases import Case, CaseFailure, Expect, Block, SendLine, HEX, PANIC_ANY, BANNER, booting

SHELL_TIMEOUT = 60.0
PROMPT = r'faultline\$ '
ADDR16 = r'[0-9a-f]{16}'


def shell_modules(ctx):
    """init as the root task, the file server, the pager, the console server and the initrd."""
    return [(ctx.init_elf, 'init'), (ctx.fs_elf, 'fs'), (ctx.pager_elf, 'pager'),
            (ctx.console_elf, 'console'), (ctx.initrd, 'initrd')]


# -- steps ------------------------------------------------------------------
class Keys:
    """Type raw bytes (no Enter): control keys, escape sequences."""

    def __init__(self, data):
        self.data = data

    def describe(self):
        return f'type {self.data!r}'

    def run(self, con, ctx):
        con.send(self.data)


class Type:
    """Type a line made from a template and the case's remembered values."""

    def __init__(self, template, values):
        self.template = template
        self.values = values

    def describe(self):
        return f'send {self.template!r}'

    def run(self, con, ctx):
        con.send_line(self.template.format(**self.values))


class Poll:
    """Press Enter every `interval` seconds (one prompt each) until `pattern`
    has appeared since the step began, for at most `timeout` seconds. Leaves
    the position after the last prompt seen, so the next step may type at once."""

    def __init__(self, pattern, timeout=SHELL_TIMEOUT, interval=0.5):
        self.pattern = pattern
        self.timeout = timeout
        self.interval = interval

    def describe(self):
        return f'/{self.pattern}/ (pressing Enter for up to {self.timeout:g}s)'

    def run(self, con, ctx):
        rx = re.compile(self.pattern, re.M)
        start = con.pos
        deadline = time.monotonic() + self.timeout
        while True:
            m = rx.search(con.text, start)
            if m:
                con.pos = max(con.pos, m.end())
                return m
            if time.monotonic() > deadline:
                raise CaseFailure(f'/{self.pattern}/ did not appear within {self.timeout:g}s of prompts')
            time.sleep(self.interval)
            con.send_line('')
            con.expect(PROMPT, SHELL_TIMEOUT)


def remember(values, **groups):
    """An Expect check that stores match groups: remember(v, pid=1) -> v['pid'] = group 1."""
    def check(m, ctx):
        for name, group in groups.items():
            values[name] = m.group(group)
        return None
    return check


def prompt(timeout=SHELL_TIMEOUT):
    return Expect(PROMPT, timeout)


def command(text, *expects, timeout=SHELL_TIMEOUT):
    """Type `text` + Enter, see it echoed, then the expectations, then the next prompt."""
    return ([SendLine(text), Expect(re.escape(text) + r'\n', timeout)]
            + [e if not isinstance(e, str) else Expect(e, timeout) for e in expects]
            + [prompt(timeout)])


def booted():
    return [booting(), Expect(BANNER), Expect(r'^init: file server, console and pager started'),
            Expect(r'^init: running /bin/shell'), Expect(r'^faultline shell: `help` lists the commands'),
            prompt()]


def powered_off():
    return [SendLine('poweroff'), Expect(r'^init: powering off', SHELL_TIMEOUT)]


def shell_case(name, steps, exit_code=33, forbid=(), **kwargs):
    return Case(name,
                cmdline='init.run=/bin/shell',
                modules=shell_modules,
                steps=booted() + steps,
                exit_code=exit_code,
                forbid=[PANIC_ANY, r'^[a-z_]+: (?:child \d+: )?FAIL\b', r'^init: all programs finished',
                        r'^console: cannot'] + list(forbid),
                **kwargs)


# -- cases --------------------------------------------------------------------
HELP_LINES = [r'^  help ', r'^  ls \[DIR\] ', r'^  cat FILE ', r'^  echo ', r'^  ps ', r'^  kill PID ',
              r'^  vm PID ', r'^  stats ', r'^  why PID ADDR ', r'^  trace \[PID\] \[on\|off\] ',
              r'^  pager policy \[NAME\] ', r'^  poweroff ', r'^  reboot ', r'^  NAME \[ARG\.\.\.\] \[&\] ']


def _case_builtins():
    return shell_case('shell-builtins',
        [SendLine('help'), Block(PROMPT, contains=HELP_LINES)]
        + command('echo hi', r'^hi$')
        + command('''echo "two  spaces" 'single "quoted"' back\\ slash''',
                  r'^two  spaces single "quoted" back slash$')
        + [SendLine('ls /bin'), Block(PROMPT, contains=[r'^ +\d+  hello$', r'^ +\d+  shell$', r'^ +\d+  guard_hit$'])]
        + [SendLine('ls /'), Block(PROMPT, contains=[r'^ +-  bin/$', r'^ +-  etc/$'])]
        + command('cat /etc/motd', r'^Welcome to faultline')
        + command('ps', r'^ +PID +KIND +NAME$', r'^ +- +server +fs$', r'^ +\d+ +program +shell$')
        + command('stats', r'^faults +(\d+)$', r'^kills +guard \d+', r'^pager memory +\d+ KiB used',
                  r'^kernel memory +\d+ KiB free')
        # Every mistake: one line, then the prompt.
        + command('nosuchprogram', r'^nosuchprogram: command not found$')
        + command('cat /nope', r'^cat: /nope: not found$')
        + command('cat /bin', r'^cat: /bin: is a directory$')
        + command('ls /nope', r'^ls: /nope: not found$')
        + command('cat', r'^usage: cat FILE$')
        + command('kill abc', r"^kill: bad pid 'abc'$")
        + command('kill 999', r'^kill: no such process 999$')
        + command('vm 999', r'^vm: no such process 999$')
        + command('why 999 0x1000', r'^why: no such process 999$')
        + command('why 1 nothex', r"^why: bad address 'nothex'")
        + command('pager', r'^usage: pager policy \[NAME\]$')
        + command('echo "open', r'^shell: unterminated " quote$')
        + command('echo a & b', r"^shell: '&' must end the line$")
        + command('echo hi &', r'^echo: a builtin cannot run in the background$')
        + powered_off())


def _case_programs():
    return shell_case('shell-programs',
        command('hello a b',
                r'^hello: argc = 3$', r'^hello: argv\[0\] = /bin/hello$', r'^hello: argv\[1\] = a$',
                r'^hello: argv\[2\] = b$')
        + command('exit_status 7', r'^exit_status: exiting with status 7$', r'^\[pid \d+\] exited with status 7$')
        + command('guard_hit', r'^guard_hit: recursing until the stack overflows$',
                  rf'^killed: guard page hit at {HEX} \(stack overflow, \d+ KiB below the stack\)$')
        + command('wild_pointer', rf'^killed: invalid address at {HEX}$')
        + command('not_an_elf', r'^not_an_elf: cannot run: not a valid ELF program$')
        # The shell is still fine, and so is the system.
        + command('/bin/hello', r'^hello: argv\[0\] = /bin/hello$')
        + command('stats', r'^kills +guard [1-9]\d* protection \d+ invalid-address [1-9]')
        + powered_off())


def _case_line_editing():
    return shell_case('shell-line-editing',
        # Backspace (DEL and ^H), then Enter.
        [Keys('echo abc\x7f\x08xy\r'), Expect(r'^axy$'), prompt()]
        # Ctrl-U erases the line, Ctrl-W a word.
        + [Keys('garbage words\x15echo clean\r'), Expect(r'^clean$'), prompt()]
        + [Keys('echo one two\x17three\r'), Expect(r'^one three$'), prompt()]
        # Up recalls the last line, Up Up the one before; Down comes back.
        + [Keys('\x1b[A\r'), Expect(r'^one three$'), prompt()]
        + [Keys('\x1b[A\x1b[A\x1b[A\x1b[B\r'), Expect(r'^clean$'), prompt()]
        # Ctrl-C on a half-typed line: ^C and a fresh prompt, nothing runs.
        + [Keys('echo never\x03'), Expect(r'\^C\n'), prompt()]
        + command('echo after', r'^after$')
        + powered_off(),
        forbid=[r'^never$'])


def _case_inspect():
    v = {}
    return shell_case('shell-vm-why',
        # The shell itself is a running program: its pid from ps.
        [SendLine('ps'), Expect(r'^ +(\d+) +program +shell$', check=remember(v, pid=1)), prompt()]
        + [Type('vm {pid}', v),
           Expect(rf'^{ADDR16}-{ADDR16} text +r-x file \d+ +resident +[1-9]\d* dirty +0$'),
           Expect(rf'^({ADDR16})-{ADDR16} guard +--- anon +resident +0 dirty +0$', check=remember(v, guard=1)),
           Expect(rf'^{ADDR16}-{ADDR16} stack +rw- anon +resident +[1-9]'),
           Expect(r'^pid \d+: \d+ regions, \d+ pages, [1-9]\d* resident'),
           prompt()]
        + [Type('why {pid} {guard}', v),
           Expect(r'^0x[0-9a-f]+: region \d+ of pid \d+: [0-9a-f]+-[0-9a-f]+ guard ---$'),
           Expect(r'^  read +guard-hit +kill: '), Expect(r'^  write +guard-hit +kill: '),
           Expect(r'^  execute +guard-hit +kill: '), prompt()]
        + [Type('why {pid} 0x400000', v),
           Expect(r'^0x400000: region \d+ of pid \d+: 0000000000400000-[0-9a-f]+ text r-x$'),
           Expect(r'^  write +protection-violation +kill: '), prompt()]
        + [Type('why {pid} 0x50000000', v), Expect(r'^0x50000000: in no region of pid \d+$'),
           Expect(r'^  read +invalid-address +kill: '), prompt()]
        + powered_off())


def _case_pager():
    return shell_case('shell-pager',
        command('pager policy', r'^policies: lazy eager around=N$', r'^current: +lazy$')
        + command('pager policy eager', r'^pager policy: eager \(was lazy\)$')
        + command('pager policy nonsense', r"^pager: no such policy 'nonsense'")
        + command('pager policy', r'^current: +eager$')
        + command('hello', r'^hello: argc = 1$')
        + command('pager policy around=4', r'^pager policy: around=4 \(was eager\)$')
        + command('trace on', r'^trace: on for every process$')
        + [SendLine('hello'), Block(PROMPT, contains=[r'^hello: argc = 1$', r'^trace: .*pid \d+'])]
        + command('trace off', r'^trace: off for every process$')
        + command('trace 999 on', r'^trace: no such process 999$')
        + command('trace on off', r'^usage: trace \[PID\] \[on\|off\]$')
        + powered_off())


def _case_jobs():
    return shell_case('shell-jobs',
        [SendLine('hello bg &'), Expect(r'^\[pid \d+\] started$'),
         Poll(r'^\[pid \d+\] hello: exited with status 0$')]
        + [SendLine('exit_status 3 &'), Expect(r'^\[pid \d+\] started$'),
           Poll(r'^\[pid \d+\] exit_status: exited with status 3$')]
        + [SendLine('guard_hit &'), Expect(r'^\[pid \d+\] started$'),
           Poll(rf'^\[pid \d+\] guard_hit: killed: guard page hit at {HEX} \(stack overflow')]
        + command('jobs')
        + powered_off())


def _case_spin():
    v = {}
    return shell_case('shell-ctrl-c-and-kill',
        # Ctrl-C kills the foreground program; the shell says why.
        [SendLine('spin'), Expect(r'^spin: running until killed$'), Keys('\x03'), Expect(r'\^C\n'),
         Expect(r'^killed on request$'), prompt()]
        # A background job: ps, vm and why see it while it runs; kill ends it.
        + [SendLine('spin &'), Expect(r'^\[pid (\d+)\] started$', check=remember(v, pid=1)), prompt()]
        + [SendLine('ps'), Expect(r'^ +\d+ +job +spin$'), prompt()]
        # Every region type of a running process, in address order.
        + [Type('vm {pid}', v),
           Expect(rf'^{ADDR16}-{ADDR16} text +r-x file \d+ +resident +[1-9]'),
           Expect(rf'^{ADDR16}-{ADDR16} data +rw- file \d+ +resident +[1-9]'),
           Expect(rf'^{ADDR16}-{ADDR16} bss +rw- anon +resident +[1-9]'),
           Expect(rf'^{ADDR16}-{ADDR16} heap +rw- anon +resident +[1-9]'),
           Expect(rf'^({ADDR16})-{ADDR16} guard +--- anon', check=remember(v, guard=1)),
           Expect(rf'^{ADDR16}-{ADDR16} stack +rw- anon +resident +[1-9]'),
           Expect(r'^pid \d+: \d+ regions'), prompt()]
        + [Type('why {pid} {guard}', v), Expect(r'^  read +guard-hit'), prompt()]
        + [Type('trace {pid} on', v), Expect(r'^trace: on for pid \d+$'), prompt()]
        + [Type('trace {pid} off', v), Expect(r'^trace: off for pid \d+$'), prompt()]
        + [Type('kill {pid}', v), Expect(r'^\[pid \d+\] spin: killed on request$'), prompt()]
        + command('jobs')
        + powered_off())


def _case_reboot():
    return shell_case('shell-reboot', [SendLine('reboot'), Expect(r'^init: rebooting')], exit_code=0)


class TraceChain:
    """Runs a program with tracing on and requires one fault whose id
    appears on every hop, in order: kernel->pager, pager->fs, fs->pager,
    pager->kernel (a cold text page, read from the file server)."""

    HOPS = ('kernel->pager', 'pager->fs', 'fs->pager', 'pager->kernel MAP')

    def describe(self):
        return 'one fault id on all four hops of a cold text fault'

    def run(self, con, ctx):
        start = con.pos
        con.expect(PROMPT, SHELL_TIMEOUT)
        text = con.text[start:con.pos]
        chains = {}
        for m in re.finditer(r'^trace: #(\d+) (\S+(?: MAP)?)', text, re.M):
            chains.setdefault(m.group(1), []).append(m.group(2))
        complete = [fid for fid, hops in chains.items() if tuple(h for h in hops if h in self.HOPS) == self.HOPS]
        if not complete:
            raise CaseFailure(f'no fault id with all of {self.HOPS} in order; saw {chains}')
        # Every line of the chosen fault carries its id and an instruction count.
        fid = complete[0]
        lines = [l for l in text.splitlines() if l.startswith(f'trace: #{fid} ')]
        if not all(re.search(r'\(\+\d+ tsc', l) for l in lines if '->pager' in l or 'MAP' in l):
            raise CaseFailure(f'fault #{fid} has hops without an instruction count: {lines}')


class FaultsDelta:
    """Reads the pager's fault counter from `stats` and keeps it under `key`;
    with `compare`, also checks how the new delta relates to an earlier one."""

    def __init__(self, key):
        self.key = key

    def describe(self):
        return f'read the fault count ({self.key})'

    def run(self, con, ctx):
        con.send_line('stats')
        m = con.expect(r'^faults +(\d+)$', SHELL_TIMEOUT)
        con.expect(PROMPT, SHELL_TIMEOUT)
        if not hasattr(ctx, 'fault_counts'):
            ctx.fault_counts = {}
        ctx.fault_counts[self.key] = int(m.group(1))


class CheckFewerFaults:
    def describe(self):
        return 'eager took fewer faults than lazy for the same program'

    def run(self, con, ctx):
        c = ctx.fault_counts
        lazy = c['lazy after'] - c['lazy before']
        eager = c['eager after'] - c['eager before']
        if not (lazy >= 64 and eager * 4 < lazy):
            raise CaseFailure(f'anon_mmap took {lazy} faults under lazy and {eager} under eager; '
                              'expected at least 64 and eager under a quarter of lazy')


def _case_trace_chain():
    return shell_case('shell-trace-chain', command('trace on', r'^trace: on for every process$')
                      + [SendLine('text_fault'), TraceChain()]
                      + command('trace off', r'^trace: off for every process$')
                      + powered_off())


def _case_trace_map_new():
    # The first program's anonymous pages find no recycled frame, so the
    # pager answers MapNew: the kernel makes each frame as it maps it, and
    # the trace says so. anon_mmap checks that every such page reads zero.
    return shell_case('shell-trace-map-new', command('trace on', r'^trace: on for every process$')
                      + [SendLine('anon_mmap'),
                         Expect(r'^trace: #\d+ pager->kernel MAP 0x[0-9a-f]+ r[w-]- new \(\+\d+ tsc in the pager\)$'),
                         Expect(r'^anon_mmap: ok$'), prompt()]
                      + command('trace off', r'^trace: off for every process$')
                      + powered_off())


def _case_policy_fault_counts():
    # anon_mmap touches 64 pages of one anonymous mapping: one fault each
    # under lazy, one for the whole mapping under eager.
    run = command('anon_mmap', r'^anon_mmap: ok')
    return shell_case('shell-lazy-vs-eager',
                      [FaultsDelta('lazy before')] + run + [FaultsDelta('lazy after')]
                      + command('pager policy eager', r'^pager policy: eager \(was lazy\)$')
                      + [FaultsDelta('eager before')] + run + [FaultsDelta('eager after'), CheckFewerFaults()]
                      + powered_off())


CASES = [
    _case_trace_chain(),
    _case_trace_map_new(),
    _case_policy_fault_counts(),
    _case_builtins(),
    _case_programs(),
    _case_line_editing(),
    _case_inspect(),
    _case_pager(),
    _case_jobs(),
    _case_spin(),
    _case_reboot(),
]
