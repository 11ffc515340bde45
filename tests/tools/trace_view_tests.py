#!/usr/bin/env python3
"""Tests of tools/trace_view.py: refused inputs and the files it writes.

    trace_view_tests.py

Runs the script as `make trace-view` does (with $TRACE_PYTHON, default
/usr/bin/python3, the interpreter Debian's python3-matplotlib serves) on
files made in a temporary directory, and on a trace recorded from a real
session (data/hello_world.trace.jsonl: `trace on`, `hello world` in the
shell). Ends with `RESULT: N passed, N failed` (tests/run_all.py counts it).
"""

import json
import os
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TRACE_VIEW = os.path.join(REPO, 'tools', 'trace_view.py')
TRACE_PYTHON = os.environ.get('TRACE_PYTHON', '/usr/bin/python3')
REAL_TRACE = os.path.join(HERE, 'data', 'hello_world.trace.jsonl')
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'

HEADER = '"addr":"0x401008","access":"read","ip":"0x4000f0"'


def rec(fid, pid, hop, rest, t, tsc):
    tsc_text = 'null' if tsc is None else str(tsc)
    body = f'"id":{fid},"pid":{pid},"hop":"{hop}",{HEADER}' + (f',{rest}' if rest else '')
    return '{' + body + f',"tsc":{tsc_text},"t":{t}' + '}\n'


# A trace with every kind of fault, on two processes, with a full 64-bit address.
GOOD = ''.join([
    rec(5, 2, 'kernel->pager', '', 1000, 400),
    rec(5, 2, 'pager->fs', '"decision":"fill","file":10,"page":1', 1500, None),
    rec(5, 2, 'fs->pager', '"reply":"filled","bytes":4096', 1510, 3000),
    rec(5, 2, 'pager->kernel', '"decision":"MAP","mapped":"0x401000","rights":"r-x","new":false', 1400, 9000),
    rec(6, 3, 'kernel->pager', '', 20000, None),
    rec(6, 3, 'pager->kernel', '"decision":"MAP","mapped":"0x7ffffffe000","rights":"rw-","new":true', 20000, 2000),
    rec(7, 2, 'kernel->pager', '', 30000, 380),
    rec(7, 2, 'pager->kernel', '"decision":"MAP","mapped":"0x401000","rights":"r--","new":false', 30380, 5000),
    rec(9, 3, 'kernel->pager', '', 40000, 390),
    rec(9, 3, 'pager->kernel', '"decision":"KILL","reason":"guard page hit","at":"0xffffffffffffffff"',
        40390, 4000),
    rec(10, 2, 'kernel->pager', '', 50000, 390),  # QEMU stopped before its answer was written
])

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def run_view(path, out_dir):
    return subprocess.run([TRACE_PYTHON, TRACE_VIEW, '--out-dir', out_dir, path], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=120)


def refused(tmp, name, content, *expected):
    """Writes `content` (None: no file) to `name`, runs the viewer, and checks it
    refuses the file in one stderr line that names the file and says `expected`."""
    path = os.path.join(tmp, name)
    if isinstance(content, str):
        content = content.encode()
    if content is not None:
        with open(path, 'wb') as f:
            f.write(content)
    out_dir = os.path.join(tmp, name + '-out')
    proc = run_view(path, out_dir)
    check(proc.returncode == 1, f'{name}: exit {proc.returncode}, expected 1; stderr {proc.stderr!r}')
    lines = proc.stderr.splitlines()
    check(len(lines) == 1, f'{name}: expected one line on stderr, got {lines!r}')
    check(lines[0].startswith(f'trace_view: {path}'), f'{name}: message does not name the file: {lines[0]!r}')
    for e in expected:
        check(e in lines[0], f'{name}: message lacks {e!r}: {lines[0]!r}')
    check(proc.stdout == '', f'{name}: wrote to stdout: {proc.stdout!r}')
    check(not os.path.exists(out_dir) or not os.listdir(out_dir), f'{name}: wrote files for a refused input')


@test
def missing_file(tmp):
    refused(tmp, 'absent.jsonl', None, 'no such file')


