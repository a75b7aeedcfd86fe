// What the kernel's Swift code needs from C and assembly: CPU registers and
// barriers as inline functions, the linker script's symbols (Swift cannot see
// incomplete arrays, hence accessors), the trap frame, and FreeType's module classes.
#ifndef LUMEN_KERNEL_SUPPORT_H
#define LUMEN_KERNEL_SUPPORT_H

#include <stdint.h>
#include <stddef.h>

// The context saved by vectors.S on every exception.
typedef struct lumen_trap_frame {
    uint64_t x[31];     // x0 … x30 (x29 is the frame pointer, x30 the link register)
    uint64_t sp;        // stack pointer before the trap
    uint64_t elr;       // where the exception was taken
    uint64_t spsr;
    uint64_t esr;       // syndrome: what kind of exception
    uint64_t far;       // faulting address, for aborts
} lumen_trap_frame;

// ---- linker symbols -------------------------------------------------------
extern char __kernel_start[], __kernel_end[], __text_start[], __text_end[];
extern char __stack_bottom[], __stack_top[], __fault_stack_bottom[], __fault_stack_top[];
extern char lumen_font_regular[], lumen_font_regular_end[];
extern char lumen_font_bold[], lumen_font_bold_end[];
extern char lumen_font_oblique[], lumen_font_oblique_end[];
extern char lumen_font_bold_oblique[], lumen_font_bold_oblique_end[];

static inline uintptr_t lumen_kernel_start(void) { return (uintptr_t)__kernel_start; }
static inline uintptr_t lumen_kernel_end(void) { return (uintptr_t)__kernel_end; }
static inline uintptr_t lumen_text_start(void) { return (uintptr_t)__text_start; }
static inline uintptr_t lumen_text_end(void) { return (uintptr_t)__text_end; }
static inline uintptr_t lumen_stack_bottom(void) { return (uintptr_t)__stack_bottom; }
static inline uintptr_t lumen_stack_top(void) { return (uintptr_t)__stack_top; }

// Embedded fonts (fonts.S); `style` 0 regular, 1 bold, 2 oblique, 3 bold oblique.
static inline const uint8_t *lumen_font_data(int style, size_t *size) {
    char *b, *e;
    switch (style) {
    case 1: b = lumen_font_bold; e = lumen_font_bold_end; break;
    case 2: b = lumen_font_oblique; e = lumen_font_oblique_end; break;
    case 3: b = lumen_font_bold_oblique; e = lumen_font_bold_oblique_end; break;
    default: b = lumen_font_regular; e = lumen_font_regular_end; break;
    }
    *size = (size_t)(e - b);
    return (const uint8_t *)b;
}

// Embedded keymaps (keymaps.S): a table ended by a NULL name.
typedef struct lumen_keymap_entry {
    const char *name;
    const uint8_t *start;
    const uint8_t *end;
} lumen_keymap_entry;
extern const lumen_keymap_entry lumen_keymap_table[];
static inline const lumen_keymap_entry *lumen_keymaps(void) { return lumen_keymap_table; }

// ---- CPU --------------------------------------------------------------------
#define LUMEN_SYSREG(name) \
    static inline uint64_t lumen_read_##name(void) { uint64_t v; __asm__ volatile("mrs %0, " #name : "=r"(v)); return v; } \
    static inline void lumen_write_##name(uint64_t v) { __asm__ volatile("msr " #name ", %0" :: "r"(v)); __asm__ volatile("isb"); }

LUMEN_SYSREG(cntfrq_el0)
LUMEN_SYSREG(cntvct_el0)
LUMEN_SYSREG(cntv_cval_el0)
LUMEN_SYSREG(cntv_ctl_el0)
LUMEN_SYSREG(currentel)
LUMEN_SYSREG(mpidr_el1)
LUMEN_SYSREG(midr_el1)
LUMEN_SYSREG(sctlr_el1)
LUMEN_SYSREG(ttbr0_el1)
LUMEN_SYSREG(daif)

