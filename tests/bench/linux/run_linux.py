#!/usr/bin/env python3
"""The Linux side of `make bench` (issue 6).

    run_linux.py --out-dir BUILD/bench [--count N]

1. `apt-get download` Debian's cloud kernel (linux-image-cloud-amd64 is a
   metapackage: its linux-image-*-cloud-amd64 dependency holds the kernel)
   into OUT/linux/ -- downloaded only, never installed -- and extracts
   /boot/vmlinuz-* with `dpkg-deb -x`;
2. builds tests/bench/linux/bench.c with `gcc -static -O2` as /init of a
   newc initramfs (written here, with /dev/console, plus a 256 KiB data
   file /bench.dat for the file-fault row);
3. boots it with the same emulator and flags as faultline's benchmark
   (`-icount shift=0 -m 256M -cpu qemu64 -smp 1`), and collects the
   `benchjson:` rows into OUT/linux.jsonl and the console into OUT/linux.log.

The .deb, the kernel and the initramfs are kept in OUT/linux/ and reused.
"""

import argparse
import glob
import json
import os
import random
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
META = 'linux-image-cloud-amd64'


def log(msg):
    print(f'run_linux: {msg}', flush=True)


def kernel_package():
    """The versioned package the metapackage depends on."""
    out = subprocess.run(['apt-cache', 'depends', META], stdout=subprocess.PIPE, text=True, check=True).stdout
    for line in out.splitlines():
        m = re.match(r'\s*Depends:\s*(linux-image-\S+-cloud-amd64)\s*$', line)
        if m:
            return m.group(1)
    raise SystemExit(f'run_linux: cannot resolve the kernel package of {META}:\n{out}')


def fetch_kernel(work):
    found = sorted(glob.glob(os.path.join(work, 'root', 'boot', 'vmlinuz-*')))
    if found:
        return found[-1]
    package = kernel_package()
    debs = glob.glob(os.path.join(work, package + '_*.deb'))
    if not debs:
        log(f'apt-get download {package}')
        subprocess.run(['apt-get', 'download', package], cwd=work, check=True)
        debs = glob.glob(os.path.join(work, package + '_*.deb'))
    if not debs:
        raise SystemExit('run_linux: apt-get download left no .deb')
    root = os.path.join(work, 'root')
    os.makedirs(root, exist_ok=True)
    subprocess.run(['dpkg-deb', '-x', debs[0], root], check=True)
    found = sorted(glob.glob(os.path.join(root, 'boot', 'vmlinuz-*')))
    if not found:
        raise SystemExit('run_linux: no /boot/vmlinuz-* in the package')
    return found[-1]


def cpio_newc(entries):
    """entries: (name, mode, data bytes, rdevmajor, rdevminor) -> newc archive bytes."""
    out = bytearray()
    ino = 1
    for name, mode, data, major, minor in entries + [('TRAILER!!!', 0, b'', 0, 0)]:
        nb = name.encode() + b'\0'
        header = '070701' + ''.join(f'{v:08x}' for v in [
            ino, mode, 0, 0, 1, 1_700_000_000, len(data), 0, 0, major, minor, len(nb), 0])
        out += header.encode() + nb
        out += b'\0' * ((4 - len(out) % 4) % 4)
        out += data
        out += b'\0' * ((4 - len(out) % 4) % 4)
        ino += 1
    return bytes(out)


def build_initramfs(work):
    init = os.path.join(work, 'init')
    src = os.path.join(HERE, 'bench.c')
    if not os.path.isfile(init) or os.path.getmtime(init) < os.path.getmtime(src):
        log('gcc -static -O2 bench.c')
        subprocess.run(['gcc', '-static', '-O2', '-Wall', '-o', init, src, '-lpthread'], check=True)
    rng = random.Random(6)
    data = bytes(rng.getrandbits(8) for _ in range(64 * 4096))
    entries = [
        ('dev', 0o040755, b'', 0, 0),
        ('dev/console', 0o020600, b'', 5, 1),
        ('proc', 0o040755, b'', 0, 0),
        ('sys', 0o040755, b'', 0, 0),
        ('init', 0o100755, open(init, 'rb').read(), 0, 0),
        ('bench.dat', 0o100644, data, 0, 0),
    ]
    path = os.path.join(work, 'initramfs.cpio')
    with open(path, 'wb') as f:
        f.write(cpio_newc(entries))
    return path


def boot(kernel, initramfs, count, log_path, timeout):
    argv = [os.environ.get('QEMU', 'qemu-system-x86_64'),
            '-kernel', kernel, '-initrd', initramfs,
            '-append', f'console=ttyS0 quiet panic=-1 bench.count={count}',
            '-m', '256M', '-cpu', 'qemu64', '-smp', '1', '-icount', 'shift=0',
            '-serial', 'stdio', '-display', 'none', '-monitor', 'none',
            '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']
    log(' '.join(argv))
    t0 = time.monotonic()
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout)
        data = proc.stdout
    except subprocess.TimeoutExpired as e:
        log(f'timed out after {timeout:.0f} s')
        data = e.stdout or b''
    with open(log_path, 'wb') as f:
        f.write(data)
    log(f'QEMU ran {time.monotonic() - t0:.1f} s')
    return data.decode('utf-8', 'replace').replace('\r', '')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out-dir', required=True)
    ap.add_argument('--count', type=int, default=200)
    ap.add_argument('--timeout', type=float, default=600.0)
    args = ap.parse_args()
    out = os.path.abspath(args.out_dir)
    work = os.path.join(out, 'linux')
    os.makedirs(work, exist_ok=True)
    kernel = fetch_kernel(work)
    initramfs = build_initramfs(work)
    text = boot(kernel, initramfs, args.count, os.path.join(out, 'linux.log'), args.timeout)
    rows = []
    for line in text.split('\n'):
        m = re.search(r'benchjson: (\{.*\})\s*$', line)
        if m:
            try:
                rows.append(json.loads(m.group(1)))
            except json.JSONDecodeError:
                pass
        elif line.startswith('bench:'):
            print('  linux ' + line)
    with open(os.path.join(out, 'linux.jsonl'), 'w') as f:
        for row in rows:
            row['kernel'] = os.path.basename(kernel)
            f.write(json.dumps(row) + '\n')
    if not rows:
        log('no rows (see ' + os.path.join(out, 'linux.log') + ')')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
