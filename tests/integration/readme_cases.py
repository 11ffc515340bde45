#!/usr/bin/env python3
"""The README's session transcript, replayed against the real system.

README.md has a heading `## A session` followed by a ```console block: a
shell session, one `faultline$ COMMAND` line per command, each followed by
the lines the system printed for it. The case `readme-session` boots the
image `make run` boots (BUILD/faultline.iso, GRUB's default entry), waits for
the shell's first prompt (whatever is printed before it, boot log and the
shell's greeting, is not part of the transcript), types every command of the
block in order, and requires that the lines printed after each command's
echo, up to the next prompt, are exactly the README's lines for it, after
masking (below). The block must end with `poweroff`; its lines are those
printed until QEMU exits, and QEMU must exit with 33 (clean power-off).
The README is read when the case runs, never copied.

Masking: the numbers that differ from run to run, and only those, are
replaced on both sides before comparing (see MASKS):
    #N                      fault id of a trace line
    pid N                   process id (also `[pid N]`)
    file N                  the file server's id of a file
    0xHEX                   an address
    16 hex digits           an address (the ranges `vm` prints)
    +N tsc                  time-stamp-counter ticks of a trace hop
    after N timer ticks     the kernel's uptime at power-off
    N Call, N ReplyRecv     IPC fast path counts at power-off: how many IPCs
                            the console takes depends on how the host hands
                            it the typed characters, so they vary per run
Trailing blanks of a line are ignored (a README cannot show them). Ids and
pids must correspond one to one: the same README value stands for the same
value of the run every time (a trace's four hops share one fault id). A
command word that is a pid the README showed earlier (`vm 3`, `kill 3`) is
typed with the pid of this run.

Background jobs: a program started with `&` runs alongside the shell, so the
lines it prints when it starts may come before or after the prompt that
follows its command. After a `&` command the test waits until the console has
been quiet for QUIET_SECONDS and counts what came after the prompt as that
command's output (the prompt itself removed). Lines of a job printed at any
later time would be racy: the transcript must not show such a job.

On a mismatch the case fails with a unified diff of the masked expected and
received lines of that command.

Also a tool to check and refresh the transcript by hand:
    readme_cases.py --build-dir BUILD            replay, print the fresh block
    readme_cases.py --build-dir BUILD --update   replay, rewrite README.md's block
    readme_cases.py --self-test                  host checks of parser, masks, replay
"""

import argparse
import difflib
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from cases import Case, CaseFailure, PANIC_ANY  # noqa: E402
from console import Console, ExpectError  # noqa: E402

README = os.path.join(REPO, 'README.md')

PROMPT = 'faultline$ '
PROMPT_RE = r'^faultline\$ '
HEADING = '## A session'
FENCE_OPEN = '```console'
FENCE_CLOSE = '```'
LAST_COMMAND = 'poweroff'
POWEROFF_EXIT = 33
BOOT_TIMEOUT = 120.0        # BIOS, GRUB's 2 s menu, kernel, servers, shell under TCG
COMMAND_TIMEOUT = 60.0
QUIET_SECONDS = 1.0         # after a `&` command: no output for this long
QUIET_LIMIT = 15.0          # ... within at most this long

# (kind, regex, placeholder). Each regex's group 1 is the number replaced.
# Ids and pids (kinds in BOUND_KINDS) are also checked for a one-to-one
# correspondence between README and run.
MASKS = [
    ('fault id', re.compile(r'#(\d+)\b'), '#<id>'),
    ('pid', re.compile(r'\bpid (\d+)\b'), 'pid <pid>'),
    ('file id', re.compile(r'\bfile (\d+)\b'), 'file <id>'),
    ('address', re.compile(r'\b(0x[0-9a-f]+)\b'), '<addr>'),
    ('address', re.compile(r'\b([0-9a-f]{16})\b'), '<addr16>'),
    ('tsc', re.compile(r'\+(\d+) tsc\b'), '+<n> tsc'),
    ('timer ticks', re.compile(r'\bafter (\d+) timer ticks\b'), 'after <n> timer ticks'),
    ('IPC count', re.compile(r'\bIPC fast path taken: (\d+) Call, (\d+) ReplyRecv\b'),
     'IPC fast path taken: <n> Call, <n> ReplyRecv'),
]
BOUND_KINDS = ('fault id', 'pid', 'file id')


class TranscriptError(Exception):
    """The README has no usable transcript block."""


class Mismatch(Exception):
    """The system printed something other than the README shows."""


