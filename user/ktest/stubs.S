/* ktest assembly: fault stubs threads start at (their rip is set with
 * TcbWriteRegisters), and setjmp/longjmp for the watchdog's case abort. */
    .section .text
    .code64

/* #UD: the fault ip is the ud2 itself. */
    .global ktest_fault_ud2
ktest_fault_ud2:
    ud2
    jmp ktest_fault_ud2

/* #GP(0): hlt is privileged. */
    .global ktest_fault_gp
ktest_fault_gp:
    hlt
    jmp ktest_fault_gp

/* #GP(0): a non-canonical data address (not a page fault). */
    .global ktest_fault_gp_noncanonical
ktest_fault_gp_noncanonical:
    movabs $0x8000000000000000, %rax
    mov (%rax), %rax
    jmp ktest_fault_gp_noncanonical

/* #DE: divide by zero; the fault ip is the div. */
    .global ktest_fault_div0
    .global ktest_fault_div0_insn
ktest_fault_div0:
    xor %ecx, %ecx
    mov $1, %eax
    xor %edx, %edx
ktest_fault_div0_insn:
    div %ecx
    jmp ktest_fault_div0

/* #BP: int3 is a trap, the reported ip is after it. */
    .global ktest_fault_int3
    .global ktest_fault_int3_after
ktest_fault_int3:
    int3
ktest_fault_int3_after:
    jmp ktest_fault_int3

/* #NM: user mode has no x87 or SSE state (CR0.TS stays set for it). */
    .global ktest_fault_sse
ktest_fault_sse:
    pxor %xmm0, %xmm0
    jmp ktest_fault_sse

    .global ktest_fault_x87
ktest_fault_x87:
    fld1
    jmp ktest_fault_x87

/* setjmp(buf in rdi): saves callee-saved registers, sp and return address. */
    .global ktest_setjmp
ktest_setjmp:
    mov %rbx, 0(%rdi)
    mov %rbp, 8(%rdi)
    mov %r12, 16(%rdi)
    mov %r13, 24(%rdi)
    mov %r14, 32(%rdi)
    mov %r15, 40(%rdi)
    lea 8(%rsp), %rdx
    mov %rdx, 48(%rdi)
    mov (%rsp), %rdx
    mov %rdx, 56(%rdi)
    xor %eax, %eax
    ret

/* longjmp(buf in rdi): setjmp returns 1. Also the landing point the
 * watchdog points the suspended root thread at (rip here, rdi = buf). */
    .global ktest_longjmp
ktest_longjmp:
    mov 0(%rdi), %rbx
    mov 8(%rdi), %rbp
    mov 16(%rdi), %r12
    mov 24(%rdi), %r13
    mov 32(%rdi), %r14
    mov 40(%rdi), %r15
    mov 48(%rdi), %rsp
    mov $1, %eax
    jmp *56(%rdi)

/* A register-only echo server for test_fastpath.cpp, copied into a foreign
 * VSpace: it uses no stack and only absolute addresses in its data page at
 * 0x300000 (word 0: the endpoint CPtr; word 1: requests served). Each
 * request is answered label 0x91, four words: w0 + 1, the badge, w2, w3. */
    .global ktest_echo_server
    .global ktest_echo_server_end
ktest_echo_server:
    mov 0x300000, %r12
    mov %r12, %rdi
    xor %esi, %esi
    mov $5, %eax                /* Recv */
    syscall
1:  incq 0x300008
    add $1, %rdx
    mov %rdi, %r10
    movabs $0x9100000004, %rsi
    mov %r12, %rdi
    mov $8, %eax                /* ReplyRecv */
    syscall
    jmp 1b
ktest_echo_server_end:

    .section .note.GNU-stack, "", @progbits
