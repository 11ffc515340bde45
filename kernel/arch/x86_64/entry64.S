/* First 64-bit code in the higher half: switch to the kernel boot stack and
 * call kernel_main(multiboot2 magic, boot info physical address). */
    .section .text
    .code64
    .global kernel_entry64
kernel_entry64:
    mov $kernel_boot_stack_top, %rsp
    xor %ebp, %ebp
    mov %edi, %edi              /* zero-extend: upper halves are undefined after the mode switch */
    mov %esi, %esi
    call kernel_main
1:  cli
    hlt
    jmp 1b

    .section .bss
    .balign 16
    .global kernel_boot_stack_top
kernel_boot_stack:
    .skip 16384
kernel_boot_stack_top:

    .section .note.GNU-stack, "", @progbits
