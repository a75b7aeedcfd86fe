// Lumen's entry point. QEMU `-kernel` loads the ELF at its physical addresses and
// starts every core here at EL1 (or EL2 with virtualization=on), MMU off.
// We keep core 0, drop to EL1, enable FP/SIMD (Swift and FreeType use it), clear
// .bss, set up picolibc's TLS block for `errno`, turn on the MMU, then call Swift.

.section .text.boot, "ax"
.global _start
_start:
    mrs     x9, mpidr_el1
    and     x9, x9, #0xff
    cbnz    x9, park_secondary          // core 0 only
    mov     x19, x0                     // x0: DTB address when the loader passes one

    mrs     x9, CurrentEL
    lsr     x9, x9, #2
    mov     x20, x9                     // the exception level we were entered at, for the log
    cmp     x9, #2
    b.ne    at_el1
    // EL2: run EL1 in AArch64, give EL1 the physical and virtual timers, eret down.
    mov     x9, #(1 << 31)              // HCR_EL2.RW
    msr     hcr_el2, x9
    mrs     x9, cnthctl_el2
    orr     x9, x9, #3                  // EL1PCTEN | EL1PCEN
    msr     cnthctl_el2, x9
    msr     cntvoff_el2, xzr
    mov     x9, #0x3c5                  // EL1h, DAIF masked
    msr     spsr_el2, x9
    adr     x9, at_el1
    msr     elr_el2, x9
    eret

at_el1:
    ldr     x9, =__stack_top
    mov     sp, x9
    mov     x9, #(3 << 20)              // CPACR_EL1.FPEN: no FP/SIMD traps
    msr     cpacr_el1, x9
    isb
    ldr     x9, =lumen_exception_vectors
    msr     vbar_el1, x9

    // Clear .bss (8-byte aligned by the linker script). No memset yet: with the MMU
    // off all memory is Device memory, where `dc zva` and unaligned stores fault.
    ldr     x9, =__bss_start
    ldr     x10, =__bss_end
1:  cmp     x9, x10
    b.hs    2f
    str     xzr, [x9], #8
    b       1b
2:
    // TLS (AArch64 variant 1): TPIDR_EL0 points 16 bytes below the block; .tdata is
    // copied in, .tbss zeroed. picolibc keeps `errno` there.
    ldr     x9, =__tls_block
    ldr     x10, =__tdata_start
    ldr     x11, =__tdata_end
3:  cmp     x10, x11
    b.hs    4f
    ldr     x12, [x10], #8
    str     x12, [x9], #8
    b       3b
4:  ldr     x11, =__tls_block_end
5:  cmp     x9, x11
    b.hs    6f
    str     xzr, [x9], #8
    b       5b
6:  ldr     x9, =__tls_block
    sub     x9, x9, #16
    msr     tpidr_el0, x9

    bl      lumen_mmu_enable
    mov     x0, x19
    mov     x1, x20
    bl      lumen_main                  // Swift; never returns
park_secondary:
    wfe
    b       park_secondary