@test
def a_directory(tmp):
    os.mkdir(os.path.join(tmp, 'dir.jsonl'))
    refused(tmp, 'dir.jsonl', None, 'a directory')


@test
def empty_file(tmp):
    refused(tmp, 'empty.jsonl', '', 'empty')


@test
def last_line_cut_off(tmp):
    good = GOOD.splitlines(keepends=True)
    refused(tmp, 'cut.jsonl', ''.join(good[:3]) + good[3][:40], ':4:', 'cut off')


@test
def last_line_whole_but_without_newline(tmp):
    # Even a last record that parses is refused without its newline: the
    # pager always ends a record with one, so the writing was interrupted.
    refused(tmp, 'nonl.jsonl', GOOD.rstrip('\n'), f':{GOOD.count(chr(10))}:', 'cut off')


@test
def garbled_line_in_the_middle(tmp):
    good = GOOD.splitlines(keepends=True)
    refused(tmp, 'garbled.jsonl', good[0] + good[1][:30] + '\n' + ''.join(good[2:]), ':2:', 'not a complete JSON record')


@test
def not_json(tmp):
    refused(tmp, 'text.jsonl', 'trace: #5 kernel->pager pid 2 read 0x401000\n', ':1:', 'not a complete JSON record')


@test
def not_an_object(tmp):
    refused(tmp, 'array.jsonl', '[1,2,3]\n', ':1:', 'not a JSON object')


@test
def empty_line(tmp):
    good = GOOD.splitlines(keepends=True)
    refused(tmp, 'blank.jsonl', good[0] + '\n' + ''.join(good[1:]), ':2:', 'empty line')


@test
def not_ascii(tmp):
    refused(tmp, 'binary.jsonl', GOOD.encode()[:100] + b'\xff\xfe\n', ':1:', 'not ASCII')


@test
def missing_field(tmp):
    refused(tmp, 'nopid.jsonl', '{"id":1,"hop":"kernel->pager"}\n', ':1:', '"pid"')


@test
def address_as_a_number(tmp):
    line = GOOD.splitlines()[0].replace('"addr":"0x401008"', '"addr":4198408')
    refused(tmp, 'addrnum.jsonl', line + '\n', ':1:', '"addr"', 'not an address')


@test
def unknown_hop(tmp):
    line = GOOD.splitlines()[0].replace('kernel->pager', 'pager->disk')
    refused(tmp, 'hop.jsonl', line + '\n', ':1:', '"hop"')


@test
def negative_or_fractional_count(tmp):
    line = GOOD.splitlines()[0].replace('"tsc":400', '"tsc":4.5')
    refused(tmp, 'frac.jsonl', line + '\n', ':1:', '"tsc"', 'not a whole number')
    line = GOOD.splitlines()[0].replace('"id":5', '"id":-5')
    refused(tmp, 'neg.jsonl', line + '\n', ':1:', '"id"')


@test
def answer_without_figure(tmp):
    lines = GOOD.splitlines()
    refused(tmp, 'nofig.jsonl', lines[0] + '\n' + lines[3].replace('"tsc":9000', '"tsc":null') + '\n', ':2:',
            'without its "tsc"')


@test
def one_fault_two_processes(tmp):
    lines = GOOD.splitlines()
    refused(tmp, 'twopids.jsonl', lines[0] + '\n' + lines[1].replace('"pid":2', '"pid":3') + '\n', ':2:',
            'fault #5', 'line 1')


def slices_nest(events):
    """Whether the "X" slices of each track nest, as Perfetto needs: None, or what is wrong."""
    by_track = {}
    for e in events:
        if e['ph'] == 'X':
            by_track.setdefault((e['pid'], e['tid']), []).append(e)
    for track, slices in by_track.items():
        open_ends = []
        for e in slices:  # in file order: the viewer sorts them by start
            # In whole ns, as Perfetto reads them (llround(ts * 1000)).
            start = round(e['ts'] * 1000)
            end = start + round(e['dur'] * 1000)
            while open_ends and open_ends[-1] <= start:
                open_ends.pop()
            if open_ends and end > open_ends[-1]:
                return f'track {track}: {e["name"]} of fault {e["args"]["id"]} ({start}..{end}) overlaps a slice ' \
                       f'ending at {open_ends[-1]}'
            open_ends.append(end)
    return None