class Command:
    def __init__(self, text, lines, line_no):
        self.text = text          # as typed, without the prompt
        self.lines = lines        # what the README shows it printing
        self.line_no = line_no    # 1-based line of README.md


# -- the README ---------------------------------------------------------------
def find_block(readme_text):
    """(index of the first line inside the block, index of its closing fence)
    in readme_text.split('\\n'): the first ```console block after HEADING."""
    lines = readme_text.split('\n')
    headings = [i for i, l in enumerate(lines) if l.rstrip() == HEADING]
    if not headings:
        raise TranscriptError(f'README.md has no heading {HEADING!r} (the transcript goes under it)')
    if len(headings) > 1:
        raise TranscriptError(f'README.md has {len(headings)} headings {HEADING!r}; expected one')
    start = None
    for i in range(headings[0] + 1, len(lines)):
        if lines[i].startswith('#'):
            break
        if lines[i].startswith('```'):
            if lines[i].rstrip() != FENCE_OPEN:
                raise TranscriptError(f'README.md line {i + 1}: the first code block under {HEADING!r} '
                                      f'opens with {lines[i].rstrip()!r}, expected {FENCE_OPEN!r}')
            start = i + 1
            break
    if start is None:
        raise TranscriptError(f'README.md: no {FENCE_OPEN} block under {HEADING!r} '
                              f'(line {headings[0] + 1}) before the next heading')
    for j in range(start, len(lines)):
        if lines[j].startswith('```'):
            if lines[j].rstrip() != FENCE_CLOSE:
                raise TranscriptError(f'README.md line {j + 1}: a fence {lines[j]!r} inside the transcript')
            return start, j
    raise TranscriptError(f'README.md line {start}: the {FENCE_OPEN} block is never closed')


def parse_transcript(readme_text):
    """The commands of the README's transcript, each with its lines."""
    start, end = find_block(readme_text)
    lines = readme_text.split('\n')
    commands = []
    for i in range(start, end):
        line = lines[i].rstrip()
        if line.startswith(PROMPT) or line == PROMPT.rstrip():
            text = line[len(PROMPT):]
            if not text.strip():
                raise TranscriptError(f'README.md line {i + 1}: a prompt with no command')
            commands.append(Command(text, [], i + 1))
        elif not commands:
            raise TranscriptError(f'README.md line {i + 1}: the transcript must start with a '
                                  f'{PROMPT!r} command line, got {line!r}')
        else:
            commands[-1].lines.append(line)
    if not commands:
        raise TranscriptError(f'README.md line {start}: the transcript has no {PROMPT!r} command')
    if commands[-1].text != LAST_COMMAND:
        raise TranscriptError(f'README.md line {commands[-1].line_no}: the transcript must end with '
                              f'{LAST_COMMAND!r} (the test needs the session to end), '
                              f'ends with {commands[-1].text!r}')
    return commands


def replace_block(readme_text, block_lines):
    """readme_text with the transcript block's content replaced."""
    start, end = find_block(readme_text)
    lines = readme_text.split('\n')
    return '\n'.join(lines[:start] + block_lines + lines[end:])


# -- masking ------------------------------------------------------------------
def mask(line):
    """(masked line, [(kind, value), ...] in order of appearance)."""
    line = line.rstrip()
    values = []
    for kind, rx, placeholder in MASKS:
        def sub(m):
            values.extend((kind, v) for v in m.groups())
            return placeholder
        line = rx.sub(sub, line)
    # Values are listed mask by mask, each in order of appearance: two lines
    # that are equal after masking list the same kinds in the same order.
    return line, values


class Bindings:
    """The README's ids and pids and this run's, one to one per kind."""

    def __init__(self):
        self.forward = {}   # (kind, README value) -> run value
        self.backward = {}  # (kind, run value) -> README value

    def bind(self, kind, readme_value, run_value):
        """Record readme_value <-> run_value; an error message if it contradicts an earlier pair."""
        if kind not in BOUND_KINDS:
            return None
        have = self.forward.get((kind, readme_value))
        back = self.backward.get((kind, run_value))
        if have is not None and have != run_value:
            return f'the README\'s {kind} {readme_value} was {have} in this run, now {run_value}'
        if back is not None and back != readme_value:
            return f'this run\'s {kind} {run_value} stands for both {back} and {readme_value} in the README'
        if have is None and back is None:
            self.forward[(kind, readme_value)] = run_value
            self.backward[(kind, run_value)] = readme_value
        return None

    def command_for_run(self, text):
        """The command with each word that is a README pid replaced by this run's pid."""
        return ' '.join(self.forward.get(('pid', w), w) if w.isdigit() else w for w in text.split(' '))


