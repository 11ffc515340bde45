/* Program entry: the stack pointer is 16-byte aligned at _start (the loader
 * guarantees it). Call main(0, 0), then exit with its return value. */
    .section .text.start, "ax"
    .global _start
_start:
    xor %ebp, %ebp
    and $-16, %rsp
    call __libc_start
1:  ud2
    jmp 1b

    .section .note.GNU-stack, "", @progbits
