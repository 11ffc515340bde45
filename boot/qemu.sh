#!/bin/sh
# Interactive run: boot a faultline ISO in QEMU (TCG) with COM1 on this
# terminal.  Usage: boot/qemu.sh ISO [extra qemu args...]
#
# FAULTLINE_TRACE_FILE=PATH (make run sets it to BUILD/trace.jsonl): COM2,
# the pager's trace channel, is written to PATH (replaced at each boot).
#
# A reset (the shell's `reboot`) restarts the machine into GRUB, as on a
# real one. The kernel leaves QEMU through the isa-debug-exit device at
# port 0xf4; QEMU then exits with (value << 1) | 1:
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

trace_note=""
if [ -n "${FAULTLINE_TRACE_FILE:-}" ]; then
    case "$FAULTLINE_TRACE_FILE" in
        *,*) echo "$0: FAULTLINE_TRACE_FILE may not contain a comma (QEMU option syntax): $FAULTLINE_TRACE_FILE" >&2
             exit 2 ;;
    esac
    set -- -serial "file:$FAULTLINE_TRACE_FILE" "$@"
    trace_note="; trace (COM2) to $FAULTLINE_TRACE_FILE"
fi

# GRUB clears the screen: the shell repeats how to quit after it.
echo "faultline: booting $iso in QEMU (serial console here$trace_note); Ctrl-A then X quits" >&2

# Not `exec`: the exit code has to be translated after QEMU returns.
# COM1 is the first -serial, COM2 (the trace, if any) the next in "$@".
qemu-system-x86_64 -cdrom "$iso" -m 256M -cpu qemu64 -smp 1 \
    -serial mon:stdio -display none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@"
rc=$?
if [ "$rc" -eq 33 ]; then
    exit 0
fi
exit "$rc"
