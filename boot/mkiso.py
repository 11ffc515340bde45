#!/usr/bin/env python3
"""Build a bootable GRUB (BIOS, multiboot2) ISO for faultline.

    mkiso.py --out ISO --kernel KERNEL_ELF [--module PATH=NAME ...]
             [--cmdline "STR"] [--entry "TITLE|CMDLINE" ...] [--timeout S]
             [--manifest JSON]

The kernel is copied to /boot/kernel.elf and every module to
/boot/modules/NAME; each menu entry loads the kernel with its command line
and passes the modules (in the order given) with their NAME as the module
string. GRUB talks on COM1 at 115200 baud so the whole boot is visible on
the serial console. The ISO is written to a temporary name and renamed into
place, so an interrupted build never leaves a half-written image behind.

--manifest writes what went into the image (absolute kernel and module
paths, menu entries, timeout) as JSON, so boot/run_image.py can make a
variant of it with more kernel options without repeating the module list.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from atomic_output import atomic_output

NAME_RE = re.compile(r'^[A-Za-z0-9_.+-]+$')


def die(msg):
    print(f'mkiso: {msg}', file=sys.stderr)
    sys.exit(1)


def grub_quote(s):
    """Quote a word for grub.cfg (single quotes; embedded ones escaped)."""
    if s and re.fullmatch(r"[A-Za-z0-9_.,:/=+@%-]+", s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"


def parse_module(spec):
    if '=' not in spec:
        die(f'--module expects PATH=NAME, got {spec!r}')
    path, name = spec.rsplit('=', 1)
    if not NAME_RE.match(name) or name in ('.', '..'):
        die(f'module name {name!r} must be a simple token ([A-Za-z0-9_.+-])')
    if not os.path.isfile(path):
        die(f'module file not found: {path}')
    return path, name


def parse_entry(spec):
    title, sep, cmdline = spec.partition('|')
    if not sep:
        die(f'--entry expects "TITLE|CMDLINE", got {spec!r}')
    if not title:
        die('--entry title must not be empty')
    return title, cmdline


def make_grub_cfg(entries, modules, timeout=0):
    lines = [
        'serial --unit=0 --speed=115200',
        'terminal_input serial console',
        'terminal_output serial console',
        f'set timeout={timeout}',
        'set timeout_style=menu' if timeout else 'set timeout_style=hidden',
        'set default=0',
        '',
    ]
    for title, cmdline in entries:
        lines.append(f'menuentry {grub_quote(title)} {{')
        kernel_line = '    multiboot2 /boot/kernel.elf'
        if cmdline:
            # The whole string goes to the kernel verbatim as one GRUB word
            # list; quote each whitespace-separated word individually so the
            # kernel sees the words joined by single spaces.
            kernel_line += ' ' + ' '.join(grub_quote(w) for w in cmdline.split())
        lines.append(kernel_line)
        for _, name in modules:
            lines.append(f'    module2 /boot/modules/{name} {name}')
        lines.append('    boot')
        lines.append('}')
        lines.append('')
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', required=True, help='ISO to write')
    ap.add_argument('--kernel', required=True, help='multiboot2 kernel ELF')
    ap.add_argument('--module', action='append', default=[], metavar='PATH=NAME',
                    help='add a multiboot2 module (repeatable, order kept)')
    ap.add_argument('--cmdline', default='',
                    help='kernel command line for the default entry')
    ap.add_argument('--entry', action='append', default=[], metavar='TITLE|CMDLINE',
                    help='menu entry (repeatable; the first is the default)')
    ap.add_argument('--timeout', type=int, default=0,
                    help='seconds the GRUB menu waits for a choice (0: boot the default at once)')
    ap.add_argument('--manifest', metavar='JSON',
                    help='also write what went into the image here (see boot/run_image.py)')
    args = ap.parse_args()

    if not os.path.isfile(args.kernel):
        die(f'kernel not found: {args.kernel}')
    modules = [parse_module(m) for m in args.module]
    names = [n for _, n in modules]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        die(f'duplicate module name(s): {", ".join(sorted(dup))}')
    if args.entry:
        if args.cmdline:
            die('use either --cmdline or --entry, not both')
        entries = [parse_entry(e) for e in args.entry]
    else:
        entries = [('faultline', args.cmdline)]

    grub_mkrescue = shutil.which('grub-mkrescue')
    if not grub_mkrescue:
        die('grub-mkrescue not found (install grub-pc-bin grub-common xorriso mtools: make deps)')

    out = os.path.abspath(args.out)
    out_dir = os.path.dirname(out)
    os.makedirs(out_dir, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix='faultline-iso-') as tmp:
        staging = os.path.join(tmp, 'root')
        os.makedirs(os.path.join(staging, 'boot', 'grub'))
        os.makedirs(os.path.join(staging, 'boot', 'modules'))
        shutil.copyfile(args.kernel, os.path.join(staging, 'boot', 'kernel.elf'))
        for path, name in modules:
            shutil.copyfile(path, os.path.join(staging, 'boot', 'modules', name))
        with open(os.path.join(staging, 'boot', 'grub', 'grub.cfg'), 'w') as f:
            f.write(make_grub_cfg(entries, modules, args.timeout))

        with atomic_output(out) as tmp_out:
            # Only the BIOS (i386-pc) platform: keeps the image small and the
            # build fast; QEMU's default SeaBIOS boots it from -cdrom.
            cmd = [grub_mkrescue, '-o', tmp_out]
            if os.path.isdir('/usr/lib/grub/i386-pc'):
                cmd += ['-d', '/usr/lib/grub/i386-pc']
            cmd += [staging]
            env = dict(os.environ, LC_ALL='C')
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=env, text=True, errors='replace')
            if proc.returncode != 0 or os.path.getsize(tmp_out) == 0:
                sys.stderr.write(proc.stdout)
                sys.stderr.write(proc.stderr)
                die(f'grub-mkrescue failed (exit {proc.returncode})')
    if args.manifest:
        manifest = {
            'kernel': os.path.abspath(args.kernel),
            'modules': [[os.path.abspath(path), name] for path, name in modules],
            'entries': [[title, cmdline] for title, cmdline in entries],
            'timeout': args.timeout,
        }
        with atomic_output(os.path.abspath(args.manifest)) as tmp_manifest:
            with open(tmp_manifest, 'w') as f:
                json.dump(manifest, f, indent=1)
                f.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