def compare(command, typed, got_lines, bindings):
    """Raise Mismatch unless got_lines are the README's lines after masking
    and their ids and pids correspond one to one with the README's."""
    want = [mask(l) for l in command.lines]
    got = [mask(l) for l in got_lines]
    if [w for w, _ in want] != [g for g, _ in got]:
        diff = difflib.unified_diff([w for w, _ in want], [g for g, _ in got],
                                    f'README.md (line {command.line_no})', 'this run', lineterm='', n=2)
        raise Mismatch(f'`{typed}` printed other lines than README.md line {command.line_no} shows '
                       '(numbers masked as <...>):\n' + '\n'.join(diff))
    for (_, want_values), (_, got_values), line in zip(want, got, got_lines):
        for (kind, wv), (_, gv) in zip(want_values, got_values):
            err = bindings.bind(kind, wv, gv)
            if err:
                raise Mismatch(f'`{typed}` (README.md line {command.line_no}): {err}: {line!r}')


def learn(command, got_lines, bindings):
    """Refreshing: bind the pids of the README's lines to this run's in order."""
    want = [v for l in command.lines for v in mask(l)[1] if v[0] == 'pid']
    got = [v for l in got_lines for v in mask(l)[1] if v[0] == 'pid']
    for (kind, wv), (_, gv) in zip(want, got):
        bindings.bind(kind, wv, gv)  # a contradiction shows in the fresh block


# -- the session ----------------------------------------------------------------
def wait_quiet(con, quiet=QUIET_SECONDS, limit=QUIET_LIMIT):
    """Read until nothing has arrived for `quiet` seconds (at most `limit`)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = len(con.text)
        if con.wait_exit(quiet) is not None or len(con.text) == before:
            return


def output_lines(text):
    lines = text.split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    return lines


def run_command(con, typed, last):
    """Type `typed`, return the lines it printed (see the module comment)."""
    after_prompt = con.pos
    con.send_line(typed)
    echo = con.expect(re.escape(typed) + r'\n', COMMAND_TIMEOUT)
    if echo.start() != after_prompt:
        raise Mismatch(f'`{typed}`: the shell printed '
                       f'{con.text[after_prompt:echo.start()]!r} before the echo of the command')
    start = con.pos
    if last:
        rc = con.wait_exit(COMMAND_TIMEOUT)
        if rc != POWEROFF_EXIT:
            raise Mismatch(f'`{typed}`: expected QEMU to exit with {POWEROFF_EXIT} within '
                           f'{COMMAND_TIMEOUT:g}s, got {rc}')
        text = con.text[start:]
        con.pos = len(con.text)
        return output_lines(text)
    m = con.expect(PROMPT_RE, COMMAND_TIMEOUT)
    lines = output_lines(con.text[start:m.start()])
    if typed.rstrip().endswith('&'):
        wait_quiet(con)
        lines += output_lines(con.text[con.pos:])
        con.pos = len(con.text)
    return lines


def replay(con, commands, strict=True):
    """Wait for the first prompt, then run every command. strict: compare
    with the README (raise Mismatch); otherwise return the fresh block."""
    con.expect(PROMPT_RE, BOOT_TIMEOUT)
    bindings = Bindings()
    block = []
    for i, command in enumerate(commands):
        typed = bindings.command_for_run(command.text)
        got = run_command(con, typed, last=i == len(commands) - 1)
        if strict:
            compare(command, typed, got, bindings)
        else:
            learn(command, got, bindings)
        block += [PROMPT + typed] + [l.rstrip() for l in got]
    return block


class ReadmeSession:
    """The case's one step: parse README.md now, replay, compare."""

    def __init__(self, readme_path=README):
        self.readme_path = readme_path

    def describe(self):
        return f'replay the session of {self.readme_path}'

    def run(self, con, ctx):
        try:
            with open(self.readme_path) as f:
                commands = parse_transcript(f.read())
            replay(con, commands)
        except (TranscriptError, Mismatch, OSError) as e:
            raise CaseFailure(str(e)) from None


# No cmdline and no modules: the runner boots BUILD/faultline.iso as it is.
def make_run_serial(ctx):
    """COM2 to a file, as `make run` attaches it (boot/qemu.sh): the session
    then runs with the pager's host trace channel, as a user's does."""
    os.makedirs(ctx.log_dir, exist_ok=True)
    return ['-serial', 'file:' + os.path.join(ctx.log_dir, 'readme-session.trace.jsonl')]


