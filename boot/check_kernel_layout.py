#!/usr/bin/env python3
"""Check that kernel.elf can be booted by QEMU's multiboot 1 loader.

    check_kernel_layout.py KERNEL_ELF STAMP

QEMU's `-kernel` loader refuses 64-bit ELF files for multiboot 1 unless the
header carries its own load addresses (boot/multiboot_headers.S); it then
copies the file from (header offset - (header_addr - load_addr)) up to
load_end_addr as one block and zeroes up to bss_end_addr. That boots the
kernel only if

  * the multiboot 1 header is in the first 8 KiB, 4-aligned, with a valid
    checksum and the address-fields flag;
  * every PT_LOAD segment lies in the file at the same distance from its
    physical address (offset - paddr is one constant), so the block copy
    puts every byte where the ELF says;
  * only the last segment has memory beyond its file bytes (.bss), and
    load_end_addr / bss_end_addr / entry_addr are that segment's file end,
    its memory end and the ELF entry point.

GRUB (multiboot2) loads by program headers and does not care. Writes STAMP
when everything holds; otherwise prints what is wrong and exits 1, so a
linker-script change that would break the direct boot fails the build.
"""

import struct
import sys

MB1_MAGIC = 0x1BADB002
MB1_ADDRESS_FIELDS = 1 << 16
MB1_SEARCH_BYTES = 8192
PT_LOAD = 1


def fail(msg):
    print(f'check_kernel_layout: {msg}', file=sys.stderr)
    sys.exit(1)


def load_segments(data):
    if data[:4] != b'\x7fELF' or data[4] != 2:
        fail('not an ELF64 file')
    (e_entry, e_phoff) = struct.unpack_from('<QQ', data, 24)
    (e_phentsize, e_phnum) = struct.unpack_from('<HH', data, 54)
    segments = []
    for i in range(e_phnum):
        (p_type, _flags, offset, _vaddr, paddr, filesz, memsz, _align) = \
            struct.unpack_from('<IIQQQQQQ', data, e_phoff + i * e_phentsize)
        if p_type == PT_LOAD and memsz:
            segments.append((paddr, offset, filesz, memsz))
    if not segments:
        fail('no PT_LOAD segments')
    return e_entry, sorted(segments)


def find_header(data):
    for at in range(0, min(len(data), MB1_SEARCH_BYTES) - 32 + 1, 4):
        magic, flags, checksum = struct.unpack_from('<III', data, at)
        if magic == MB1_MAGIC and (magic + flags + checksum) & 0xFFFFFFFF == 0:
            return at, flags, struct.unpack_from('<IIIII', data, at + 12)
    fail(f'no multiboot 1 header (magic {MB1_MAGIC:#x}, valid checksum) in the first {MB1_SEARCH_BYTES} bytes')


def main(argv):
    if len(argv) != 3:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    with open(argv[1], 'rb') as f:
        data = f.read()
    entry, segments = load_segments(data)
    at, flags, (header_addr, load_addr, load_end, bss_end, entry_addr) = find_header(data)
    if not flags & MB1_ADDRESS_FIELDS:
        fail('the multiboot 1 header lacks the address-fields flag (bit 16)')

    distance = segments[0][1] - segments[0][0]
    for paddr, offset, filesz, memsz in segments:
        if offset - paddr != distance:
            fail(f'segment at physical {paddr:#x} is at file offset {offset:#x}: '
                 f'{offset - paddr:#x} from its address, the first segment is {distance:#x} '
                 f'(a NOLOAD or @nobits section between segments?)')
    for paddr, offset, filesz, memsz in segments[:-1]:
        if filesz != memsz:
            fail(f'segment at physical {paddr:#x} has {memsz - filesz} bytes of memory beyond its file '
                 f'bytes; only the last segment may')
    last = segments[-1]
    want = {
        'header_addr': (header_addr, at - distance),
        'load_addr': (load_addr, segments[0][0]),
        'load_end_addr': (load_end, last[0] + last[2]),
        'bss_end_addr': (bss_end, last[0] + last[3]),
        'entry_addr': (entry_addr, entry),
    }
    for name, (got, expected) in want.items():
        if got != expected:
            fail(f'multiboot 1 header {name} is {got:#x}, the ELF says {expected:#x}')
    with open(argv[2], 'w') as f:
        f.write(f'multiboot 1 layout ok: load {load_addr:#x}-{load_end:#x}, bss to {bss_end:#x}, '
                f'entry {entry_addr:#x}\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
