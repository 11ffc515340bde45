#!/bin/sh
# Interactive run: boot a faultline ISO in QEMU (TCG) with COM1 on this
# terminal.  Usage: boot/qemu.sh ISO [extra qemu args...]
#
# The kernel leaves QEMU through the isa-debug-exit device at port 0xf4;
# QEMU then exits with (value << 1) | 1:
#   33 = clean shutdown (root task exited 0)  -> exit 0
#   35 = kernel panic, 37 = root task exited non-zero, anything else
#   (QEMU error, killed, ...) is passed through unchanged.
set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 ISO [extra qemu args...]" >&2
    exit 2
fi
iso=$1
shift
if [ ! -f "$iso" ]; then
    echo "$0: ISO not found: $iso (build it with: make build)" >&2
    exit 2
fi

echo "faultline: serial console on this terminal; quit QEMU with Ctrl-A then X" >&2

# Not `exec`: the exit code has to be translated after QEMU returns.
qemu-system-x86_64 -cdrom "$iso" -m 256M -cpu qemu64 -smp 1 \
    -serial mon:stdio -display none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@"
rc=$?
if [ "$rc" -eq 33 ]; then
    exit 0
fi
exit "$rc"