CASES = [Case('readme-session', steps=[ReadmeSession()], exit_code=POWEROFF_EXIT,
              forbid=[PANIC_ANY], exit_timeout=10.0, qemu_args=make_run_serial)]


# -- host checks (--self-test) ----------------------------------------------------
class FakeConsole:
    """Console's interface over a script: send_line(cmd) appends
    script[cmd] (the echo, the output, the next prompt) to the text."""

    def __init__(self, boot, script, exit_code=POWEROFF_EXIT):
        self.text = boot
        self.pos = 0
        self.script = script
        self.exit_code = exit_code
        self.exited = False
        self.typed = []
        self.before_echo = {}   # command -> text the guest prints before its echo

    def send_line(self, text):
        self.typed.append(text)
        self.text += self.before_echo.get(text, '') + text + '\n' + self.script[text]
        if text == LAST_COMMAND:
            self.exited = True

    def expect(self, pattern, timeout):
        m = re.compile(pattern, re.M).search(self.text, self.pos)
        if not m:
            raise ExpectError(pattern, timeout, 'not in the script')
        self.pos = m.end()
        return m

    def wait_exit(self, timeout):
        return self.exit_code if self.exited else None


SAMPLE_README = '''# x

Text.

## A session

Some words.

```console
faultline$ spin &
[pid 3] started
spin: running until killed
faultline$ trace on
trace: on for every process
faultline$ hello
trace: #11 kernel->pager pid 2 exec 0x400000 ip 0x400000 (+46208 tsc in the kernel)
trace: #11 pager->fs fill file 10 page 1
hello: argc = 1
faultline$ vm 3
00007ffffe7f0000-00007ffffe800000 guard     --- anon     resident     0 dirty     0
pid 3: 7 regions, 2072 pages, 6 resident (24 KiB), 4 dirty private
faultline$ kill 3
[pid 3] spin: killed on request
faultline$ poweroff
init: powering off
[info] kernel: root task exited with status 0 after 45 timer ticks
[info] kernel: IPC fast path taken: 201 Call, 116 ReplyRecv, 144 fault, 11 fault Map
```

## Next
'''


def _sample_script(pid=3, spin_line_after_prompt=False, hello_pid=2, fault_ids=(11, 11), extra=None):
    spin = 'spin: running until killed\n'
    script = {
        'spin &': f'[pid {pid}] started\n' + ('faultline$ ' + spin if spin_line_after_prompt
                                               else spin + 'faultline$ '),
        'trace on': 'trace: on for every process\nfaultline$ ',
        'hello': (f'trace: #{fault_ids[0]} kernel->pager pid {hello_pid} exec 0x400000 ip 0x400000 '
                  '(+123 tsc in the kernel)\n'
                  f'trace: #{fault_ids[1]} pager->fs fill file 12 page 1\nhello: argc = 1\nfaultline$ '),
        f'vm {pid}': ('00007ffffe7f0000-00007ffffe800000 guard     --- anon     resident     0 dirty     0   \n'
                      f'pid {pid}: 7 regions, 2072 pages, 6 resident (24 KiB), 4 dirty private\nfaultline$ '),
        f'kill {pid}': f'[pid {pid}] spin: killed on request\nfaultline$ ',
        'poweroff': ('init: powering off\n[info] kernel: root task exited with status 0 after 7 timer ticks\n'
                     '[info] kernel: IPC fast path taken: 9 Call, 8 ReplyRecv, 144 fault, 11 fault Map\n'),
    }
    if extra:
        script.update(extra)
    return script


def _replay_sample(readme=SAMPLE_README, **kwargs):
    con = FakeConsole('[info] kernel: booting\nfaultline shell: a hint\nfaultline$ ', _sample_script(**kwargs))
    return con, replay(con, parse_transcript(readme))


