// Kernel threads: the context switch and the first instructions of a new thread.
//
// A switch is a function call: the caller-saved registers are already saved by
// the compiler around the call, so only the callee-saved ones (x19-x30, d8-d15)
// go on the old thread's stack, and its stack pointer into *save_sp. A thread
// preempted by an interrupt switches from inside the IRQ handler: its other
// registers (x0-x18, q0-q31, FPCR/FPSR) are already in the IRQ frame below.
// Always called with IRQs masked.

.set SWITCH_FRAME, (20 * 8)

.section .text.context, "ax"
.global lumen_context_switch
// void lumen_context_switch(uint64_t *save_sp, uint64_t new_sp)
lumen_context_switch:
    sub     sp, sp, #SWITCH_FRAME
    stp     x19, x20, [sp, #(0 * 8)]
    stp     x21, x22, [sp, #(2 * 8)]
    stp     x23, x24, [sp, #(4 * 8)]
    stp     x25, x26, [sp, #(6 * 8)]
    stp     x27, x28, [sp, #(8 * 8)]
    stp     x29, x30, [sp, #(10 * 8)]
    stp     d8, d9, [sp, #(12 * 8)]
    stp     d10, d11, [sp, #(14 * 8)]
    stp     d12, d13, [sp, #(16 * 8)]
    stp     d14, d15, [sp, #(18 * 8)]
    mov     x9, sp
    str     x9, [x0]
    mov     sp, x1
    ldp     x19, x20, [sp, #(0 * 8)]
    ldp     x21, x22, [sp, #(2 * 8)]
    ldp     x23, x24, [sp, #(4 * 8)]
    ldp     x25, x26, [sp, #(6 * 8)]
    ldp     x27, x28, [sp, #(8 * 8)]
    ldp     x29, x30, [sp, #(10 * 8)]
    ldp     d8, d9, [sp, #(12 * 8)]
    ldp     d10, d11, [sp, #(14 * 8)]
    ldp     d12, d13, [sp, #(16 * 8)]
    ldp     d14, d15, [sp, #(18 * 8)]
    add     sp, sp, #SWITCH_FRAME
    ret

// A new thread's first switch "returns" here (lumen_thread_prepare_stack put
// this address in its saved x30 and the thread's argument in x19). The frame
// pointer chain ends here (x29 = 0), so backtraces stop at the thread's entry.
.global lumen_thread_trampoline
lumen_thread_trampoline:
    mov     x29, #0
    mov     x0, x19
    msr     daifclr, #2                 // threads start with IRQs on
    bl      lumen_thread_entry          // Swift; never returns
1:  wfe
    b       1b
