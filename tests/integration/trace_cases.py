"""Integration case for the host trace channel (issue 11, docs/tracing.md).

Boots the shell image with COM2 going to a file (QEMU's second -serial, as
`make run` does), runs a program with `trace on`, powers off, and then
checks the file against the console: the same faults, the same hops of each
fault in the same order, and the same figures. Finally runs
tools/trace_view.py on the file and checks the picture and the Perfetto
trace it writes.
"""

import json
import os
import re
import subprocess

from cases import Block, CaseFailure, Once, SendLine
from shell_cases import PROMPT, SHELL_TIMEOUT, command, powered_off, shell_case

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TRACE_VIEW = os.path.join(REPO, 'tools', 'trace_view.py')
# Debian's python3, which python3-matplotlib serves (as in `make trace-view`).
TRACE_PYTHON = os.environ.get('TRACE_PYTHON', '/usr/bin/python3')
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'

# One console trace line (unanchored: another program's output may share its line).
CONSOLE_RE = re.compile(r'trace: #(\d+) (kernel->pager|pager->fs|fs->pager|pager->kernel) ([^\n]*)')
HOP_FIELDS = {
    'kernel->pager': re.compile(r'pid (\d+) (read|write|exec) (0x[0-9a-f]+) ip (0x[0-9a-f]+)'
                                r'(?: \(\+(\d+) tsc in the kernel\))?$'),
    'pager->fs': re.compile(r'fill file (\d+) page (\d+)$'),
    'fs->pager': re.compile(r'(\d+) bytes \(\+(\d+) tsc\)$'),
    'pager->kernel': re.compile(r'(?:MAP (0x[0-9a-f]+) ([r-][w-][x-])( new)?'
                                r'|KILL (.+) at (0x[0-9a-f]+)) \(\+(\d+) tsc in the pager\)$'),
}


def trace_file(ctx, name):
    return os.path.join(ctx.log_dir, f'{name}.trace.jsonl')


