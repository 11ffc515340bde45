#!/usr/bin/env python3
"""Where the instructions go: an exact instruction profile of a window of a
benchmark image, by function, across the kernel and user processes.

    profile.py --build-dir BUILD kbench --only CASE --start SYM --end SYM [--count N]
    profile.py --build-dir BUILD bench --start SYM --end SYM --processes bench,pager,fs

QEMU (TCG, no -icount needed: instruction counts do not depend on timing,
only the rare timer interrupt does) boots the image stopped; gdb puts a
hardware breakpoint on START (a function of the kbench or bench ELF), then
turns on QEMU's one-instruction-per-block mode and its exec log, runs to END
and turns both off. Every logged block is one retired instruction; each is
attributed to the function that holds its address: kernel addresses to
kernel.elf, user addresses to the ELF of the process whose page tables were
active (CR3 from QEMU's CPU log). User ELFs all link at 0x400000, so the
processes are told apart by CR3: the one active at START is the first of
--processes, and each new address space met after it is the next one.

--sequence prints the run of functions between two executions of --marker
(e.g. one fault of a loop), which is how docs/performance.md splits a fault
round trip into entry, message, pager, map and return.
"""

import argparse
import bisect
import collections
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'boot'))

import qemu_boot  # noqa: E402

SERVER_ELFS = {
    'init': 'servers/init/init.elf',
    'pager': 'servers/pager/pager.elf',
    'fs': 'servers/fs/fs.elf',
    'console': 'servers/console/console.elf',
    'bench': 'user/bench/bench.elf',
    'kbench': 'user/bench/kbench.elf',
}


class Symbols:
    def __init__(self, elf):
        out = subprocess.run(['nm', '-C', '--defined-only', '-n', elf], capture_output=True, text=True,
                             check=True).stdout
        entries = []
        for line in out.splitlines():
            parts = line.split(' ', 2)
            if len(parts) == 3 and parts[1].lower() in ('t', 'w'):
                entries.append((int(parts[0], 16), parts[2]))
        entries.sort()
        self.addresses = [a for a, _ in entries]
        self.names = [n for _, n in entries]

    def address_of(self, pattern):
        for address, name in zip(self.addresses, self.names):
            if re.search(pattern, name):
                return address
        return None

    def name_of(self, pc):
        i = bisect.bisect_right(self.addresses, pc) - 1
        return self.names[i] if i >= 0 else f'?{pc:x}'


def code_bytes(elf, address, n=8):
    """The n bytes the ELF file holds at a virtual address (section headers)."""
    with open(elf, 'rb') as f:
        data = f.read()
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum = struct.unpack_from('<HH', data, 0x3a)
    for i in range(shnum):
        _, kind, _, addr, offset, size = struct.unpack_from('<IIQQQQ', data, shoff + i * shentsize)
        if kind != 8 and addr <= address and address + n <= addr + size:  # 8: SHT_NOBITS
            return int.from_bytes(data[offset + address - addr:offset + address - addr + n], 'little')
    sys.exit(f'profile: {address:#x} is not in a section of {elf}')


def boot_image(args, build):
    """(kernel, modules, command line) of the image to profile, booted
    directly by QEMU (boot/qemu_boot.py), as `make bench` boots it."""
    kernel = os.path.join(build, 'kernel', 'kernel.elf')
    if args.image == 'kbench':
        cmdline = f'init=kbench kbench.count={args.count}' + (f' ktest.only={args.only}' if args.only else '')
        modules = [(os.path.join(build, SERVER_ELFS['kbench']), 'kbench')]
    else:
        cmdline = f'init.run=/bin/bench:{args.count}:1'
        modules = [(os.path.join(build, SERVER_ELFS[n]), n) for n in ('init', 'pager', 'fs', 'console')]
        modules.append((os.path.join(build, 'user', 'bench', 'bench-initrd.cpio'), 'initrd'))
    return kernel, modules, args.command_line or cmdline


