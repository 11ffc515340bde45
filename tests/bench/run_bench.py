#!/usr/bin/env python3
"""`make bench` (issue 6): boot the benchmark image in QEMU with
`-icount shift=0` (guest rdtsc counts instructions exactly) and print one
row per operation: instructions per operation (median, minimum and mean of the
samples) and how many samples.

    run_bench.py --build-dir BUILD [--count N] [--mib M] [--smoke] [--linux | --no-linux]

Three images boot side by side (the figures are exact either way):
- bench.iso: GRUB + BUILD/kernel/kernel.elf + init, pager, fs, console and
  BUILD/user/bench/bench-initrd.cpio (bin/bench, etc/bench.dat, bin/hello),
  booted with `init.run=/bin/bench:COUNT:MIB`; console in BUILD/bench/faultline.log.
- kbench.iso: the kernel with BUILD/user/bench/kbench.elf as root task
  (`init=kbench kbench.count=COUNT`), for the rows that need kernel objects
  a program never gets; console in BUILD/bench/kbench.log.
- pool.iso: bench.iso booted with `pager.pool=64` and
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
MKISO = os.path.join(REPO, 'boot', 'mkiso.py')

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


def qemu_argv(iso, exact=True):
    # BENCH_ICOUNT=off drops -icount (a quick check of the plumbing only:
    # the figures then follow the host clock and mean nothing).
    icount = os.environ.get('BENCH_ICOUNT', 'shift=0' if exact else 'off')
    return [os.environ.get('QEMU', 'qemu-system-x86_64'),
            '-cdrom', iso, '-m', '256M', '-cpu', 'qemu64', '-smp', '1'] + \
           ([] if icount == 'off' else ['-icount', icount]) + [
            '-serial', 'stdio', '-display', 'none', '-monitor', 'none',
            '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']


def build_kbench_iso(build, out_dir, count):
    kernel = os.path.join(build, 'kernel', 'kernel.elf')
    kbench = os.path.join(build, 'user', 'bench', 'kbench.elf')
    missing = [p for p in (kernel, kbench) if not os.path.isfile(p)]
    if missing:
        sys.exit(f'run_bench: build output missing: {", ".join(missing)} (run: ninja -C {build})')
    iso = os.path.join(out_dir, 'kbench.iso')
    subprocess.run([sys.executable, MKISO, '--out', iso, '--kernel', kernel,
                    '--cmdline', f'init=kbench kbench.count={count}', '--module', f'{kbench}=kbench'],
                   check=True, stdout=subprocess.DEVNULL)
    return iso


POOL_FRAMES = 64


def build_iso(build, out_dir, cmdline, name='bench.iso'):
    modules = [
        (os.path.join(build, 'servers', 'init', 'init.elf'), 'init'),
        (os.path.join(build, 'servers', 'pager', 'pager.elf'), 'pager'),
        (os.path.join(build, 'servers', 'fs', 'fs.elf'), 'fs'),
        (os.path.join(build, 'servers', 'console', 'console.elf'), 'console'),
        (os.path.join(build, 'user', 'bench', 'bench-initrd.cpio'), 'initrd'),
    ]
    kernel = os.path.join(build, 'kernel', 'kernel.elf')
    missing = [p for p in [kernel] + [m[0] for m in modules] if not os.path.isfile(p)]
    if missing:
        sys.exit(f'run_bench: build output missing: {", ".join(missing)} (run: ninja -C {build})')
    iso = os.path.join(out_dir, name)
    cmd = [sys.executable, MKISO, '--out', iso, '--kernel', kernel, '--cmdline', cmdline]
    for path, name in modules:
        cmd += ['--module', f'{path}={name}']
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return iso


def boot(iso, log_path, timeout, exact=True):
    """Boot the image; return the console text (carriage returns removed)."""
    t0 = time.monotonic()
    with open(log_path, 'wb') as log:
        proc = subprocess.Popen(qemu_argv(iso, exact), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        chunks = []
        try:
            import selectors
            sel = selectors.DefaultSelector()
            sel.register(proc.stdout, selectors.EVENT_READ)
            while True:
                left = timeout - (time.monotonic() - t0)
                if left <= 0:
                    print(f'run_bench: timed out after {timeout:.0f} s', file=sys.stderr)
                    break
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
    ap.add_argument('--timeout', type=float, default=1500.0,
                    help='seconds for the faultline boot (BIOS and GRUB alone take minutes under -icount shift=0)')
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
    iso = build_iso(build, out_dir, cmdline)
    kiso = build_kbench_iso(build, out_dir, args.count)
    # Whole refills: the pool row's mean is the amortized cost only over a
    # multiple of the pool's size (100 faults of a 64-frame pool hold one
    # refill or two, depending on where the count starts).
    pool_count = -(-args.count // POOL_FRAMES) * POOL_FRAMES
    pool_cmdline = f'init.run=/bin/bench:pool:{pool_count} pager.pool={POOL_FRAMES}'
    piso = build_iso(build, out_dir, pool_cmdline, 'pool.iso')
    print(f'run_bench: booting {iso} ({cmdline}), {kiso} and {piso} ({pool_cmdline}) with -icount shift=0'
          + (' (--smoke: bench.iso only)' if args.smoke else ''), flush=True)
    booted = {}

    # --smoke keeps -icount only where a row is derived by subtraction
    # (guard_hit_to_exit, in bench.iso), which the host clock's noise can
    # drive to zero; every row of the other two images times its operation
    # directly and is positive either way, and BIOS and GRUB take minutes
    # under -icount.
    def boot_into(key, image, log_name):
        exact = not args.smoke or key == 'bench'
        booted[key] = boot(image, os.path.join(out_dir, log_name), args.timeout, exact)

    others = [threading.Thread(target=boot_into, args=('kbench', kiso, 'kbench.log')),
              threading.Thread(target=boot_into, args=('pool', piso, 'pool.log'))]
    for t in others:
        t.start()
    boot_into('bench', iso, 'faultline.log')
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
