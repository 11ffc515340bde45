/* 32-bit entry from the boot loader and the climb into 64-bit long mode.
 *
 * GRUB (multiboot2) or QEMU's -kernel loader (multiboot 1) enters here in
 * protected mode, paging off, eax = the protocol's magic, ebx = physical
 * address of its boot information; kernel_main tells the two apart. We
 * check the CPU can do long mode and NX, build boot page tables that map
 * the first 1 GiB three times (identity, so this code keeps running; the
 * physmap window at 0xffff800000000000; and the kernel image window at
 * 0xffffffff80000000), enable PAE, long mode, NX and paging, and jump to the
 * higher-half kernel.
 * The kernel replaces these tables with precise W^X ones early in boot. */

#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_SCE (1 << 0)
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define PTE_PRESENT_WRITABLE 0x3
#define PDE_LARGE_PAGE 0x83
#define COM1 0x3f8
#define QEMU_EXIT_PORT 0xf4
#define QEMU_EXIT_PANIC 0x11

    .section .boot.text, "ax"
    .code32
    .global _start
_start:
    cli
    cld
    mov $boot_stack_top, %esp
    mov %eax, %edi              /* multiboot2 magic: first argument of kernel_main */
    mov %ebx, %esi              /* boot info physical address: second argument */

    /* Long mode is bit 29 and NX bit 20 of CPUID 0x80000001:EDX. */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz no_long_mode
    test $(1 << 20), %edx
    jz no_nx

    /* boot_pd[i] = i * 2 MiB, present, writable, large page. */
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $PDE_LARGE_PAGE, %eax
    mov %eax, boot_pd(, %ecx, 8)
    movl $0, boot_pd + 4(, %ecx, 8)
    inc %ecx
    cmp $512, %ecx
    jb 1b

    mov $boot_pd, %eax
    or $PTE_PRESENT_WRITABLE, %eax
    mov %eax, boot_pdpt_low             /* PDPT[0]: 0..1 GiB */
    mov %eax, boot_pdpt_high + 510 * 8  /* PDPT[510]: 0xffffffff80000000 */

    mov $boot_pdpt_low, %eax
    or $PTE_PRESENT_WRITABLE, %eax
    mov %eax, boot_pml4                 /* PML4[0]: identity */
    mov %eax, boot_pml4 + 256 * 8       /* PML4[256]: physmap */
    mov $boot_pdpt_high, %eax
    or $PTE_PRESENT_WRITABLE, %eax
    mov %eax, boot_pml4 + 511 * 8       /* PML4[511]: kernel image */

    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3

    mov $MSR_EFER, %ecx
    rdmsr
    or $(EFER_SCE | EFER_LME | EFER_NXE), %eax
    wrmsr

    mov %cr0, %eax
    or $(CR0_PG | CR0_WP), %eax
    mov %eax, %cr0

    lgdt boot_gdt_pointer
    ljmp $0x08, $long_mode_low

no_long_mode:
    mov $msg_no_long_mode, %ebx
    jmp die32
no_nx:
    mov $msg_no_nx, %ebx
die32:
    /* COM1 works without initialisation under QEMU; good enough to explain. */
    mov $COM1, %dx
2:  movb (%ebx), %al
    test %al, %al
    jz 3f
    outb %al, %dx
    inc %ebx
    jmp 2b
3:  mov $QEMU_EXIT_PORT, %dx
    mov $QEMU_EXIT_PANIC, %al
    outb %al, %dx
4:  hlt
    jmp 4b

    .code64
long_mode_low:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    movabs $kernel_entry64, %rax
    jmp *%rax

    .section .boot.rodata, "a"
msg_no_long_mode:
    .asciz "KERNEL PANIC: this CPU has no 64-bit long mode\r\nSystem halted.\r\n"
msg_no_nx:
    .asciz "KERNEL PANIC: this CPU has no NX (execute-disable) support\r\nSystem halted.\r\n"

    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff    /* 0x10: data */
boot_gdt_end:
boot_gdt_pointer:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    /* Zeros in the file, not @nobits: see boot/kernel.ld. */
    .section .boot.bss, "aw", @progbits
    .balign 4096
    .global boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096
boot_stack:     .skip 4096
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