def self_test():
    checks = []

    def check(name):
        def wrap(fn):
            checks.append((name, fn))
            return fn
        return wrap

    def fails(exc, fn, *args, contains='', **kwargs):
        try:
            fn(*args, **kwargs)
        except exc as e:
            assert contains in str(e), f'{exc.__name__} {str(e)!r} does not say {contains!r}'
            return str(e)
        raise AssertionError(f'no {exc.__name__} raised')

    @check('parse: commands, their lines, README line numbers')
    def _():
        cmds = parse_transcript(SAMPLE_README)
        assert [c.text for c in cmds] == ['spin &', 'trace on', 'hello', 'vm 3', 'kill 3', 'poweroff']
        assert cmds[0].lines == ['[pid 3] started', 'spin: running until killed']
        assert cmds[0].line_no == 10 and cmds[-1].line_no == 24
        assert len(cmds[-1].lines) == 3

    @check('parse: no heading, no block, wrong fence, unclosed, empty, no command, text first')
    def _():
        fails(TranscriptError, parse_transcript, SAMPLE_README.replace('## A session', '## Session'),
              contains='no heading')
        fails(TranscriptError, parse_transcript, SAMPLE_README + '\n## A session\n', contains='2 headings')
        head = SAMPLE_README.split('```console')[0]
        fails(TranscriptError, parse_transcript, head + '## Next\n```console\nfaultline$ poweroff\n```\n',
              contains='no ```console block')
        fails(TranscriptError, parse_transcript, SAMPLE_README.replace('```console', '```'),
              contains="opens with '```'")
        fails(TranscriptError, parse_transcript, head + '```console\nfaultline$ poweroff\n', contains='never closed')
        fails(TranscriptError, parse_transcript, head + '```console\n```\n', contains='no ')
        fails(TranscriptError, parse_transcript, head + '```console\nhello: argc = 1\n```\n',
              contains='must start with')
        fails(TranscriptError, parse_transcript, head + '```console\nfaultline$ \n```\n', contains='no command')
        fails(TranscriptError, parse_transcript, SAMPLE_README.replace('faultline$ poweroff\n', ''),
              contains="must end with 'poweroff'")
        fails(TranscriptError, parse_transcript, head + '```console\nfaultline$ poweroff\n```sh\n```\n',
              contains='inside the transcript')

    @check('mask: every kind, and nothing else')
    def _():
        line, values = mask('trace: #11 kernel->pager pid 2 exec 0x400000 ip 0x40032d (+46208 tsc in the kernel)')
        assert line == 'trace: #<id> kernel->pager pid <pid> exec <addr> ip <addr> (+<n> tsc in the kernel)', line
        assert ('fault id', '11') in values and ('pid', '2') in values and ('tsc', '46208') in values
        assert mask('[pid 3] started')[0] == '[pid <pid>] started'
        assert mask('trace: #11 pager->fs fill file 10 page 1')[0] == 'trace: #<id> pager->fs fill file <id> page 1'
        assert (mask('00007ffffe7f0000-00007ffffe800000 guard     --- anon     resident     0 dirty     0  ')[0]
                == '<addr16>-<addr16> guard     --- anon     resident     0 dirty     0')
        assert (mask('0x7ffffe7f8000: region 5 of pid 3: 00007ffffe7f0000-00007ffffe800000 guard ---')[0]
                == '<addr>: region 5 of pid <pid>: <addr16>-<addr16> guard ---')
        assert (mask('[info] kernel: root task exited with status 0 after 45 timer ticks')[0]
                == '[info] kernel: root task exited with status 0 after <n> timer ticks')
        assert (mask('[info] kernel: IPC fast path taken: 201 Call, 116 ReplyRecv, 144 fault, 11 fault Map')[0]
                == '[info] kernel: IPC fast path taken: <n> Call, <n> ReplyRecv, 144 fault, 11 fault Map')
        assert (mask('pid 3: 7 regions, 2072 pages, 6 resident (24 KiB), 4 dirty private')[0]
                == 'pid <pid>: 7 regions, 2072 pages, 6 resident (24 KiB), 4 dirty private')
        for kept in ['hello: argc = 2', 'pager policy: around=16 (was lazy)', '[pid] exited with status 7',
                     'killed: guard page hit (stack overflow, 1 KiB below the stack)', 'deadbeef 0x', '#x',
                     '0123456789abcdef0', 'stack rw- anon resident 12 dirty 1', 'trace: off for pid',
                     'kill: no such process 999', 'current:  lazy']:
            assert mask(kept) == (kept, []), (kept, mask(kept))

    @check('replay: the sample passes; ids and pids of the run may differ; output before the first prompt ignored')
    def _():
        con, block = _replay_sample(pid=5, hello_pid=4, fault_ids=(20, 20))
        assert con.typed == ['spin &', 'trace on', 'hello', 'vm 5', 'kill 5', 'poweroff'], con.typed
        assert block[0] == 'faultline$ spin &' and 'faultline$ vm 5' in block
        assert block[-1].endswith('144 fault, 11 fault Map')

    @check('replay: a background job\'s line after the prompt counts for its command')
    def _():
        con, _ = _replay_sample(spin_line_after_prompt=True)
        assert con.typed[-1] == 'poweroff'

    @check('replay: a changed, missing or extra line fails with a diff')
    def _():
        changed = SAMPLE_README.replace('hello: argc = 1', 'hello: argc = 2')
        err = fails(Mismatch, _replay_sample, changed, contains='`hello` printed other lines')
        assert '-hello: argc = 2' in err and '+hello: argc = 1' in err, err
        fails(Mismatch, _replay_sample, SAMPLE_README.replace('[pid 3] started\n', ''), contains='`spin &`')
        fails(Mismatch, _replay_sample, SAMPLE_README.replace('init: powering off\n', 'init: powering off\nbye\n'),
              contains='`poweroff`')
        fails(Mismatch, _replay_sample, SAMPLE_README.replace('7 regions', '5 regions'), contains='`vm 3`')
        fails(Mismatch, _replay_sample, SAMPLE_README.replace('page 1', 'page 2'), contains='`hello`')

    @check('replay: ids and pids must correspond one to one')
    def _():
        fails(Mismatch, _replay_sample, fault_ids=(11, 12), contains="fault id 11 was 11 in this run, now 12")
        fails(Mismatch, _replay_sample, hello_pid=3, contains='stands for both')

    @check('replay: poweroff must end QEMU with 33; a missing prompt or echo fails')
    def _():
        con = FakeConsole('faultline$ ', _sample_script())
        con.before_echo['hello'] = 'noise\n'
        fails(Mismatch, replay, con, parse_transcript(SAMPLE_README), contains="printed 'noise\\n' before the echo")
        con = FakeConsole('faultline$ ', _sample_script(), exit_code=35)
        fails(Mismatch, replay, con, parse_transcript(SAMPLE_README), contains='exit with 33')
        script = _sample_script(extra={'trace on': 'trace: on for every process\n'})
        con = FakeConsole('faultline$ ', script)
        fails(ExpectError, replay, con, parse_transcript(SAMPLE_README))

    @check('refresh: the fresh block replaces the old one; pids follow the run')
    def _():
        con = FakeConsole('faultline$ ', _sample_script(pid=6))
        block = replay(con, parse_transcript(SAMPLE_README), strict=False)
        new = replace_block(SAMPLE_README, block)
        assert parse_transcript(new)[3].text == 'vm 6'
        assert new.split('```console')[0] == SAMPLE_README.split('```console')[0]
        assert new.endswith('```\n\n## Next\n')
        again = FakeConsole('faultline$ ', _sample_script(pid=6))
        replay(again, parse_transcript(new))

    @check('README.md: its transcript parses')
    def _():
        with open(README) as f:
            cmds = parse_transcript(f.read())
        assert len(cmds) >= 2

    passed = failed = 0
    for name, fn in checks:
        try:
            fn()
            print(f'PASS {name}')
            passed += 1
        except Exception as e:  # noqa: BLE001 - a failed check of any kind is reported, not raised
            print(f'FAIL {name}: {type(e).__name__}: {e}')
            failed += 1
    print(f'RESULT: {passed} passed, {failed} failed')
    return 1 if failed else 0


