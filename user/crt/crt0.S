/* Program entry: the stack pointer is 16-byte aligned at _start (the loader
 * guarantees it). rdi holds the entry argument (the root task's
 * RootBootInfo pointer); it is passed through untouched as the first argument
 * of __libc_start, which runs the constructors, calls main(0, 0) and exits
 * with its return value. */
    .section .text.start, "ax"
    .global _start
_start:
    xor %ebp, %ebp
    and $-16, %rsp
    /* rdi and rsi are still the entry arguments */
    call __libc_start
1:  ud2
    jmp 1b

    .section .note.GNU-stack, "", @progbits
