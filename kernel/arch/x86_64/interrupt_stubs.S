/* Entry stubs for vectors 0-47 (CPU exceptions, then the 16 PIC IRQs). Each
 * stub makes the stack look the same: an error code (the CPU's, or 0) and
 * the vector on top of the CPU's frame, then interrupt_common saves the
 * general registers into an arch::x86_64::TrapFrame. */
#include "trap_frame.inc"

    .altmacro
    .section .text
    .code64

.macro interrupt_stub n
interrupt_stub_\n:
    /* vectors whose exceptions push an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX */
    .if (\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    .else
    pushq $0
    .endif
    pushq $\n
    jmp interrupt_common
.endm

.set vector, 0
.rept 48
    interrupt_stub %vector
    .set vector, vector + 1
.endr

interrupt_common:
    SAVE_GENERAL_REGISTERS
    cld
    mov %rsp, %rdi
    /* From user mode the frame is inside the thread's TCB (TSS.rsp0 points
     * there): move to the kernel stack before running C++. From kernel mode
     * (only the idle loop takes interrupts) we are on it already. */
    testb $3, 18*8(%rsp)
    jz 1f
    mov $kernel_stack_top, %rsp
1:  call interrupt_dispatch
    mov %rax, %rsp              /* the frame to resume, maybe another thread's */

/* Restores a TrapFrame at %rsp and returns to where it says. */
    .global trap_frame_return
trap_frame_return:
    RESTORE_GENERAL_REGISTERS
    add $16, %rsp               /* vector and error code */
    iretq

    .section .bss
    .balign 16
kernel_stack:
    .skip 16384
    .global kernel_stack_top
kernel_stack_top:

    .section .text
/* idle_wait(), behind arch::idle_until_interrupt(): the one place the
 * kernel takes interrupts. sti holds interrupts off for one more
 * instruction, so none can slip in between it and hlt and leave us asleep
 * with the wakeup already taken. An interrupt here comes back with rip at
 * idle_wait_hlt or idle_wait_cli; interrupt_dispatch panics on one taken
 * anywhere else in the kernel. */
    .global idle_wait
    .global idle_wait_hlt
    .global idle_wait_cli
idle_wait:
    sti
idle_wait_hlt:
    hlt
idle_wait_cli:
    cli
    ret

/* enter_trap_frame(TrapFrame*): load a prepared frame and return into it.
 * Used to start a user thread for the first time. */
    .global enter_trap_frame
enter_trap_frame:
    mov %rdi, %rsp
    jmp trap_frame_return

.macro stub_address n
    .quad interrupt_stub_\n
.endm

    .section .rodata
    .balign 8
    .global interrupt_stub_table
interrupt_stub_table:
.set vector, 0
.rept 48
    stub_address %vector
    .set vector, vector + 1
.endr

    .section .note.GNU-stack, "", @progbits