static inline uint64_t lumen_counter(void) {
    uint64_t v; __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) :: "memory"); return v;
}
static inline void lumen_irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void lumen_irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
// Sleep until an interrupt is pending. Called with IRQs masked so that an
// interrupt arriving between "is there work?" and `wfi` still wakes us.
static inline void lumen_wait_for_interrupt(void) { __asm__ volatile("dsb sy; wfi" ::: "memory"); }
static inline void lumen_dmb(void) { __asm__ volatile("dmb sy" ::: "memory"); }
static inline void lumen_dsb(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline void lumen_tlb_flush_all(void) {
    __asm__ volatile("dsb ishst; tlbi vmalle1is; dsb ish; isb" ::: "memory");
}

// PSCI through HVC (QEMU virt's conduit). Returns x0.
static inline int64_t lumen_psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3) {
    register uint64_t x0 __asm__("x0") = fn;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    __asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
    return (int64_t)x0;
}
static inline int64_t lumen_psci_call_smc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3) {
    register uint64_t x0 __asm__("x0") = fn;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    __asm__ volatile("smc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
    return (int64_t)x0;
}

// ---- MMU (mmu.c) ------------------------------------------------------------
void lumen_mmu_enable(void);
// Unmap 1 GiB blocks at and above `ram_end` (rounded up); called once the DTB told us the RAM size.
void lumen_mmu_limit_ram(uint64_t ram_end);

// Leave a 4 KiB page at `address` unmapped (0) or map it again (1): a thread's
// stack guard. Returns 0, or negative when the page is not RAM or the static
// table pools are used up.
int lumen_mmu_set_page_mapped(uint64_t address, int mapped);

// ---- threads (context.S) ----------------------------------------------------
// Saves the callee-saved registers on the current stack, stores its SP in
// *save_sp, and continues on new_sp's thread. IRQs must be masked.
void lumen_context_switch(uint64_t *save_sp, uint64_t new_sp);
void lumen_thread_trampoline(void);
// The initial stack of a new thread: a switch frame whose x30 is the trampoline
// and whose x19 is `argument` (passed to lumen_thread_entry). Returns its SP.
static inline uint64_t lumen_thread_prepare_stack(uint64_t stack_top, uint64_t argument) {
    uint64_t *frame = (uint64_t *)(uintptr_t)((stack_top & ~15ull) - 20 * 8);
    for (int i = 0; i < 20; i++) frame[i] = 0;
    frame[0] = argument;                                   // x19
    frame[11] = (uint64_t)(uintptr_t)lumen_thread_trampoline; // x30
    return (uint64_t)(uintptr_t)frame;
}
static inline uint64_t lumen_irq_save_disable(void) {
    uint64_t v; __asm__ volatile("mrs %0, daif; msr daifset, #2" : "=r"(v) :: "memory"); return v;
}
static inline void lumen_irq_restore(uint64_t daif) { __asm__ volatile("msr daif, %0" :: "r"(daif) : "memory"); }
static inline uint64_t lumen_current_sp(void) { uint64_t v; __asm__ volatile("mov %0, sp" : "=r"(v)); return v; }

// ---- Preemption (preemption.c) ------------------------------------------------
// Non-zero while the allocator or a picolibc lock runs: the IRQ exit must not
// switch threads then.
extern volatile int lumen_preempt_disabled;
static inline int lumen_preemption_disabled(void) { return lumen_preempt_disabled; }

// ---- C library glue (libc_glue.c) -------------------------------------------
// The UART byte writer the C library's stdout uses; set by Swift at boot.
extern void (*lumen_console_putc)(uint8_t byte);
// picolibc's allocator grows its heap through sbrk over [start, limit).
void lumen_heap_init(uintptr_t start, uintptr_t limit);
uintptr_t lumen_heap_break(void);
void lumen_heap_set_limit(uintptr_t limit);
// FreeType's version string via snprintf, proving the C library's formatting works.
int lumen_format_version(char *buf, size_t size, int major, int minor, int patch);

// Deliberately touch an unmapped address (the `lumen.test=fault` boot option).
static inline uint64_t lumen_touch(uint64_t address) {
    uint64_t v; __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(address) : "memory"); return v;
}

// ---- FreeType modules ---------------------------------------------------------
// Only sfnt, truetype and smooth are registered (FT_New_Library + FT_Add_Module),
// so the linker leaves every other FreeType module out of the image.
struct FT_Module_Class_;
extern const struct FT_Module_Class_ sfnt_module_class;
extern const struct FT_Module_Class_ tt_driver_class;
extern const struct FT_Module_Class_ ft_smooth_renderer_class;
static inline const void *lumen_ft_module_sfnt(void) { return &sfnt_module_class; }
static inline const void *lumen_ft_module_truetype(void) { return &tt_driver_class; }
static inline const void *lumen_ft_module_smooth(void) { return &ft_smooth_renderer_class; }

#endif
