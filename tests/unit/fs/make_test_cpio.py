#!/usr/bin/env python3
"""Builds the initrd archives the cpio unit tests read, with the real GNU cpio.

A temporary tree holds files whose sizes and bytes the tests know
(cpio_tests.cpp repeats the patterns), then
  find . | sort | cpio -o -H newc       -> --newc        (the initrd format)
  find . | sort | cpio -o -H crc        -> --crc         (070702, checksummed)
  find . -type f | sort | cpio -o -H newc -> --files-only (no directory records:
                                            every directory is implicit)
`sort` only makes the record order independent of the file system.
"""

import argparse
import os
import subprocess
import tempfile

MTIME = 1_700_000_000  # fixed, so the tests can check it


def pattern(size, modulus):
    return bytes(i % modulus for i in range(size))


def populate(root):
    def write(path, data, mode=0o644):
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        os.chmod(full, mode)

    write("empty", b"")
    write("page.bin", pattern(4096, 253))
    write("pattern.bin", pattern(5000, 251), 0o640)
    write("a/b/c.txt", b"hello from a/b/c.txt\n")
    write("a/top.txt", b"a\n")
    # Sizes 1..3 and names of 1..4 bytes exercise every padding length.
    write("p1", b"1")
    write("p22", b"22")
    write("p333", b"333")
    write("x", b"")
    write("long/" + "n" * 200 + ".txt", b"long name\n")
    os.makedirs(os.path.join(root, "emptydir"))
    # A hard link: newc stores the data with the last link only.
    write("links/one", b"linked data\n")
    os.link(os.path.join(root, "links/one"), os.path.join(root, "links/two"))
    os.symlink("a/b/c.txt", os.path.join(root, "symlink"))

    for directory, _, _ in os.walk(root):
        os.chmod(directory, 0o755)
    for directory, dirs, files in os.walk(root):
        for name in dirs + files + ["."]:
            os.utime(os.path.join(directory, name), (MTIME, MTIME), follow_symlinks=False)


def archive(root, out, fmt, find_args):
    names = subprocess.run(["find", "."] + find_args, cwd=root, check=True, capture_output=True,
                           env={**os.environ, "LC_ALL": "C"}).stdout
    names = b"".join(sorted(line + b"\n" for line in names.splitlines()))
    with open(out, "wb") as f:
        subprocess.run(["cpio", "--quiet", "-o", "-H", fmt], cwd=root, input=names, stdout=f, check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--newc", required=True)
    parser.add_argument("--crc", required=True)
    parser.add_argument("--files-only", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        os.umask(0o022)
        populate(root)
        archive(root, args.newc, "newc", [])
        archive(root, args.crc, "crc", [])
        archive(root, args.files_only, "newc", ["-type", "f"])


if __name__ == "__main__":
    main()
