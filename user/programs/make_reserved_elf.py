#!/usr/bin/env python3
"""Writes a copy of an ELF program with one loadable segment moved onto the
IPC buffer page every process has (ipc::proto::process_ipc_buffer_address,
libipc/include/ipc/proto/slots.h): the pager must refuse the program when
init asks it to lay it out, with "segment over a page the system
reserves", instead of accepting it and killing it later.

    make_reserved_elf.py IN OUT

The moved segment is the first PT_LOAD that does not hold the entry point;
its file offset is kept, and its address keeps the offset's place in the page."""

import struct
import sys

IPC_BUFFER_ADDRESS = 0x0000_7fff_d000_0000
PT_LOAD = 1


def main():
    source, target = sys.argv[1], sys.argv[2]
    data = bytearray(open(source, 'rb').read())
    if data[:4] != b'\x7fELF' or data[4] != 2:
        sys.exit(f'{source}: not a 64-bit ELF')
    entry, phoff = struct.unpack_from('<QQ', data, 24)
    phentsize, phnum = struct.unpack_from('<HH', data, 54)
    for i in range(phnum):
        at = phoff + i * phentsize
        p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz = struct.unpack_from('<IIQQQQQ', data, at)
        if p_type != PT_LOAD or p_vaddr <= entry < p_vaddr + p_memsz:
            continue
        moved = IPC_BUFFER_ADDRESS + (p_offset % 4096)
        struct.pack_into('<QQ', data, at + 16, moved, moved)
        open(target, 'wb').write(data)
        return
    sys.exit(f'{source}: no loadable segment besides the one holding the entry point')


if __name__ == '__main__':
    main()
