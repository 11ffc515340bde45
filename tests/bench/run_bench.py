#!/usr/bin/env python3
"""`make bench` (issue 6): boot the benchmark image in QEMU with
`-icount shift=0` (guest rdtsc counts instructions exactly) and print one
row per operation: instructions per operation (median, minimum and mean of the
samples) and how many samples.

    run_bench.py --build-dir BUILD [--count N] [--mib M] [--smoke] [--linux | --no-linux]

Three boots run side by side (the figures are exact either way), each
straight into the kernel by QEMU's own loader (`-kernel`, multiboot 1, the
modules passed with `-initrd`; boot/qemu_boot.py): no firmware menu, no GRUB
reading an ISO under -icount, the same kernel and module files `make run`
boots through GRUB.
- bench: BUILD/kernel/kernel.elf with init, pager, fs, console and
  BUILD/user/bench/bench-initrd.cpio (bin/bench, etc/bench.dat, bin/hello),
  command line `init.run=/bin/bench:COUNT:MIB`; console in BUILD/bench/faultline.log.
- kbench: the kernel with BUILD/user/bench/kbench.elf as root task
  (`init=kbench kbench.count=COUNT`), for the rows that need kernel objects
  a program never gets; console in BUILD/bench/kbench.log.
- pool: the bench boot with `pager.pool=64` and
  `init.run=/bin/bench:pool:COUNT` (COUNT rounded up to a multiple of 64):
  the anonymous fault row again with the pager's pre-zeroed frame pool;
  console in BUILD/bench/pool.log.
Rows are the `benchjson: {...}` lines of all three; they are written to
BUILD/bench/results.jsonl.

--linux also runs tests/bench/linux/run_linux.py (Debian's cloud kernel
under the same emulator and flags) and prints both figures and the ratio.

--smoke (the `bench-smoke` meson test): tiny counts, no Linux; checks that
every row is present with positive figures and prints
`RESULT: N passed, N failed`.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'boot'))

import qemu_boot  # noqa: E402

# Every row the benchmark program must produce.
ROWS = [
    'null_syscall',
    'ipc_call_replyrecv',
    'anon_fault',
    'anon_fault_prezeroed_pool',
    'file_fault_warm',
    'file_fault_cold',
    'file_fault_warm_around16_per_page',
    'seq_touch_around16_per_page',
    'guard_hit_to_exit',
    'spawn_to_first_instruction',
    'spawn_to_exit',
    # kbench (user/bench/kernel_rows.cpp)
    'ipc_pingpong_cross_as',
    'notification_signal_to_wake',
    'fault_round_trip_ready_frame',
    'fault_round_trip_retype_frame',
]

# Our row -> the Linux row it is compared with (tests/bench/linux/bench.c).
LINUX_PAIRS = [
    ('null_syscall', 'null_syscall', 'getppid()'),
    ('ipc_pingpong_cross_as', 'pipe_round_trip', 'pipe ping-pong, 2 processes'),
    ('ipc_call_replyrecv', 'pipe_round_trip', 'pipe ping-pong, 2 processes'),
    ('anon_fault', 'anon_fault', 'anonymous write fault'),
    ('file_fault_warm', 'file_fault_warm', 'file read fault, page-cache hit'),
    ('file_fault_warm_around16_per_page', 'file_fault_warm', 'file read fault, page-cache hit'),
    ('anon_fault_prezeroed_pool', 'anon_fault', 'anonymous write fault'),
    ('anon_fault', 'uffd_zeropage', 'userfaultfd + UFFDIO_ZEROPAGE'),
    ('anon_fault', 'uffd_copy', 'userfaultfd + UFFDIO_COPY'),
]

# Rows whose median leaves out work that a few operations do for all the
# others: their fair figure per operation is the mean. (The pool's median
# fault takes a frame the previous refill retyped and zeroed.)
COMPARED_BY_MEAN = {'anon_fault_prezeroed_pool'}


def icount(exact=True):
    # BENCH_ICOUNT=off drops -icount (a quick check of the plumbing only:
    # the figures then follow the host clock and mean nothing).
    value = os.environ.get('BENCH_ICOUNT', 'shift=0' if exact else 'off')
    return None if value == 'off' else value


def require(paths, build):
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        sys.exit(f'run_bench: build output missing: {", ".join(missing)} (run: ninja -C {build})')


def kernel_path(build):
    return os.path.join(build, 'kernel', 'kernel.elf')


def kbench_image(build, count):
    """(kernel, modules, command line) of the kbench boot."""
    kbench = os.path.join(build, 'user', 'bench', 'kbench.elf')
    require([kernel_path(build), kbench], build)
    return kernel_path(build), [(kbench, 'kbench')], f'init=kbench kbench.count={count}'


POOL_FRAMES = 64


def bench_image(build, cmdline):
    """(kernel, modules, command line) of a boot of the benchmark program
    under init, the pager, fs and the console."""
    modules = [
        (os.path.join(build, 'servers', 'init', 'init.elf'), 'init'),
        (os.path.join(build, 'servers', 'pager', 'pager.elf'), 'pager'),
        (os.path.join(build, 'servers', 'fs', 'fs.elf'), 'fs'),
        (os.path.join(build, 'servers', 'console', 'console.elf'), 'console'),
        (os.path.join(build, 'user', 'bench', 'bench-initrd.cpio'), 'initrd'),
    ]
    require([kernel_path(build)] + [m[0] for m in modules], build)
    return kernel_path(build), modules, cmdline


class Progress:
    """One line per row as it arrives, and a line at least every
    HEARTBEAT seconds while a boot is quiet, so no stretch of `make bench`
    or bench-smoke is silent."""
    HEARTBEAT = 20.0

    def __init__(self, expected_rows):
        self.lock = threading.Lock()
        self.expected = expected_rows
        self.seen = set()

    def row(self, image, name):
        with self.lock:
            self.seen.add(name)
            print(f'run_bench: [{image}] {name} ({len(self.seen)} of {self.expected} rows)', flush=True)

    def quiet(self, image, seconds):
        with self.lock:
            print(f'run_bench: [{image}] still running after {seconds:.0f} s '
                  f'({len(self.seen)} of {self.expected} rows so far)', flush=True)


ROW_LINE = re.compile(rb'benchjson: \{"name": ?"([A-Za-z0-9_]+)"')


def boot(image, argv, log_path, timeout, progress):
    """Boot with `argv`; return the console text (carriage returns removed)
    and the seconds it took."""
    import selectors
    t0 = time.monotonic()
    last_word = t0
    pending = b''
    with open(log_path, 'wb') as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        chunks = []
        try:
            sel = selectors.DefaultSelector()
            sel.register(proc.stdout, selectors.EVENT_READ)
            while True:
                now = time.monotonic()
                left = timeout - (now - t0)
                if left <= 0:
                    print(f'run_bench: [{image}] timed out after {timeout:.0f} s', file=sys.stderr)
                    proc.kill()
                    break
                if now - last_word >= Progress.HEARTBEAT:
                    progress.quiet(image, now - t0)
                    last_word = now
                if not sel.select(min(left, 1.0)):
                    if proc.poll() is not None:
                        break
                    continue
                data = os.read(proc.stdout.fileno(), 65536)
                if not data:
                    break
                chunks.append(data)
                log.write(data)
                log.flush()
                pending += data
                *lines, pending = pending.split(b'\n')
                for line in lines:
                    m = ROW_LINE.search(line)
                    if m:
                        progress.row(image, m.group(1).decode())
                        last_word = time.monotonic()
        finally:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    text = b''.join(chunks).decode('utf-8', 'replace').replace('\r', '')
    return text, time.monotonic() - t0


def parse_rows(text):
    rows = {}
    for line in text.split('\n'):
        m = re.search(r'benchjson: (\{.*\})\s*$', line)
        if m:
            try:
                row = json.loads(m.group(1))
            except json.JSONDecodeError:
                continue
            rows[row['name']] = row
    return rows


def trace_lines(text):
    out, on = [], False
    for line in text.split('\n'):
        if 'bench: trace begin' in line:
            on = True
        elif 'bench: trace end' in line:
            on = False
        elif on and line.startswith('trace:'):
            out.append(line)
    return out


def print_table(rows):
    print(f'{"operation":32} {"median":>10} {"min":>10} {"mean":>10} {"count":>7}   (guest instructions per op)')
    for name in ROWS:
        r = rows.get(name)
        if r:
            print(f'{name:32} {r["median"]:>10} {r["min"]:>10} {r.get("mean", "-"):>10} {r["count"]:>7}')
        else:
            print(f'{name:32} {"missing":>10}')


def print_comparison(ours, linux):
    print()
    print(f'{"operation":32} {"faultline":>10} {"linux":>10} {"ratio":>7}   linux measure')
    for our_name, linux_name, what in LINUX_PAIRS:
        a, b = ours.get(our_name), linux.get(linux_name)
        if not a or not b:
            print(f'{our_name:32} {"-" if not a else a["median"]:>10} {"-" if not b else b["median"]:>10}'
                  f' {"-":>7}   {what} ({linux_name})')
            continue
        figure = 'mean' if our_name in COMPARED_BY_MEAN else 'median'
        ratio = a[figure] / b['median'] if b['median'] else float('inf')
        shown = f'{a[figure]}' + (' (mean)' if figure == 'mean' else '')
        print(f'{our_name:32} {shown:>10} {b["median"]:>10} {ratio:>7.2f}   {what} ({linux_name})')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build-dir', default='build')
    ap.add_argument('--count', type=int, default=200, help='samples per operation (default 200)')
    ap.add_argument('--mib', type=int, default=16, help='MiB touched with around=16 (default 16)')
    ap.add_argument('--smoke', action='store_true', help='tiny counts, check every row, print RESULT')
    ap.add_argument('--linux', dest='linux', action='store_true', default=None)
    ap.add_argument('--no-linux', dest='linux', action='store_false')
    ap.add_argument('--reuse-linux', action='store_true',
                    help='use OUT/linux.jsonl from an earlier run instead of booting Linux again')
    ap.add_argument('--timeout', type=float, default=600.0,
                    help='seconds for each faultline boot')
    args = ap.parse_args()

    build = os.path.abspath(args.build_dir)
    if args.smoke:
        args.count, args.mib = 4, 1
        if args.linux is None:
            args.linux = False
    if args.linux is None:
        args.linux = True
    out_dir = os.path.join(build, 'bench-smoke' if args.smoke else 'bench')
    os.makedirs(out_dir, exist_ok=True)

    cmdline = f'init.run=/bin/bench:{args.count}:{args.mib}'
    # Whole refills: the pool row's mean is the amortized cost only over a
    # multiple of the pool's size (100 faults of a 64-frame pool hold one
    # refill or two, depending on where the count starts).
    pool_count = -(-args.count // POOL_FRAMES) * POOL_FRAMES
    pool_cmdline = f'init.run=/bin/bench:pool:{pool_count} pager.pool={POOL_FRAMES}'
    images = {
        'bench': bench_image(build, cmdline),
        'kbench': kbench_image(build, args.count),
        'pool': bench_image(build, pool_cmdline),
    }
    logs = {'bench': 'faultline.log', 'kbench': 'kbench.log', 'pool': 'pool.log'}
    # Every boot runs under -icount, --smoke included: with no firmware menu
    # and no GRUB it costs seconds, and the smoke figures are then the same
    # exact counts as `make bench`'s, only over fewer samples.
    exact = {key: True for key in images}
    print('run_bench: booting the kernel directly (QEMU -kernel, multiboot 1, no firmware menu or GRUB): '
          + '; '.join(f'{key} ({images[key][2]})' + (' with -icount shift=0' if exact[key] else '')
                      for key in images), flush=True)
    progress = Progress(len(ROWS))
    booted = {}

    def boot_into(key):
        kernel, modules, line = images[key]
        argv = qemu_boot.direct_argv(kernel, modules, line, icount=icount(exact[key]))
        booted[key] = boot(key, argv, os.path.join(out_dir, logs[key]), args.timeout, progress)

    others = [threading.Thread(target=boot_into, args=(key,)) for key in ('kbench', 'pool')]
    for t in others:
        t.start()
    boot_into('bench')
    for t in others:
        t.join()
    text, seconds = booted['bench']
    ktext, kseconds = booted['kbench']
    ptext, pseconds = booted['pool']
    rows = parse_rows(text)
    rows.update(parse_rows(ktext))
    rows.update(parse_rows(ptext))
    results = os.path.join(out_dir, 'results.jsonl')
    with open(results, 'w') as f:
        for name in ROWS:
            if name in rows:
                f.write(json.dumps(dict(rows[name], system='faultline')) + '\n')
    print(f'run_bench: QEMU ran {seconds:.1f} s (kbench {kseconds:.1f} s, pool {pseconds:.1f} s); rows in {results}')
    print()
    print_table(rows)
    traces = trace_lines(text)
    if traces:
        print()
        print('pager trace of a few faults (where the round trip goes):')
        for line in traces:
            print('  ' + line)
    for line in (text + '\n' + ktext + '\n' + ptext).split('\n'):
        if 'FAIL' in line and 'bench' in line:
            print('run_bench: ' + line, file=sys.stderr)
    # kbench is the ktest framework: its cases check the answers they time.
    kverdict = re.search(r'ktest: RESULT: (\d+) passed, (\d+) failed', ktext)
    kbench_ok = bool(kverdict) and kverdict.group(2) == '0'

    if args.smoke:
        passed = failed = 0
        for name in ROWS:
            r = rows.get(name)
            ok = bool(r) and r['median'] > 0 and r['min'] > 0 and r['count'] > 0
            print(f'{"PASS" if ok else "FAIL"}: bench row {name}' + ('' if r else ' (missing)'))
            passed += ok
            failed += not ok
        done = 'bench: done' in text and 'bench: done' in ptext
        print(f'{"PASS" if done else "FAIL"}: bench program finished (both images)')
        passed += done
        failed += not done
        print(f'{"PASS" if kbench_ok else "FAIL"}: kbench cases '
              + (kverdict.group(0) if kverdict else 'did not finish'))
        passed += kbench_ok
        failed += not kbench_ok
        print(f'RESULT: {passed} passed, {failed} failed')
        return 1 if failed else 0

    missing = [n for n in ROWS if n not in rows]
    if args.linux:
        linux_script = os.path.join(HERE, 'linux', 'run_linux.py')
        linux_out = os.path.join(out_dir, 'linux.jsonl')
        print()
        print('run_bench: Linux side (tests/bench/linux/run_linux.py)', flush=True)
        if args.reuse_linux and os.path.isfile(linux_out):
            print(f'run_bench: reusing {linux_out}')
            rc = 0
        else:
            rc = subprocess.run([sys.executable, linux_script, '--out-dir', out_dir, '--count', str(args.count)]).returncode
        linux = {}
        if rc == 0 and os.path.isfile(linux_out):
            with open(linux_out) as f:
                for line in f:
                    row = json.loads(line)
                    linux[row['name']] = row
            with open(results, 'a') as f:
                for row in linux.values():
                    f.write(json.dumps(dict(row, system='linux')) + '\n')
        else:
            print('run_bench: the Linux side did not produce results', file=sys.stderr)
        print_comparison(rows, linux)
    if missing:
        print(f'run_bench: missing rows: {", ".join(missing)}', file=sys.stderr)
        return 1
    if not kbench_ok:
        print('run_bench: a kbench case failed (see kbench.log)', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
