#!/usr/bin/env python3
"""Build the initrd: a cpio archive in the "newc" format for the file server.

    mkinitrd.py --out FILE.cpio --file SRC=DEST [--file SRC=DEST ...]

Every SRC is copied to DEST (a relative path such as bin/hello or etc/motd;
a leading '/' is dropped) in a temporary tree, which the real GNU cpio then
archives (`find . | sort | cpio -o -H newc`), as servers/fs/cpio.h expects.
Files under bin/ are made executable (0755), everything else 0644, and every
time stamp and owner is fixed, so the same inputs give the same archive. The
archive is written to a temporary name and renamed into place, so an
interrupted build never leaves a half-written initrd behind.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from atomic_output import atomic_output

MTIME = 1_700_000_000  # fixed time stamp for every entry: reproducible archives


def die(msg):
    print(f'mkinitrd: {msg}', file=sys.stderr)
    sys.exit(1)


def parse_file(spec):
    if '=' not in spec:
        die(f'--file expects SRC=DEST, got {spec!r}')
    src, dest = spec.rsplit('=', 1)
    dest = dest.lstrip('/')
    parts = dest.split('/')
    if not dest or any(p in ('', '.', '..') for p in parts):
        die(f'bad destination path {dest!r} (no empty, "." or ".." components)')
    if not os.path.isfile(src):
        die(f'file not found: {src}')
    return src, dest


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', required=True, help='archive to write')
    ap.add_argument('--file', action='append', default=[], metavar='SRC=DEST',
                    help='put SRC into the archive as DEST (repeatable)')
    args = ap.parse_args()

    files = [parse_file(f) for f in args.file]
    dests = [d for _, d in files]
    dup = sorted({d for d in dests if dests.count(d) > 1})
    if dup:
        die(f'duplicate destination(s): {", ".join(dup)}')
    if not shutil.which('cpio'):
        die('cpio not found (install GNU cpio)')

    out = os.path.abspath(args.out)
    out_dir = os.path.dirname(out)
    os.makedirs(out_dir, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix='faultline-initrd-') as tmp:
        root = os.path.join(tmp, 'root')
        os.makedirs(root)
        for src, dest in files:
            path = os.path.join(root, dest)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            shutil.copyfile(src, path)
            os.chmod(path, 0o755 if dest.startswith('bin/') else 0o644)
        for directory, dirs, names in os.walk(root, topdown=False):
            for name in names + dirs:
                os.utime(os.path.join(directory, name), (MTIME, MTIME))
            os.chmod(directory, 0o755)
            os.utime(directory, (MTIME, MTIME))

        env = dict(os.environ, LC_ALL='C')
        listing = subprocess.run(['find', '.'], cwd=root, env=env, check=True,
                                 stdout=subprocess.PIPE).stdout
        names = b''.join(sorted(line + b'\n' for line in listing.splitlines()))

        with atomic_output(out) as tmp_out, open(tmp_out, 'wb') as f:
            proc = subprocess.run(['cpio', '-o', '-H', 'newc', '--quiet', '--reproducible',
                                   '-R', '0:0'],
                                  cwd=root, env=env, input=names, stdout=f,
                                  stderr=subprocess.PIPE)
            if proc.returncode != 0:
                sys.stderr.write(proc.stderr.decode('utf-8', 'replace'))
                die(f'cpio failed (exit {proc.returncode})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
