#!/usr/bin/env python3
"""faultline integration tests: boot the real ISO in QEMU (TCG) per case.

    runner.py [--build-dir BUILD] [--filter SUBSTR ...] [--list] [--jobs N]

Each case (see cases.py) boots either BUILD/faultline.iso through the
firmware and GRUB, as `make run` does, or a variant: the same
BUILD/kernel/kernel.elf with its own command line and modules, booted
directly by QEMU's -kernel loader (boot/qemu_boot.py), or for a case with
`grub=True` from a variant ISO made by boot/mkiso.py (in BUILD/tests/isos/,
rebuilt only when their inputs change: the file name carries a hash of
kernel, modules, command line and mkiso.py). The serial console is checked against
the case's ordered expectations, then QEMU's exit code. Full console logs
go to BUILD/tests/logs/NAME.log.

Prints `PASS name (Ns)` or `FAIL name: ...` with the last 40 console lines,
then `RESULT: N passed, N failed`; exits 1 if anything failed.

Environment: QEMU (default qemu-system-x86_64), FAULTLINE_TEST_JOBS.
"""

import argparse
import concurrent.futures
import glob
import hashlib
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, 'boot'))

import qemu_boot  # noqa: E402

from console import Console, ExpectError  # noqa: E402
import cases as case_defs  # noqa: E402
import boot_cases  # noqa: E402
try:
    import shell_cases  # noqa: E402
except ImportError:  # not written yet
    shell_cases = None
import readme_cases  # noqa: E402
import trace_cases  # noqa: E402
import run_cases  # noqa: E402
import process_authority_cases  # noqa: E402
import fault_authority_cases  # noqa: E402
import pager_authority_cases  # noqa: E402
from cases import CaseFailure  # noqa: E402

MKISO = os.path.join(REPO, 'boot', 'mkiso.py')
TAIL_LINES = 40

EXIT_MEANING = {
    0: 'QEMU exited normally: triple fault/reset (with -no-reboot) or ACPI shutdown',
    1: 'QEMU error',
    33: 'isa-debug-exit 0x10: root task exited 0',
    35: 'isa-debug-exit 0x11: kernel panic',
    37: 'isa-debug-exit 0x12: root task exited non-zero',
}


def qemu_argv(iso, case=None, ctx=None):
    """Boot an ISO through the firmware and GRUB."""
    no_reboot = case is None or not case.reboots
    return qemu_boot.iso_argv(iso, no_reboot=no_reboot) + extra_qemu_args(case, ctx)


def extra_qemu_args(case, ctx):
    return list(case.qemu_args(ctx)) if case is not None and case.qemu_args else []


def direct_argv(case, ctx):
    """Boot the case's kernel and modules with QEMU's -kernel loader."""
    modules = (case.modules or case_defs.default_modules)(ctx)
    missing = [path for path, _ in modules if not os.path.isfile(path)]
    if missing:
        raise CaseFailure(f'build output missing: {", ".join(missing)} (run: ninja -C {ctx.build_dir})')
    try:
        argv = qemu_boot.direct_argv(ctx.kernel_elf, modules, case.cmdline or '', no_reboot=not case.reboots)
    except ValueError as e:
        raise CaseFailure(str(e))
    return argv + extra_qemu_args(case, ctx)


def boot_argv(case, ctx):
    """Return (QEMU argv, whether a variant ISO was built)."""
    if case.boots_grub:
        iso, _, rebuilt = prepare_iso(case, ctx)
        return qemu_argv(iso, case, ctx), rebuilt
    return direct_argv(case, ctx), False


def describe_exit(rc):
    if rc is None:
        return 'still running'
    if rc < 0:
        return f'killed by signal {-rc}'
    return f'{rc} ({EXIT_MEANING.get(rc, "unexpected")})'