def com2_to_file(name):
    """QEMU arguments: COM2 writes a fresh trace file (none left from an earlier run)."""
    def args(ctx):
        path = trace_file(ctx, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            os.unlink(path)
        return ['-serial', f'file:{path}']
    return args


def expected_fields(hop, rest):
    """The record fields a console line's text fixes (all but t)."""
    m = HOP_FIELDS[hop].match(rest)
    if not m:
        raise CaseFailure(f'console trace line in an unknown form: {hop} {rest!r}')
    if hop == 'kernel->pager':
        pid, access, addr, ip, tsc = m.groups()
        return {'pid': int(pid), 'access': access, 'addr': int(addr, 16), 'ip': int(ip, 16),
                'tsc': None if tsc is None else int(tsc)}
    if hop == 'pager->fs':
        return {'decision': 'fill', 'file': int(m.group(1)), 'page': int(m.group(2)), 'tsc': None}
    if hop == 'fs->pager':
        return {'reply': 'filled', 'bytes': int(m.group(1)), 'tsc': int(m.group(2))}
    mapped, rights, new, reason, at, tsc = m.groups()
    if mapped:
        return {'decision': 'MAP', 'mapped': int(mapped, 16), 'rights': rights, 'new': bool(new), 'tsc': int(tsc)}
    return {'decision': 'KILL', 'reason': reason, 'at': int(at, 16), 'tsc': int(tsc)}


def as_numbers(record):
    """A record with its "0x..." address strings as integers."""
    return {k: int(v, 16) if k in ('addr', 'ip', 'mapped', 'at') else v for k, v in record.items()}


class CheckHostTrace:
    """After QEMU exits: the COM2 file holds exactly the console's trace, then
    tools/trace_view.py turns it into a PNG and a Perfetto trace."""

    def __init__(self, name):
        self.name = name

    def describe(self):
        return 'the COM2 trace file matches the console trace; trace_view draws it'

    def run(self, con, ctx):
        if con.wait_exit(SHELL_TIMEOUT) is None:
            raise CaseFailure('QEMU did not exit after poweroff')
        console = {}
        for m in CONSOLE_RE.finditer(con.text):
            console.setdefault(int(m.group(1)), []).append((m.group(2), expected_fields(m.group(2), m.group(3))))
        if not console:
            raise CaseFailure('no trace lines on the console')

        path = trace_file(ctx, self.name)
        try:
            with open(path, 'rb') as f:
                data = f.read()
        except FileNotFoundError:
            raise CaseFailure(f'{path}: QEMU wrote no COM2 file')
        if not data.endswith(b'\n'):
            raise CaseFailure(f'{path}: does not end with a whole line: {data[-80:]!r}')
        host = {}
        for number, line in enumerate(data.decode('ascii').splitlines(), 1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise CaseFailure(f'{path}:{number}: not JSON ({e.msg}): {line!r}')
            host.setdefault(record['id'], []).append(record)

        if set(host) != set(console):
            raise CaseFailure(f'fault ids differ: only on the console {sorted(set(console) - set(host))}, '
                              f'only in {os.path.basename(path)} {sorted(set(host) - set(console))}')
        for fid, lines in console.items():
            records = host[fid]
            hops = [r['hop'] for r in records]
            if hops != [hop for hop, _ in lines]:
                raise CaseFailure(f'fault #{fid}: console hops {[h for h, _ in lines]}, file hops {hops}')
            header = as_numbers(records[0])
            for (hop, expected), record in zip(lines, records):
                got = as_numbers(record)
                # Every record repeats the fault's header.
                for key in ('pid', 'addr', 'access', 'ip'):
                    if got[key] != header[key]:
                        raise CaseFailure(f'fault #{fid} {hop}: "{key}" {record[key]!r} differs from its first '
                                          f'record\'s {records[0][key]!r}')
                wrong = {k: (v, got.get(k)) for k, v in expected.items() if got.get(k, 'absent') != v}
                if wrong:
                    raise CaseFailure(f'fault #{fid} {hop}: (console, file) differ: {wrong}; record {record}')
                if not isinstance(record.get('t'), int):
                    raise CaseFailure(f'fault #{fid} {hop}: no time stamp "t": {record}')
        if not any(hop == 'pager->fs' for lines in console.values() for hop, _ in lines):
            raise CaseFailure('no pager->fs hop traced: the run should have read a page from the file server')
        self.check_viewer(ctx, path, host)

    def check_viewer(self, ctx, path, host):
        out_dir = os.path.join(ctx.log_dir, f'{self.name}-view')
        for stale in ('png', 'perfetto.json'):
            stale_path = os.path.join(out_dir, f'{self.name}.trace.{stale}')
            if os.path.exists(stale_path):
                os.unlink(stale_path)
        proc = subprocess.run([TRACE_PYTHON, TRACE_VIEW, '--out-dir', out_dir, path],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        if proc.returncode != 0:
            raise CaseFailure(f'trace_view.py exited {proc.returncode}: {proc.stderr.strip()}')
        png, perfetto = proc.stdout.split()
        with open(png, 'rb') as f:
            picture = f.read()
        if not picture.startswith(PNG_MAGIC) or len(picture) < 10000:
            raise CaseFailure(f'{png}: not a PNG with a picture in it ({len(picture)} bytes)')
        with open(perfetto) as f:
            trace = json.load(f)
        events = trace['traceEvents']
        pids = {r['pid'] for records in host.values() for r in records}
        named = {e['pid'] for e in events if e['ph'] == 'M' and e['name'] == 'process_name'}
        if named != pids:
            raise CaseFailure(f'{perfetto}: process tracks {sorted(named)}, trace pids {sorted(pids)}')
        slices = [e for e in events if e['ph'] == 'X']
        if len(slices) != sum(len(records) for records in host.values()):
            raise CaseFailure(f'{perfetto}: {len(slices)} slices for '
                              f'{sum(len(r) for r in host.values())} hops')
        if {(e['pid'], e['args']['id']) for e in slices} != {(r['pid'], r['id']) for rs in host.values() for r in rs}:
            raise CaseFailure(f'{perfetto}: the slices are not the faults of the trace, on their processes\' tracks')


def _case_host_trace():
    name = 'trace-host-channel'
    return shell_case(name,
                      command('trace on', r'^trace: on for every process$')
                      + command('hello world', r'^hello: argc = 2$', r'^hello: argv\[1\] = world$')
                      + command('trace off', r'^trace: off for every process$')
                      + powered_off() + [CheckHostTrace(name)],
                      qemu_args=com2_to_file(name))


def _case_no_com2():
    # The runner's QEMU has one serial port: COM2 has no UART. The first
    # `trace on` says once that records stay on the console; tracing works.
    no_uart = r'^pager: no UART at COM2: trace records go to the console only$'
    return shell_case('trace-without-com2',
                      command('trace on', no_uart, r'^trace: on for every process$')
                      + command('hello', r'trace: #\d+ pager->kernel MAP ', r'^hello: argc = 1$')
                      + command('trace off', r'^trace: off for every process$')
                      + [SendLine('trace on'), Block(PROMPT, contains=[r'^trace: on for every process$'])]
                      + command('trace off', r'^trace: off for every process$')
                      + [Once(no_uart)] + powered_off(),
                      forbid=[r'COM2 stopped taking bytes', r'trace record of fault #\d+ does not fit'])


CASES = [
    _case_host_trace(),
    _case_no_com2(),
]
