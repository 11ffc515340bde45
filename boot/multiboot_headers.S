/* The two boot headers, both in the first 8 KiB of kernel.elf.
 *
 * Multiboot2: GRUB (the ISO, `make run`) finds it and loads the ELF segments
 * at their physical addresses. We ask for no extra tags; the memory map,
 * modules and command line always come.
 *
 * Multiboot (version 1) with the address fields: QEMU's own loader
 * (`qemu-system-x86_64 -kernel kernel.elf -initrd "init.elf init,..."`)
 * boots it with no GRUB and no disk, which the benchmarks and most tests
 * use. QEMU refuses ELF64 images for multiboot 1 unless the header gives the
 * load addresses itself: it then copies the file bytes from the header's
 * file offset minus (header_addr - load_addr), up to load_end_addr, and
 * zeroes up to bss_end_addr. That is only right if every loaded byte sits in
 * the file at the same distance from its physical address, which
 * boot/kernel.ld arranges and boot/check_kernel_layout.py checks at build
 * time. */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0

#define MB1_MAGIC 0x1badb002
#define MB1_PAGE_ALIGN_MODULES (1 << 0)
#define MB1_MEMORY_INFO (1 << 1)
#define MB1_ADDRESS_FIELDS (1 << 16)
#define MB1_FLAGS (MB1_PAGE_ALIGN_MODULES | MB1_MEMORY_INFO | MB1_ADDRESS_FIELDS)

    .section .multiboot, "a"
    .balign 8
mb2_header_start:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header_start
    .long 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))
    /* end tag */
    .balign 8
    .short 0
    .short 0
    .long 8
mb2_header_end:

    .balign 4
    .global multiboot1_header
multiboot1_header:
    .long MB1_MAGIC
    .long MB1_FLAGS
    .long -(MB1_MAGIC + MB1_FLAGS)
    .long multiboot1_header         /* header_addr: where this header is loaded */
    .long __kernel_phys_start       /* load_addr */
    .long __kernel_phys_load_end    /* load_end_addr: end of the file-backed part */
    .long __kernel_phys_end         /* bss_end_addr */
    .long _start                    /* entry_addr */

    .section .note.GNU-stack, "", @progbits