class Context:
    """Paths a case needs; helpers to make input files and variant ISOs."""

    def __init__(self, build_dir):
        self.build_dir = build_dir
        self.kernel_elf = os.path.join(build_dir, 'kernel', 'kernel.elf')
        self.init_elf = os.path.join(build_dir, 'servers', 'init', 'init.elf')
        # The servers and the initrd that the program cases boot with
        # (cases.full_modules, shell_cases.shell_modules); the initrd holds
        # every user/programs program and the shell.
        self.pager_elf = os.path.join(build_dir, 'servers', 'pager', 'pager.elf')
        self.fs_elf = os.path.join(build_dir, 'servers', 'fs', 'fs.elf')
        self.console_elf = os.path.join(build_dir, 'servers', 'console', 'console.elf')
        self.initrd = os.path.join(build_dir, 'user', 'programs', 'initrd.cpio')
        self.default_iso = os.path.join(build_dir, 'faultline.iso')
        self.iso_dir = os.path.join(build_dir, 'tests', 'isos')
        self.input_dir = os.path.join(self.iso_dir, 'inputs')
        self.log_dir = os.path.join(build_dir, 'tests', 'logs')

    def write_input(self, name, data):
        """Write a generated module file (only if its content changed)."""
        os.makedirs(self.input_dir, exist_ok=True)
        path = os.path.join(self.input_dir, name)
        try:
            with open(path, 'rb') as f:
                if f.read() == data:
                    return path
        except FileNotFoundError:
            pass
        tmp = path + '.tmp'
        with open(tmp, 'wb') as f:
            f.write(data)
        os.replace(tmp, path)
        return path

    def missing_inputs(self):
        return [p for p in (self.kernel_elf, self.init_elf, self.default_iso)
                if not os.path.isfile(p)]