def record(image, start, end, elf, log_path, work, start_hit=1):
    """Boot stopped, log every instruction between the two breakpoints.
    Every user program links at 0x400000, so a breakpoint address is code
    in other processes too: the start only counts where the bytes there are
    the image's own, the end only in the address space the start was in."""
    script = os.path.join(work, 'profile.gdb')
    with open(script, 'w') as f:
        f.write('set pagination off\ntarget remote :1234\n'
                f'hbreak *{start:#x} if *(unsigned long *){start:#x} == {code_bytes(elf, start):#x}\n'
                + (f'ignore 1 {start_hit - 1}\n' if start_hit > 1 else '') + 'continue\n'
                'set $space = $cr3\n'
                'monitor log exec,nochain,cpu\nmonitor singlestep on\ndelete\n'
                f'hbreak *{end:#x} if $cr3 == $space\ncontinue\nmonitor log none\nkill\nquit\n')
    kernel, modules, cmdline = image
    argv = qemu_boot.direct_argv(kernel, modules, cmdline, serial='file:' + os.path.join(work, 'serial.txt'))
    qemu = subprocess.Popen(argv + ['-gdb', 'tcp::1234', '-S', '-D', log_path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        subprocess.run(['gdb', '-batch', '-x', script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=600)
    finally:
        try:
            qemu.wait(timeout=10)
        except subprocess.TimeoutExpired:
            qemu.kill()


def attribute(log_path, kernel, processes):
    """The function name of every logged instruction, in order. QEMU prints
    each block's `Trace` line, then the CPU state it starts from (with CR3)."""
    names, cr3_owner, pending = [], {}, None
    trace = re.compile(r'^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/')
    cr3_line = re.compile(r'CR3=([0-9a-f]+)')

    def resolve(pc, cr3):
        if pc >= 0xffff800000000000:
            return kernel.name_of(pc)
        if cr3 not in cr3_owner:
            index = len(cr3_owner)
            cr3_owner[cr3] = processes[index] if index < len(processes) else None
        owner = cr3_owner[cr3]
        return f'{owner[0]}: {owner[1].name_of(pc)}' if owner else f'cr3 {cr3}: {pc:#x}'

    with open(log_path, errors='replace') as log:
        for line in log:
            m = trace.match(line)
            if m:
                pending = int(m.group(1), 16)
                continue
            m = cr3_line.search(line)
            if m and pending is not None:
                names.append(resolve(pending, m.group(1)))
                pending = None
    return names


def drop_timer_interrupts(names):
    """Without -icount the PIT follows the host clock, which the log slows
    down: ticks land everywhere. Each one, from its stub to the end of the
    return to user mode, is taken out (and counted)."""
    kept, dropped, inside = [], 0, False
    for i, name in enumerate(names):
        if name == 'interrupt_stub_32':
            inside = True
        if not inside:
            kept.append(name)
            continue
        dropped += 1
        if name == 'trap_frame_return' and (i + 1 == len(names) or names[i + 1] != 'trap_frame_return'):
            inside = False
    return kept, dropped


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build-dir', default='build')
    ap.add_argument('image', choices=['kbench', 'bench'])
    ap.add_argument('--only', help='kbench: the one case to run (ktest.only=)')
    ap.add_argument('--count', type=int, default=8, help='samples per row in the profiled run (default 8)')
    ap.add_argument('--command-line', help='the whole kernel command line instead of the default one '
                    '(e.g. "init.run=/bin/bench:pool:8 pager.pool=64")')
    ap.add_argument('--start', required=True, help='regex of the function (in the kbench/bench ELF) that opens the window')
    ap.add_argument('--end', required=True, help='regex of the function that closes it')
    ap.add_argument('--start-hit', type=int, default=1, metavar='N',
                    help='open the window at the N-th call of --start, not the first (e.g. 2: the warm run)')
    ap.add_argument('--processes', help='user processes in order of first appearance (default: the image ELF only)')
    ap.add_argument('--top', type=int, default=40)
    ap.add_argument('--marker', help='regex of a function; with --sequence, show one stretch between two of its runs')
    ap.add_argument('--sequence', type=int, metavar='K', help='the stretch after the K-th run of --marker')
    args = ap.parse_args()

    build = os.path.abspath(args.build_dir)
    kernel = Symbols(os.path.join(build, 'kernel', 'kernel.elf'))
    order = (args.processes or args.image).split(',')
    processes = [(n, Symbols(os.path.join(build, SERVER_ELFS[n]))) for n in order]
    image = processes[0][1]
    start, end = image.address_of(args.start), image.address_of(args.end)
    if start is None or end is None:
        sys.exit(f'profile: no function matches {args.start if start is None else args.end} in {order[0]}')
    if not shutil.which('gdb'):
        sys.exit('profile: needs gdb (apt-get install gdb)')

    work = tempfile.mkdtemp(prefix='faultline-profile-')
    log_path = os.path.join(work, 'qemu.log')
    record(boot_image(args, build), start, end, os.path.join(build, SERVER_ELFS[order[0]]), log_path, work, args.start_hit)
    names, ticks = drop_timer_interrupts(attribute(log_path, kernel, processes))
    print(f'profile: {len(names)} instructions from {args.start} to {args.end}, '
          f'not counting {ticks} in timer interrupts (log {log_path})')
    for name, count in collections.Counter(names).most_common(args.top):
        print(f'{count:9} {name[:110]}')
    if args.marker and args.sequence is not None:
        marked = [i for i, n in enumerate(names) if re.search(args.marker, n)]
        stretches = []
        for i in marked:
            if stretches and i == stretches[-1][1] + 1:
                stretches[-1][1] = i
            else:
                stretches.append([i, i])
        if args.sequence + 1 >= len(stretches):
            sys.exit(f'profile: --marker ran only {len(stretches)} times')
        a, b = stretches[args.sequence][1] + 1, stretches[args.sequence + 1][0]
        print(f'\nprofile: {b - a} instructions between runs {args.sequence} and {args.sequence + 1} of {args.marker}')
        previous, run = None, 0
        for name in names[a:b] + [None]:
            if name != previous and previous is not None:
                print(f'{run:7} {previous[:110]}')
                run = 0
            previous = name
            run += 1


if __name__ == '__main__':
    main()
