// EL1 exception vectors. Every entry saves the interrupted context as a
// `lumen_trap_frame` (see include/KernelSupport.h) and calls Swift:
// IRQs go to `lumen_irq` and return (perhaps much later: the handler may switch
// to another thread, and this one resumes when it is scheduled again); anything
// else goes to `lumen_exception`, which prints a report and halts.
//
// IRQs also save the FP/SIMD registers: any thread may be using them when it is
// interrupted, and the handler (or the thread it switches to) uses them too.
// Faults move to a stack of their own first: a thread that ran off its stack
// into the guard page below it would fault again on every push.

.macro SAVE_FRAME
    sub     sp, sp, #(36 * 8)
    stp     x0, x1, [sp, #(0 * 8)]
    stp     x2, x3, [sp, #(2 * 8)]
    stp     x4, x5, [sp, #(4 * 8)]
    stp     x6, x7, [sp, #(6 * 8)]
    stp     x8, x9, [sp, #(8 * 8)]
    stp     x10, x11, [sp, #(10 * 8)]
    stp     x12, x13, [sp, #(12 * 8)]
    stp     x14, x15, [sp, #(14 * 8)]
    stp     x16, x17, [sp, #(16 * 8)]
    stp     x18, x19, [sp, #(18 * 8)]
    stp     x20, x21, [sp, #(20 * 8)]
    stp     x22, x23, [sp, #(22 * 8)]
    stp     x24, x25, [sp, #(24 * 8)]
    stp     x26, x27, [sp, #(26 * 8)]
    stp     x28, x29, [sp, #(28 * 8)]
    add     x9, sp, #(36 * 8)
    stp     x30, x9, [sp, #(30 * 8)]     // x30, sp before the trap
    mrs     x9, elr_el1
    mrs     x10, spsr_el1
    stp     x9, x10, [sp, #(32 * 8)]
    mrs     x9, esr_el1
    mrs     x10, far_el1
    stp     x9, x10, [sp, #(34 * 8)]
.endm

.macro RESTORE_FRAME
    ldp     x9, x10, [sp, #(32 * 8)]
    msr     elr_el1, x9
    msr     spsr_el1, x10
    ldp     x0, x1, [sp, #(0 * 8)]
    ldp     x2, x3, [sp, #(2 * 8)]
    ldp     x4, x5, [sp, #(4 * 8)]
    ldp     x6, x7, [sp, #(6 * 8)]
    ldp     x8, x9, [sp, #(8 * 8)]
    ldp     x10, x11, [sp, #(10 * 8)]
    ldp     x12, x13, [sp, #(12 * 8)]
    ldp     x14, x15, [sp, #(14 * 8)]
    ldp     x16, x17, [sp, #(16 * 8)]
    ldp     x18, x19, [sp, #(18 * 8)]
    ldp     x20, x21, [sp, #(20 * 8)]
    ldp     x22, x23, [sp, #(22 * 8)]
    ldp     x24, x25, [sp, #(24 * 8)]
    ldp     x26, x27, [sp, #(26 * 8)]
    ldp     x28, x29, [sp, #(28 * 8)]
    ldr     x30, [sp, #(30 * 8)]
    add     sp, sp, #(36 * 8)
.endm

// kind: 0 sync, 1 IRQ, 2 FIQ, 3 SError; plus 4 × source (0 EL1t, 1 EL1h, 2 EL0 64, 3 EL0 32)
.macro VECTOR kind
    .balign 0x80
    SAVE_FRAME
    mov     x0, sp
    mov     x1, #\kind
    b       lumen_vector_common
.endm

// Everything but an IRQ: keep the faulting SP in TPIDRRO_EL0 and x9 in
// TPIDR_EL1 (both free in the kernel), move to the fault stack, save the frame
// there with the real SP.
.macro FAULT_VECTOR kind
    .balign 0x80
    msr     tpidr_el1, x9
    mov     x9, sp
    msr     tpidrro_el0, x9
    ldr     x9, =__fault_stack_top
    mov     sp, x9
    mrs     x9, tpidr_el1
    b       fault_stub_\kind
.endm

.macro FAULT_STUB kind
fault_stub_\kind:
    SAVE_FRAME
    mrs     x9, tpidrro_el0
    str     x9, [sp, #(31 * 8)]
    mov     x0, sp
    mov     x1, #\kind
    b       lumen_fault_common
.endm

.section .text.vectors, "ax"
.balign 0x800
.global lumen_exception_vectors
lumen_exception_vectors:
    FAULT_VECTOR 0
    VECTOR 1
    FAULT_VECTOR 2
    FAULT_VECTOR 3
    FAULT_VECTOR 4
    VECTOR 5
    FAULT_VECTOR 6
    FAULT_VECTOR 7
    FAULT_VECTOR 8
    VECTOR 9
    FAULT_VECTOR 10
    FAULT_VECTOR 11
    FAULT_VECTOR 12
    VECTOR 13
    FAULT_VECTOR 14
    FAULT_VECTOR 15

// IRQs: the FP/SIMD registers below the frame, then Swift.
lumen_vector_common:
    sub     sp, sp, #(66 * 8)
    stp     q0, q1, [sp, #(16 + 0 * 32)]
    stp     q2, q3, [sp, #(16 + 1 * 32)]
    stp     q4, q5, [sp, #(16 + 2 * 32)]
    stp     q6, q7, [sp, #(16 + 3 * 32)]
    stp     q8, q9, [sp, #(16 + 4 * 32)]
    stp     q10, q11, [sp, #(16 + 5 * 32)]
    stp     q12, q13, [sp, #(16 + 6 * 32)]
    stp     q14, q15, [sp, #(16 + 7 * 32)]
    stp     q16, q17, [sp, #(16 + 8 * 32)]
    stp     q18, q19, [sp, #(16 + 9 * 32)]
    stp     q20, q21, [sp, #(16 + 10 * 32)]
    stp     q22, q23, [sp, #(16 + 11 * 32)]
    stp     q24, q25, [sp, #(16 + 12 * 32)]
    stp     q26, q27, [sp, #(16 + 13 * 32)]
    stp     q28, q29, [sp, #(16 + 14 * 32)]
    stp     q30, q31, [sp, #(16 + 15 * 32)]
    mrs     x9, fpcr
    mrs     x10, fpsr
    stp     x9, x10, [sp]
    bl      lumen_irq                   // x0: the frame, above the FP area
    ldp     x9, x10, [sp]
    msr     fpcr, x9
    msr     fpsr, x10
    ldp     q0, q1, [sp, #(16 + 0 * 32)]
    ldp     q2, q3, [sp, #(16 + 1 * 32)]
    ldp     q4, q5, [sp, #(16 + 2 * 32)]
    ldp     q6, q7, [sp, #(16 + 3 * 32)]
    ldp     q8, q9, [sp, #(16 + 4 * 32)]
    ldp     q10, q11, [sp, #(16 + 5 * 32)]
    ldp     q12, q13, [sp, #(16 + 6 * 32)]
    ldp     q14, q15, [sp, #(16 + 7 * 32)]
    ldp     q16, q17, [sp, #(16 + 8 * 32)]
    ldp     q18, q19, [sp, #(16 + 9 * 32)]
    ldp     q20, q21, [sp, #(16 + 10 * 32)]
    ldp     q22, q23, [sp, #(16 + 11 * 32)]
    ldp     q24, q25, [sp, #(16 + 12 * 32)]
    ldp     q26, q27, [sp, #(16 + 13 * 32)]
    ldp     q28, q29, [sp, #(16 + 14 * 32)]
    ldp     q30, q31, [sp, #(16 + 15 * 32)]
    add     sp, sp, #(66 * 8)
    RESTORE_FRAME
    eret

    FAULT_STUB 0
    FAULT_STUB 2
    FAULT_STUB 3
    FAULT_STUB 4
    FAULT_STUB 6
    FAULT_STUB 7
    FAULT_STUB 8
    FAULT_STUB 10
    FAULT_STUB 11
    FAULT_STUB 12
    FAULT_STUB 14
    FAULT_STUB 15

lumen_fault_common:
    bl      lumen_exception             // prints a report; does not return
1:  wfe
    b       1b
    .ltorg
