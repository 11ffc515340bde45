#!/usr/bin/env python3
"""Run a command and measure what issue 11 budgets: its wall time and the
longest stretch in which it printed nothing.

    tools/time_run.py [--quiet] [--prompt REGEX --then TEXT] -- COMMAND [ARG...]

The command's output (stdout and stderr together) is passed through unless
--quiet. With --prompt, the time until the output first matches REGEX is
reported too, and TEXT (with "\\r" for Enter) is typed on the command's
stdin then: `tools/time_run.py --prompt 'faultline\\$ ' --then 'poweroff\\r'
-- make run` measures the first `make run` to its first prompt.
At the end, one line on stderr:

    time_run: 52.9 s wall, longest silence 4.6 s (before "PASS grub-entry-lazy"), exit 0
"""

import argparse
import os
import re
import selectors
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--quiet', action='store_true')
    ap.add_argument('--prompt', help='report the time until the output matches this regex')
    ap.add_argument('--then', default='', help='text to type when --prompt matches ("\\r" is Enter)')
    ap.add_argument('command', nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ['--'] else args.command
    if not command:
        ap.error('no command given')

    start = time.monotonic()
    proc = subprocess.Popen(command, stdin=subprocess.PIPE if args.prompt else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    last = start
    longest, longest_before = 0.0, ''
    seen = b''
    prompt_at = None
    pattern = re.compile(args.prompt.encode()) if args.prompt else None
    while True:
        sel.select()
        data = os.read(proc.stdout.fileno(), 65536)
        now = time.monotonic()
        if not data:
            break
        if now - last > longest:
            longest = now - last
            longest_before = data.decode('utf-8', 'replace').strip().split('\n')[0][:60]
        last = now
        if not args.quiet:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        if pattern and prompt_at is None:
            seen = (seen + data)[-4096:]
            if pattern.search(seen):
                prompt_at = now - start
                proc.stdin.write(args.then.replace('\\r', '\r').encode())
                proc.stdin.flush()
    rc = proc.wait()
    wall = time.monotonic() - start
    prompt = f', first match of --prompt after {prompt_at:.1f} s' if args.prompt and prompt_at is not None else (
        ', --prompt never matched' if args.prompt else '')
    print(f'time_run: {wall:.1f} s wall, longest silence {longest:.1f} s (before "{longest_before}")'
          f'{prompt}, exit {rc}', file=sys.stderr)
    return rc


if __name__ == '__main__':
    sys.exit(main())
