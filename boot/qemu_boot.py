"""QEMU command lines for faultline's two boot paths, shared by the tests
and the benchmarks.

- `iso_argv`: firmware (SeaBIOS), then GRUB from the ISO, which loads the
  kernel and modules by multiboot2. This is what `make run` boots, with a menu
  and the GRUB integration tests.
- `direct_argv`: QEMU's own loader (`-kernel`/`-initrd`/`-append`) boots
  kernel.elf by its multiboot 1 header with the modules passed by QEMU: no
  disk, no GRUB, no menu wait. The same kernel and the same module files; the
  kernel reads the module names from the strings QEMU passes ("PATH NAME").
  Under `-icount shift=0` this takes about a second where GRUB took minutes.

Both use the same machine: 256 MiB, qemu64, one CPU, COM1 on stdio, and the
isa-debug-exit device at 0xf4 through which the kernel ends the run.
"""

import os

MACHINE = ['-m', '256M', '-cpu', 'qemu64', '-smp', '1']
EXIT_DEVICE = ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']


def qemu_binary():
    return os.environ.get('QEMU', 'qemu-system-x86_64')


def console_args(no_reboot=True, serial='stdio'):
    return ['-serial', serial, '-display', 'none', '-monitor', 'none'] + \
        (['-no-reboot'] if no_reboot else []) + EXIT_DEVICE


def iso_argv(iso, icount=None, no_reboot=True):
    return [qemu_binary(), '-cdrom', iso] + MACHINE + \
        (['-icount', icount] if icount else []) + console_args(no_reboot)


def initrd_arg(modules):
    """QEMU's -initrd list: "PATH NAME,PATH NAME". QEMU takes the first space
    as the end of the path and ",," as a comma in it, so a path with a space
    cannot be passed at all."""
    parts = []
    for path, name in modules:
        if ' ' in path or ' ' in name or ',' in name or not name:
            raise ValueError(f'cannot pass module {path!r} named {name!r} to QEMU -initrd '
                             f'(no spaces in paths or names, no commas in names)')
        parts.append(f'{path.replace(",", ",,")} {name}')
    return ','.join(parts)


def direct_argv(kernel, modules, cmdline='', icount=None, no_reboot=True, serial='stdio'):
    """Boot `kernel` (an ELF with the multiboot 1 header) directly with
    `modules` [(path, name)] in order and the kernel command line `cmdline`;
    COM1 goes to `serial` (a QEMU chardev)."""
    argv = [qemu_binary(), '-kernel', kernel]
    if modules:
        argv += ['-initrd', initrd_arg(modules)]
    argv += ['-append', cmdline]
    return argv + MACHINE + (['-icount', icount] if icount else []) + console_args(no_reboot, serial)
