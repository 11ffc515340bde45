/* kbench: the echo server of the cross-address-space IPC row. The bytes
 * between kbench_echo_begin and kbench_echo_end are copied into a frame of
 * another VSpace and run there (position independent; no stack, no memory
 * but the endpoint word, which the suite patches in the copy). It answers
 * every Call with the message it got: same info, same four register words.
 * Numbers: ipc::Syscall::Recv = 5, ReplyRecv = 8 (libipc/include/ipc/syscall.h). */
    .section .rodata
    .global kbench_echo_begin, kbench_echo_end, kbench_echo_endpoint
    .balign 16
kbench_echo_begin:
    mov kbench_echo_endpoint(%rip), %r12
    mov %r12, %rdi
    xor %esi, %esi
    mov $5, %eax
    syscall
1:  mov %r12, %rdi              /* rsi, rdx, r10, r8, r9: the received message */
    mov $8, %eax
    syscall
    jmp 1b
    .balign 8
kbench_echo_endpoint:
    .quad 0
kbench_echo_end:

    .section .note.GNU-stack, "", @progbits