def viewed(tmp, trace_path, records):
    """Runs the viewer on a good trace; checks and returns (png bytes, perfetto JSON)."""
    out_dir = os.path.join(tmp, 'out')
    proc = run_view(trace_path, out_dir)
    check(proc.returncode == 0, f'exit {proc.returncode}: {proc.stderr!r}')
    base = os.path.basename(trace_path)[:-len('.jsonl')]
    png, perfetto = os.path.join(out_dir, base + '.png'), os.path.join(out_dir, base + '.perfetto.json')
    check(proc.stdout.splitlines() == [png, perfetto], f'printed {proc.stdout!r}, expected the two paths')
    with open(png, 'rb') as f:
        picture = f.read()
    check(picture.startswith(PNG_MAGIC) and len(picture) > 10000, f'{png}: not a PNG picture ({len(picture)} bytes)')
    with open(perfetto) as f:
        trace = json.load(f)
    events = trace['traceEvents']
    pids = sorted({r['pid'] for r in records})
    names = {e['pid']: e['args']['name'] for e in events if e['ph'] == 'M' and e['name'] == 'process_name'}
    check(names == {pid: f'pid {pid}' for pid in pids}, f'process tracks {names}, expected one per pid {pids}')
    slices = [e for e in events if e['ph'] == 'X']
    check(len(slices) == len(records), f'{len(slices)} slices for {len(records)} records')
    t0 = min(r['t'] for r in records)
    # 1 ns shown = 1 tsc: ts and dur in us are (t - t0) / 1000 and tsc / 1000, exact in whole ns.
    expected = sorted((r['pid'], r['id'], r['hop'], r['t'] - t0, r['tsc'] or 0) for r in records)
    got = sorted((e['pid'], e['args']['id'], e['name'].split(' ')[0], round(e['ts'] * 1000), round(e['dur'] * 1000))
                 for e in slices)
    check(got == expected, f'slices {got} != records {expected}')
    check(all(e['tid'] == e['pid'] for e in slices), 'a slice off its process track')
    problem = slices_nest(events)
    check(problem is None, f'slices do not nest: {problem}')
    return picture, trace


@test
def synthetic_trace_of_every_kind(tmp):
    path = os.path.join(tmp, 'every.jsonl')
    with open(path, 'w') as f:
        f.write(GOOD)
    records = [json.loads(line) for line in GOOD.splitlines()]
    _, trace = viewed(tmp, path, records)
    names = sorted({e['name'] for e in trace['traceEvents'] if e['ph'] == 'X'})
    check(names == ['fs->pager', 'kernel->pager', 'pager->fs', 'pager->kernel KILL', 'pager->kernel MAP',
                    'pager->kernel MAP new'], f'slice names {names}')
    kill = [e for e in trace['traceEvents'] if e['name'] == 'pager->kernel KILL'][0]
    check(kill['args']['at'] == '0xffffffffffffffff', f'the KILL slice lost its 64-bit address: {kill["args"]}')


@test
def trace_of_a_real_session(tmp):
    with open(REAL_TRACE) as f:
        records = [json.loads(line) for line in f]
    check(len(records) >= 4, f'{REAL_TRACE}: only {len(records)} records')
    viewed(tmp, REAL_TRACE, records)


def main():
    passed = failed = 0
    for fn in TESTS:
        with tempfile.TemporaryDirectory(prefix='trace_view_test_') as tmp:
            try:
                fn(tmp)
            except Failure as e:
                failed += 1
                print(f'FAIL {fn.__name__}: {e}')
            except Exception:
                failed += 1
                print(f'FAIL {fn.__name__}: error')
                traceback.print_exc(file=sys.stdout)
            else:
                passed += 1
                print(f'PASS {fn.__name__}')
    print(f'RESULT: {passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