def refresh(build_dir, update):
    """Replay the README's commands on a fresh boot; print or write the result."""
    import runner
    ctx = runner.Context(os.path.abspath(build_dir))
    if ctx.missing_inputs():
        print(f'readme_cases: build output missing: {", ".join(ctx.missing_inputs())} (run: make build)',
              file=sys.stderr)
        return 1
    with open(README) as f:
        readme = f.read()
    commands = parse_transcript(readme)
    log = os.path.join(ctx.log_dir, 'readme-refresh.log')
    with Console(runner.qemu_argv(ctx.default_iso, CASES[0], ctx), log_path=log) as con:
        block = replay(con, commands, strict=False)
    if update:
        with open(README, 'w') as f:
            f.write(replace_block(readme, block))
        print(f'readme_cases: rewrote the transcript in {README} ({len(commands)} commands); '
              'check `git diff README.md`')
    else:
        print('\n'.join([FENCE_OPEN] + block + [FENCE_CLOSE]))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build-dir', default=os.path.join(REPO, 'build'))
    ap.add_argument('--update', action='store_true', help="rewrite README.md's transcript with this run's")
    ap.add_argument('--self-test', action='store_true', help='host checks only (no QEMU)')
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    try:
        return refresh(args.build_dir, args.update)
    except (TranscriptError, Mismatch) as e:
        print(f'readme_cases: {e}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
