#!/usr/bin/env python3
"""Check that every C++ file of the tree is laid out as .clang-format says.

    tools/check_format.py [--fix]

The files are those git tracks (`*.cpp`, `*.h`), or, outside a git checkout,
every such file under the source directories. Runs Debian's clang-format
(package clang-format; `make deps` installs it) with --dry-run --Werror and
prints each file that differs, then `RESULT: 1 passed, 0 failed` or
`RESULT: 0 passed, 1 failed` (one check: the whole tree). --fix rewrites
the files in place instead.
"""

import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_DIRS = ['kernel', 'libipc', 'servers', 'user', 'tests', 'boot', 'tools']


def tracked_files():
    try:
        out = subprocess.run(['git', '-C', REPO, 'ls-files', '*.cpp', '*.h'], check=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
        files = [f for f in out.split('\n') if f]
        if files:
            return files
    except (OSError, subprocess.CalledProcessError):
        pass
    found = []
    for top in SOURCE_DIRS:
        for root, _, names in os.walk(os.path.join(REPO, top)):
            found += [os.path.relpath(os.path.join(root, n), REPO) for n in names if n.endswith(('.cpp', '.h'))]
    return sorted(found)


def main(argv):
    fix = '--fix' in argv[1:]
    tool = shutil.which('clang-format')
    if not tool:
        print('check_format: clang-format not found (install it: make deps)')
        print('RESULT: 0 passed, 1 failed')
        return 1
    files = tracked_files()
    if fix:
        subprocess.run([tool, '-i'] + files, cwd=REPO, check=True)
        print(f'check_format: formatted {len(files)} files')
        return 0
    bad = []
    for f in files:
        proc = subprocess.run([tool, '--dry-run', '--Werror', f], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            bad.append(f)
    version = subprocess.run([tool, '--version'], stdout=subprocess.PIPE, text=True).stdout.strip()
    for f in bad:
        print(f'check_format: {f} is not laid out as .clang-format says (fix: tools/check_format.py --fix)')
    print(f'check_format: {len(files) - len(bad)} of {len(files)} files formatted ({version})')
    print(f'RESULT: {0 if bad else 1} passed, {1 if bad else 0} failed')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
