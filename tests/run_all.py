#!/usr/bin/env python3
"""Run every meson-registered test of a faultline build and total the results.

    python3 tests/run_all.py BUILD_DIR

The test list comes from `meson introspect BUILD_DIR --tests`. Tests run one
at a time, suite "unit" first, then "integration", then anything else, each
with its own environment, working directory and timeout; their output is
streamed to stdout as it arrives, after a line `=== [K/N] suite/name` that
says how far the run is.

Counting, per test:
  * a doctest binary's summary line
        [doctest] test cases: N | N passed | N failed | N skipped
    adds its passed/failed counts (skipped ones are not counted);
  * a line `RESULT: N passed, N failed` (the integration runner) adds those;
  * if the exit code is non-zero (or the test timed out) but the counts show
    no failure, one failure is added (crash);
  * a test printing neither line counts as one test, passed iff it exits 0.

The last line printed is exactly `N passed, N failed`. Exit status is 1 if
anything failed or nothing ran, else 0. The build is not rebuilt here: run
`make test` (or `ninja -C BUILD_DIR` first).
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

SUITE_ORDER = ['unit', 'integration']

ANSI_RE = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]')
DOCTEST_RE = re.compile(
    r'\[doctest\]\s*test cases:\s*(\d+)\s*\|\s*(\d+)\s+passed\s*\|\s*(\d+)\s+failed')
RESULT_RE = re.compile(r'^\s*RESULT:\s*(\d+)\s+passed,\s*(\d+)\s+failed\s*$')


def suite_names(test):
    # Introspection gives "project:suite" (a subproject adds its own prefix).
    return [s.split(':', 1)[-1] for s in test.get('suite') or []]


def suite_rank(test):
    names = suite_names(test)
    ranks = [SUITE_ORDER.index(n) for n in names if n in SUITE_ORDER]
    return min(ranks) if ranks else len(SUITE_ORDER)


def label(test):
    names = suite_names(test)
    return f'{names[0]}/{test["name"]}' if names else test['name']


def introspect(build_dir):
    if not os.path.isfile(os.path.join(build_dir, 'build.ninja')):
        print(f'run_all: {build_dir} is not a configured meson build directory '
              f'(run: make build)', file=sys.stderr)
        sys.exit(1)
    try:
        out = subprocess.run(['meson', 'introspect', build_dir, '--tests'],
                             check=True, stdout=subprocess.PIPE, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f'run_all: meson introspect failed: {e}', file=sys.stderr)
        sys.exit(1)
    return json.loads(out)


def kill_group(proc):
    """Terminate the test and everything it started (its process group)."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            pass


def run_test(test, build_dir):
    """Run one test, streaming its output; return a result dict."""
    env = dict(os.environ)
    env.update({k: str(v) for k, v in (test.get('env') or {}).items()})
    cwd = test.get('workdir') or build_dir
    timeout = test.get('timeout') or 0
    start = time.monotonic()
    res = {'label': label(test), 'passed': 0, 'failed': 0, 'rc': None,
           'timed_out': False, 'note': ''}
    try:
        proc = subprocess.Popen(test['cmd'], cwd=cwd, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as e:
        print(f'run_all: cannot start {test["cmd"][0]}: {e}', flush=True)
        res.update(failed=1, note='could not start', secs=time.monotonic() - start)
        return res

    doctest = None
    result = None

    def pump():
        nonlocal doctest, result
        for raw in iter(proc.stdout.readline, b''):
            sys.stdout.buffer.write(raw)
            sys.stdout.buffer.flush()
            line = ANSI_RE.sub('', raw.decode('utf-8', 'replace'))
            m = DOCTEST_RE.search(line)
            if m:
                doctest = (int(m.group(2)), int(m.group(3)))
            m = RESULT_RE.match(line)
            if m:
                result = (int(m.group(1)), int(m.group(2)))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        proc.wait(timeout=timeout if timeout and timeout > 0 else None)
    except subprocess.TimeoutExpired:
        res['timed_out'] = True
        print(f'\nrun_all: {res["label"]} timed out after {timeout}s, killing it', flush=True)
        kill_group(proc)
    except KeyboardInterrupt:
        kill_group(proc)
        raise
    reader.join(timeout=10)
    res['rc'] = proc.returncode
    res['secs'] = time.monotonic() - start

    counts = result or doctest
    ok_exit = proc.returncode == 0 and not res['timed_out']
    if test.get('should_fail'):
        ok_exit = not ok_exit and not res['timed_out']
    if counts:
        res['passed'], res['failed'] = counts
        if not ok_exit and res['failed'] == 0:
            res['failed'] += 1
            res['note'] = 'timed out' if res['timed_out'] else f'exit code {proc.returncode} (crash)'
    else:
        if ok_exit:
            res['passed'] = 1
        else:
            res['failed'] = 1
            res['note'] = 'timed out' if res['timed_out'] else f'exit code {proc.returncode}'
    return res


def main(argv):
    if len(argv) != 2 or argv[1] in ('-h', '--help'):
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    build_dir = os.path.abspath(argv[1])
    tests = introspect(build_dir)
    tests = sorted(enumerate(tests), key=lambda it: (suite_rank(it[1]), it[0]))
    tests = [t for _, t in tests]

    wall_start = time.monotonic()
    results = []
    for number, test in enumerate(tests, 1):
        passed = sum(r['passed'] for r in results)
        failed = sum(r['failed'] for r in results)
        print(f'=== [{number}/{len(tests)}] {label(test)}'
              + (f'  (so far {passed} passed, {failed} failed, {time.monotonic() - wall_start:.0f} s)'
                 if results else ''), flush=True)
        results.append(run_test(test, build_dir))
    wall = time.monotonic() - wall_start

    total_passed = sum(r['passed'] for r in results)
    total_failed = sum(r['failed'] for r in results)
    width = max([len(r['label']) for r in results] + [10])
    print('\n=== summary', flush=True)
    for r in results:
        status = 'FAIL' if r['failed'] else 'ok  '
        note = f'  [{r["note"]}]' if r['note'] else ''
        print(f'{status} {r["label"]:<{width}}  {r["passed"]:>4} passed, '
              f'{r["failed"]:>3} failed  {r["secs"]:7.1f}s{note}')
    print(f'{len(results)} test programs, total wall time {wall:.1f}s')
    if total_passed + total_failed == 0:
        print('run_all: no tests ran', file=sys.stderr)
    print(f'{total_passed} passed, {total_failed} failed', flush=True)
    return 1 if total_failed or total_passed + total_failed == 0 else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
