/* The `syscall` instruction lands here with the user's rip in rcx, rflags in
 * r11, interrupts masked (SFMASK) and the user stack still in rsp. We switch
 * to the current thread's kernel stack (from the per-CPU block at GS, which
 * swapgs makes visible only for these few instructions), build the same
 * TrapFrame an interrupt would, and call syscall_dispatch. The return uses
 * sysretq when the saved rip is a canonical user address, else iretq. */
#define USER_DATA_SELECTOR (0x18 | 3)
#define USER_CODE_SELECTOR (0x20 | 3)
#define SYSCALL_VECTOR 0x100
#define PERCPU_KERNEL_RSP 0
#define PERCPU_USER_RSP 8

    .section .text
    .code64
    .global syscall_entry
syscall_entry:
    swapgs
    mov %rsp, %gs:PERCPU_USER_RSP
    mov %gs:PERCPU_KERNEL_RSP, %rsp
    pushq $USER_DATA_SELECTOR
    pushq %gs:PERCPU_USER_RSP
    swapgs
    push %r11                   /* rflags */
    pushq $USER_CODE_SELECTOR
    push %rcx                   /* rip */
    pushq $0                    /* error code */
    pushq $SYSCALL_VECTOR
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    call syscall_dispatch

    /* sysretq into a non-canonical rip would fault in ring 0: take iretq. */
    mov 17*8(%rsp), %rcx
    shr $47, %rcx
    jnz trap_frame_return

    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp
    mov 0(%rsp), %rcx           /* rip */
    mov 16(%rsp), %r11          /* rflags */
    mov 24(%rsp), %rsp          /* user rsp; interrupts stay masked until sysret */
    sysretq

    .section .note.GNU-stack, "", @progbits