def file_digest(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def prepare_iso(case, ctx):
    """Return (iso path, seconds spent building, whether it was rebuilt)."""
    if case.uses_default_iso:
        return ctx.default_iso, 0.0, False
    if case.iso is not None:
        t0 = time.monotonic()
        return case.iso(ctx), time.monotonic() - t0, False
    modules = (case.modules or case_defs.default_modules)(ctx)
    missing = [path for path, _ in modules if not os.path.isfile(path)]
    if missing:
        raise CaseFailure(f'build output missing: {", ".join(missing)} (run: ninja -C {ctx.build_dir})')
    cmdline = case.cmdline or ''
    h = hashlib.sha256()
    for part in [file_digest(MKISO), file_digest(ctx.kernel_elf), cmdline]:
        h.update(part.encode() + b'\0')
    for path, name in modules:
        h.update(name.encode() + b'\0' + file_digest(path).encode() + b'\0')
    iso = os.path.join(ctx.iso_dir, f'{case.name}-{h.hexdigest()[:16]}.iso')
    if os.path.isfile(iso):
        return iso, 0.0, False
    os.makedirs(ctx.iso_dir, exist_ok=True)
    stale_re = re.compile(re.escape(case.name) + r'-[0-9a-f]{16}\.iso')
    for stale in glob.glob(os.path.join(ctx.iso_dir, f'{case.name}-*.iso')):
        if stale_re.fullmatch(os.path.basename(stale)):
            os.unlink(stale)
    cmd = [sys.executable, MKISO, '--out', iso, '--kernel', ctx.kernel_elf]
    for path, name in modules:
        cmd += ['--module', f'{path}={name}']
    if cmdline:
        cmd += ['--cmdline', cmdline]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise CaseFailure(f'building the ISO failed: {" ".join(cmd)}\n{proc.stdout}')
    return iso, time.monotonic() - t0, True


def run_case(case, ctx, argv):
    """Boot QEMU with `argv` and run the case. Returns (ok, message lines)."""
    t0 = time.monotonic()
    log_path = os.path.join(ctx.log_dir, case.name + '.log')
    con = Console(argv, log_path=log_path, forbid=case.forbid)
    failure = None
    try:
        for i, step in enumerate(case.steps, 1):
            try:
                step.run(con, ctx)
            except ExpectError as e:
                failure = f'step {i}/{len(case.steps)}: {e}'
                break
            except CaseFailure as e:
                failure = f'step {i}/{len(case.steps)}: {e}'
                break
        if failure is None and case.exit_code is not None:
            rc = con.wait_exit(case.exit_timeout)
            if rc != case.exit_code:
                failure = (f'expected QEMU exit code {describe_exit(case.exit_code)}, got '
                           + (f'{describe_exit(rc)}' if rc is not None else
                              f'none: QEMU still running {case.exit_timeout:g}s after the last match'))
        if failure is not None:
            # Let the guest finish what it was printing (a panic dump, say)
            # so the log and the tail below are complete.
            con.wait_exit(1.0)
    finally:
        con.close()
    secs = time.monotonic() - t0
    if failure is None:
        return True, [f'PASS {case.name} ({secs:.1f}s)']
    lines = [f'FAIL {case.name}: {failure}',
             f'  ({secs:.1f}s, QEMU ' + ('killed by the runner' if con.killed else
                                         f'exit {describe_exit(con.returncode)}')
             + f'; full log: {log_path})',
             f'  --- last {TAIL_LINES} lines of serial output ---']
    lines += ['  | ' + line for line in con.tail(TAIL_LINES)]
    if con.stderr:
        lines.append('  --- QEMU stderr ---')
        lines += ['  | ' + line for line in
                  con.stderr.decode('utf-8', 'replace').rstrip('\n').split('\n')[-10:]]
    return False, lines


def main():
    ap = argparse.ArgumentParser(description='faultline integration tests (QEMU, TCG)')
    ap.add_argument('--build-dir', default=os.path.join(REPO, 'build'))
    ap.add_argument('--filter', action='append', default=[], metavar='SUBSTR',
                    help='run only cases whose name contains SUBSTR (repeatable: any)')
    ap.add_argument('--list', action='store_true', help='list case names and exit')
    ap.add_argument('--jobs', '-j', type=int,
                    default=int(os.environ.get('FAULTLINE_TEST_JOBS', '0')) or
                    min(2, os.cpu_count() or 1),
                    help='cases booted in parallel (default: 2, or 1 on one CPU)')
    args = ap.parse_args()

    all_cases = (case_defs.CASES + boot_cases.CASES + (shell_cases.CASES if shell_cases else [])
                 + readme_cases.CASES + trace_cases.CASES
                 + run_cases.CASES + process_authority_cases.CASES
                 + fault_authority_cases.CASES
                 + pager_authority_cases.CASES)
    selected = [c for c in all_cases
                if not args.filter or any(f in c.name for f in args.filter)]
    if args.list:
        for c in selected:
            print(c.name)
        return 0

    ctx = Context(os.path.abspath(args.build_dir))
    out_lock = threading.Lock()

    def say(lines):
        with out_lock:
            for line in lines:
                print(line)
            sys.stdout.flush()

    runnable = selected
    if not runnable:
        say(['no cases selected', 'RESULT: 0 passed, 0 failed'])
        return 1

    missing = ctx.missing_inputs()
    if missing:
        say([f'FAIL {c.name}: build output missing: {", ".join(missing)} (run: ninja -C {ctx.build_dir})'
             for c in runnable] + [f'RESULT: 0 passed, {len(runnable)} failed'])
        return 1
    if os.path.getmtime(ctx.default_iso) < max(os.path.getmtime(ctx.kernel_elf),
                                                os.path.getmtime(ctx.init_elf)):
        say([f'warning: {ctx.default_iso} is older than kernel.elf/init.elf; '
             f'run ninja -C {ctx.build_dir}'])

    t_start = time.monotonic()
    passed = failed = 0
    # Variant GRUB ISOs first, one at a time (each grub-mkrescue takes well
    # under a second); direct boots need nothing built.
    argvs = {}
    built = 0
    t_iso = time.monotonic()
    for c in runnable:
        try:
            argvs[c.name], rebuilt = boot_argv(c, ctx)
            built += rebuilt
        except (CaseFailure, OSError) as e:
            say([f'FAIL {c.name}: {e}'])
            failed += 1
    if built:
        say([f'built {built} variant ISO(s) in {time.monotonic() - t_iso:.1f}s'])

    todo = [c for c in runnable if c.name in argvs]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(run_case, c, ctx, argvs[c.name]): c for c in todo}
        try:
            for fut in concurrent.futures.as_completed(futures):
                c = futures[fut]
                try:
                    ok, lines = fut.result()
                except Exception as e:  # a harness bug must not hide the other cases
                    ok, lines = False, [f'FAIL {c.name}: runner error: {e!r}']
                passed += ok
                failed += not ok
                say(lines)
        except KeyboardInterrupt:
            for f in futures:
                f.cancel()
            raise

    say([f'integration: {len(todo)} boots in {time.monotonic() - t_start:.1f}s '
         f'({args.jobs} in parallel); logs in {ctx.log_dir}',
         f'RESULT: {passed} passed, {failed} failed'])
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
