// The identity map: 4 KiB granule, 39-bit addresses, one level-1 table of 1 GiB
// blocks. The first GiB is QEMU virt's MMIO hole (GIC, UART, fw_cfg, virtio-mmio,
// PCIe) and is Device-nGnRnE; RAM from 1 GiB up is Normal write-back cacheable.
// Runs with the MMU off, where every access is Device memory: only aligned
// 64-bit stores here, and no library calls.
#include "KernelSupport.h"

#define BLOCK        0x1ull                 // level-1 block descriptor
#define ATTR(i)      ((uint64_t)(i) << 2)   // MAIR index
#define AF           (1ull << 10)
#define SH_INNER     (3ull << 8)
#define PXN          (1ull << 53)
#define UXN          (1ull << 54)
#define GIB          (1ull << 30)

static uint64_t level1[512] __attribute__((aligned(4096)));

void lumen_mmu_enable(void) {
    level1[0] = 0 | BLOCK | ATTR(0) | AF | PXN | UXN;
    // RAM can be anywhere from 1 GiB up to 256 GiB on virt; map it all now and trim
    // once the device tree has said how much there is (lumen_mmu_limit_ram).
    for (uint64_t i = 1; i < 256; i++) {
        level1[i] = (i * GIB) | BLOCK | ATTR(1) | AF | SH_INNER | UXN;
    }
    uint64_t mair = 0x00ull | (0xffull << 8);   // 0: Device-nGnRnE, 1: Normal WB RA/WA
    uint64_t mmfr0;
    __asm__ volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(mmfr0));
    uint64_t ips = mmfr0 & 7;
    if (ips > 5) ips = 5;
    uint64_t tcr = 25                 // T0SZ: 39-bit addresses
        | (1ull << 8) | (1ull << 10)  // inner/outer write-back walks
        | (3ull << 12)                // inner shareable
        | (0ull << 14)                // 4 KiB granule
        | (1ull << 23)                // EPD1: no TTBR1 walks
        | (ips << 32);
    __asm__ volatile(
        "msr mair_el1, %0\n"
        "msr tcr_el1, %1\n"
        "msr ttbr0_el1, %2\n"
        "dsb ish\n"
        "tlbi vmalle1\n"
        "dsb ish\n"
        "isb\n"
        :: "r"(mair), "r"(tcr), "r"((uint64_t)(uintptr_t)level1) : "memory");
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    sctlr |= (1ull << 0) | (1ull << 2) | (1ull << 12);  // M, C, I
    sctlr &= ~((1ull << 1) | (1ull << 19));            // no alignment checks, no WXN
    __asm__ volatile("msr sctlr_el1, %0\nisb" :: "r"(sctlr) : "memory");
}

void lumen_mmu_limit_ram(uint64_t ram_end) {
    uint64_t first_unused = (ram_end + GIB - 1) / GIB;
    for (uint64_t i = first_unused; i < 512; i++) level1[i] = 0;
    lumen_tlb_flush_all();
}

// ---- guard pages -------------------------------------------------------------
// A thread's stack has an unmapped page below it. The 1 GiB block holding it is
// split into 2 MiB blocks and that one into 4 KiB pages, with the same
// attributes, from small static pools of tables (a handful of threads need a
// handful of tables). The block is replaced by an equivalent table without a
// break-before-make step: the kernel runs from the same block, and TCG, like
// every core with FEAT_BBM level 2, accepts a same-attribute split.
#define TABLE        0x3ull                 // level-1/2 table descriptor
#define PAGE         0x3ull                 // level-3 page descriptor
#define MIB2         (1ull << 21)
#define ADDRESS_MASK 0x0000fffffffff000ull

static uint64_t level2_pool[4][512] __attribute__((aligned(4096)));
static uint64_t level3_pool[24][512] __attribute__((aligned(4096)));
static int level2_used, level3_used;

static uint64_t *table_of(uint64_t descriptor) {
    return (uint64_t *)(uintptr_t)(descriptor & ADDRESS_MASK);
}

int lumen_mmu_set_page_mapped(uint64_t address, int mapped) {
    uint64_t i1 = (address >> 30) & 511, i2 = (address >> 21) & 511, i3 = (address >> 12) & 511;
    uint64_t d1 = level1[i1];
    if ((d1 & 1) == 0) return -1;                       // not RAM we map
    if ((d1 & 3) == BLOCK) {
        if (level2_used == 4) return -2;
        uint64_t *t = level2_pool[level2_used++];
        uint64_t attrs = d1 & ~ADDRESS_MASK & ~3ull;
        for (uint64_t i = 0; i < 512; i++) t[i] = ((i1 << 30) + i * MIB2) | attrs | BLOCK;
        __asm__ volatile("dsb ishst" ::: "memory");
        level1[i1] = (uint64_t)(uintptr_t)t | TABLE;
        d1 = level1[i1];
    }
    uint64_t *t2 = table_of(d1);
    uint64_t d2 = t2[i2];
    if ((d2 & 3) == BLOCK) {
        if (level3_used == 24) return -3;
        uint64_t *t = level3_pool[level3_used++];
        uint64_t attrs = d2 & (0xfff | (0xfffull << 52)) & ~3ull;
        uint64_t base = (i1 << 30) + i2 * MIB2;
        for (uint64_t i = 0; i < 512; i++) t[i] = (base + i * 4096) | attrs | PAGE;
        __asm__ volatile("dsb ishst" ::: "memory");
        t2[i2] = (uint64_t)(uintptr_t)t | TABLE;
        d2 = t2[i2];
    }
    uint64_t *t3 = table_of(d2);
    uint64_t attrs = ATTR(1) | AF | SH_INNER | UXN;
    t3[i3] = mapped ? ((address & ADDRESS_MASK) | attrs | PAGE) : 0;
    __asm__ volatile("dsb ishst\n tlbi vmalle1is\n dsb ish\n isb" ::: "memory");
    return 0;
}
