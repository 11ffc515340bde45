#!/usr/bin/env python3
"""The ISO `make run` boots: BUILD/faultline.iso, or a variant with more
kernel options.

    run_image.py --build-dir BUILD [--cmdline 'pager.policy=eager loglevel=debug']

Prints the ISO's path on stdout (what to boot), and on stderr one line
saying what it made, if anything. With no options (an empty or blank --cmdline) the ISO
is BUILD/faultline.iso as meson built it. Otherwise it is
BUILD/run/faultline-cmdline.iso: the same kernel, modules, menu and timeout
(from BUILD/faultline.iso.json, written by mkiso.py --manifest), and each
menu entry's command line with the options added; an option whose key the
entry already sets (the entries' pager.policy=) replaces it, since the
kernel and init use the first word of a key. The variant is made again only
when the options, the inputs, mkiso.py or this script change.

Options GRUB cannot carry (quotes, backslashes, control or non-ASCII
characters) or a command line longer than the root task's copy of it are
refused with one line on stderr and exit status 2. Which options exist is
for the kernel and init to say when they boot (see README.md).

tests/integration/run_cases.py calls image_for() itself, so `make run
CMDLINE=...` and its test boot the same image.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MKISO = os.path.join(HERE, 'mkiso.py')
VARIANT = os.path.join('run', 'faultline-cmdline.iso')
# sizeof(ipc::RootBootInfo::command_line) - 1 (libipc/include/ipc/root_boot_info.h):
# the root task sees no more of the line than this.
MAX_COMMAND_LINE = 511
# Characters a word may hold: printable ASCII except those GRUB's quoting
# (mkiso.py grub_quote) or a shell would change.
REFUSED = set('\'"\\`')


class RunImageError(Exception):
    """What is wrong with the request, in one line."""


def check_options(options):
    """The words of `options`; raises RunImageError naming a bad character."""
    for ch in options:
        if ch in REFUSED or not (ch == ' ' or '!' <= ch <= '~'):
            shown = repr(ch)
            raise RunImageError(f'CMDLINE may not contain {shown}: GRUB cannot pass it to the kernel as written '
                                f'(options are plain words like pager.policy=eager)')
    return options.split()


def key_of(word):
    return word.split('=', 1)[0]


def merged_entries(entries, words):
    """Each entry's command line with `words` added (replacing the entry's
    words with the same keys); entries that become the same are kept once."""
    keys = {key_of(w) for w in words}
    seen = set()
    result = []
    for _, cmdline in entries:
        kept = [w for w in cmdline.split() if key_of(w) not in keys]
        line = ' '.join(kept + words)
        if line in seen:
            continue
        seen.add(line)
        if len(line) > MAX_COMMAND_LINE:
            raise RunImageError(f'the command line "{line[:60]}..." would be {len(line)} characters: '
                                f'the root task gets at most {MAX_COMMAND_LINE}')
        result.append((f'faultline: {line}', line))
    return result


def _content_key(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def _stat_key(path):
    st = os.stat(path)
    return f'{path}\0{st.st_size}\0{st.st_mtime_ns}'


def image_for(build_dir, options, out=None):
    """The ISO to boot for `options` (a string of kernel options, maybe
    empty): returns (path, one line saying what was done, or None). A
    variant goes to `out` (default BUILD/run/faultline-cmdline.iso; tests
    keep theirs apart). Raises RunImageError."""
    build_dir = os.path.abspath(build_dir)
    default_iso = os.path.join(build_dir, 'faultline.iso')
    words = check_options(options)
    if not words:
        if not os.path.isfile(default_iso):
            raise RunImageError(f'{default_iso} is missing (build it: ninja -C {build_dir} faultline.iso)')
        return default_iso, None
    manifest_path = default_iso + '.json'
    try:
        with open(manifest_path) as f:
            manifest_text = f.read()
        manifest = json.loads(manifest_text)
        kernel = manifest['kernel']
        modules = manifest['modules']
        entries = manifest['entries']
        timeout = int(manifest['timeout'])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise RunImageError(f'cannot read {manifest_path} ({e}); build it: ninja -C {build_dir} faultline.iso')
    new_entries = merged_entries(entries, words)

    out = os.path.abspath(out) if out else os.path.join(build_dir, VARIANT)
    stamp = out + '.inputs'
    h = hashlib.sha256()
    try:
        # This script and mkiso.py by content: how the image is made.
        makers = [_content_key(os.path.abspath(__file__)), _content_key(MKISO)]
        for part in [options, manifest_text, _stat_key(kernel)] + [_stat_key(p) for p, _ in modules] + makers:
            h.update(part.encode() + b'\0')
    except OSError as e:
        raise RunImageError(f'an input of the image is missing ({e}); build it: ninja -C {build_dir} faultline.iso')
    digest = h.hexdigest()
    try:
        with open(stamp) as f:
            up_to_date = f.read().strip() == digest and os.path.isfile(out)
    except OSError:
        up_to_date = False
    what = f'{out}: every boot entry with {" ".join(words)}'
    if up_to_date:
        return out, f'{what} (up to date)'

    cmd = [sys.executable, MKISO, '--out', out, '--kernel', kernel, '--timeout', str(timeout)]
    for path, name in modules:
        cmd += ['--module', f'{path}={name}']
    for title, line in new_entries:
        cmd += ['--entry', f'{title}|{line}']
    os.makedirs(os.path.dirname(out), exist_ok=True)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise RunImageError(f'making {out} failed: {proc.stdout.strip()}')
    with open(stamp + '.tmp', 'w') as f:
        f.write(digest + '\n')
    os.replace(stamp + '.tmp', stamp)
    return out, f'made {what}'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--build-dir', required=True)
    ap.add_argument('--cmdline', default='', help='kernel options to add to every boot entry')
    args = ap.parse_args()
    try:
        path, said = image_for(args.build_dir, args.cmdline)
    except RunImageError as e:
        print(f'make run: {e}', file=sys.stderr)
        return 2
    if said:
        print(f'make run: {said}', file=sys.stderr)
    print(path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
