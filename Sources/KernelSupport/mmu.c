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
