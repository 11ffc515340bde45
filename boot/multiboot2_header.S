/* Multiboot2 header: GRUB finds it in the first 32 KiB of kernel.elf and
 * loads the ELF segments at their physical (load) addresses. We ask for no
 * extra tags; the memory map, modules and command line always come. */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0

    .section .multiboot, "a"
    .balign 8
header_start:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long header_end - header_start
    .long 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (header_end - header_start))
    /* end tag */
    .balign 8
    .short 0
    .short 0
    .long 8
header_end:

    .section .note.GNU-stack, "", @progbits
