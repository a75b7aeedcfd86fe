// EL1 exception vectors. Every entry saves the interrupted context as a
// `lumen_trap_frame` (see include/KernelSupport.h) and calls Swift:
// IRQs go to `lumen_irq` and return; anything else goes to `lumen_exception`,
// which prints a report and halts.

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

.section .text.vectors, "ax"
.balign 0x800
.global lumen_exception_vectors
lumen_exception_vectors:
    VECTOR 0
    VECTOR 1
    VECTOR 2
    VECTOR 3
    VECTOR 4
    VECTOR 5
    VECTOR 6
    VECTOR 7
    VECTOR 8
    VECTOR 9
    VECTOR 10
    VECTOR 11
    VECTOR 12
    VECTOR 13
    VECTOR 14
    VECTOR 15

lumen_vector_common:
    and     x9, x1, #3
    cmp     x9, #1
    b.ne    not_irq
    bl      lumen_irq
    RESTORE_FRAME
    eret
not_irq:
    bl      lumen_exception             // prints a report; does not return
1:  wfe
    b       1b
