/* The `syscall` instruction lands here with the user's rip in rcx, rflags in
 * r11, interrupts masked (SFMASK) and the user stack still in rsp. We switch
 * to the end of the current thread's TrapFrame (per-CPU block at GS, which
 * swapgs makes visible only for these few instructions), build the same
 * TrapFrame an interrupt would, inside the TCB, then run C++ on the kernel
 * stack. syscall_dispatch returns the frame to resume. */
#include "trap_frame.inc"

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
    SAVE_GENERAL_REGISTERS
    mov %rsp, %rdi
    mov $kernel_stack_top, %rsp
    call syscall_dispatch
    mov %rax, %rsp              /* the frame to resume, maybe another thread's */

    /* sysretq clobbers rcx and r11, so only a thread whose last entry was a
     * syscall may return through it; and never into a non-canonical rip. */
    cmpq $SYSCALL_VECTOR, 15*8(%rsp)
    jne trap_frame_return
    mov 17*8(%rsp), %rcx
    shr $47, %rcx
    jnz trap_frame_return

    RESTORE_GENERAL_REGISTERS
    add $16, %rsp
    mov 0(%rsp), %rcx           /* rip */
    mov 16(%rsp), %r11          /* rflags */
    mov 24(%rsp), %rsp          /* user rsp; interrupts stay masked until sysret */
    sysretq

    .section .note.GNU-stack, "", @progbits
