#!/usr/bin/env python3
"""Boot the in-guest kernel test suite (user/ktest) as the root task.

ktest prints one line per case, `ktest: PASS name` or `ktest: FAIL name: why`,
then `ktest: RESULT: N passed, N failed` and exits (QEMU exit code 33 when all
passed, 37 otherwise). This script echoes the case lines, checks that the
count matches the lines and the exit code, and ends with the line
`RESULT: N passed, N failed` that tests/run_all.py folds into the total. A
suite that never finishes (kernel panic, hang, crash) adds one failure.

--name and --kernel-args run the same suite under another kernel
configuration (ktest-slowpath: `fastpath=off`, so every IPC takes the
general path); --require is a line the kernel must print before the suite
starts, proving the configuration took effect, and --require-after one it
must print after the suite (the IPC fast path counts at exit).
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from console import Console, ExpectError  # noqa: E402
import runner  # noqa: E402
from cases import Case  # noqa: E402

LINE = r'^ktest: (PASS [^\n]*|FAIL [^\n]*|RESULT: (\d+) passed, (\d+) failed)$'
SUITE_TIMEOUT = 600.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--build-dir', required=True)
    parser.add_argument('--ktest-elf', required=True)
    parser.add_argument('--name', default='ktest')
    parser.add_argument('--kernel-args', default='', help='more words for the kernel command line')
    parser.add_argument('--require', help='a line (regex) the kernel prints before the suite')
    parser.add_argument('--require-after', help='a line (regex) the kernel prints after the suite')
    args = parser.parse_args()

    ctx = runner.Context(args.build_dir)
    cmdline = ' '.join(['init=ktest'] + args.kernel_args.split())
    case = Case(name=args.name, cmdline=cmdline, steps=[],
                modules=lambda c: [(args.ktest_elf, 'ktest')])
    log_path = os.path.join(ctx.log_dir, f'{args.name}.log')
    con = Console(runner.direct_argv(case, ctx), log_path=log_path, forbid=(r'KERNEL PANIC',))
    passed = failed = 0
    reported = None
    problem = None
    try:
        if args.require:
            con.expect(args.require, SUITE_TIMEOUT)
        while reported is None:
            m = con.expect(LINE, SUITE_TIMEOUT)
            line = m.group(1)
            print('ktest: ' + line, flush=True)
            if line.startswith('PASS'):
                passed += 1
            elif line.startswith('FAIL'):
                failed += 1
            else:
                reported = (int(m.group(2)), int(m.group(3)))
        if args.require_after:
            con.expect(args.require_after, 30)
        rc = con.wait_exit(30)
        expected_rc = 33 if reported[1] == 0 else 37
        if reported != (passed, failed):
            problem = f'the suite reported {reported} but printed {passed} PASS and {failed} FAIL lines'
        elif rc != expected_rc:
            problem = f'QEMU exit code {runner.describe_exit(rc)}, expected {expected_rc}'
    except ExpectError as e:
        problem = f'the suite did not finish: {e}'
    finally:
        con.close()
    if problem:
        failed += 1
        print(f'FAIL {args.name}: {problem}; full log: {log_path}')
        for line in con.tail(40):
            print('  | ' + line)
    print(f'RESULT: {passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
