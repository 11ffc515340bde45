/* zero_blocks(void* start, uint64_t blocks): zero `blocks` 512-byte blocks
 * from a 16-byte-aligned `start`, with 16-byte SSE stores.
 *
 * Why SSE: every page the kernel hands out (Retype, page tables) is zeroed,
 * and with `rep stosq` that is 512 retired instructions a page; 16-byte stores
 * halve the stores and the loop overhead is 3 instructions per 512 bytes, so
 * a page costs about 290. The bytes written are the same.
 *
 * SSE state is not switched between threads, so user mode runs with CR0.TS
 * set (any x87 or SSE instruction there is #NM, a clean kill rather than state
 * shared between processes). The kernel clears TS only for the stores below,
 * runs with interrupts masked throughout, and leaves xmm0 zero: nothing of
 * one process can reach another through it. */
    .section .text
    .code64

#define CR0_TS (1 << 3)

    .global zero_blocks
zero_blocks:
    clts
    pxor %xmm0, %xmm0
1:
.set offset, 0
.rept 32
    movaps %xmm0, offset(%rdi)
    .set offset, offset + 16
.endr
    add $512, %rdi
    dec %rsi
    jnz 1b
    mov %cr0, %rax
    or $CR0_TS, %rax
    mov %rax, %cr0
    ret

    .section .note.GNU-stack, "", @progbits
