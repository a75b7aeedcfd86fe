// The kernel's memcpy, memmove and memset. Debian's picolibc is built for
// size, and its versions move one byte per loop trip: under TCG every trip is a
// translated block, and a profile of a TCP download (QEMU's `-d exec`) showed
// those three loops executing more blocks than all the rest of the kernel put
// together. These move 32 bytes a trip with unaligned 64-bit loads and stores,
// which Normal memory allows once the MMU is on (all RAM is Normal write-back;
// nothing copies to or from the Device-mapped MMIO hole). Code that runs with
// the MMU off (start.S, mmu.c) makes no library calls.
//
// Built with -ffreestanding (no builtins), so clang does not turn these loops
// back into calls to themselves.
#include <stddef.h>
#include <stdint.h>

typedef uint64_t __attribute__((aligned(1), may_alias)) unaligned_u64;

static inline uint64_t load64(const unsigned char *p) { return *(const unaligned_u64 *)p; }
static inline void store64(unsigned char *p, uint64_t v) { *(unaligned_u64 *)p = v; }

// Forward copy: safe for any dst <= src overlap, since each 32-byte group is
// loaded whole before it is stored.
static void copy_forward(unsigned char *d, const unsigned char *s, size_t n) {
    while (n >= 32) {
        uint64_t a = load64(s), b = load64(s + 8), c = load64(s + 16), e = load64(s + 24);
        store64(d, a);
        store64(d + 8, b);
        store64(d + 16, c);
        store64(d + 24, e);
        d += 32;
        s += 32;
        n -= 32;
    }
    while (n >= 8) {
        store64(d, load64(s));
        d += 8;
        s += 8;
        n -= 8;
    }
    while (n--) *d++ = *s++;
}

// Backward copy, for dst > src overlaps: the same groups from the end.
static void copy_backward(unsigned char *d, const unsigned char *s, size_t n) {
    d += n;
    s += n;
    while (n >= 32) {
        d -= 32;
        s -= 32;
        n -= 32;
        uint64_t a = load64(s), b = load64(s + 8), c = load64(s + 16), e = load64(s + 24);
        store64(d + 24, e);
        store64(d + 16, c);
        store64(d + 8, b);
        store64(d, a);
    }
    while (n >= 8) {
        d -= 8;
        s -= 8;
        n -= 8;
        store64(d, load64(s));
    }
    while (n--) *--d = *--s;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    copy_forward(dst, src, n);
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0) return dst;
    // A group loaded whole before it is stored makes the forward copy safe
    // whenever the destination starts at or before the source, or does not
    // overlap it; otherwise copy from the end.
    if (d < s || d >= s + n) {
        copy_forward(d, s, n);
    } else {
        copy_backward(d, s, n);
    }
    return dst;
}

void *memset(void *dst, int value, size_t n) {
    unsigned char *d = dst;
    uint64_t pattern = (uint64_t)(unsigned char)value * 0x0101010101010101ull;
    while (n >= 32) {
        store64(d, pattern);
        store64(d + 8, pattern);
        store64(d + 16, pattern);
        store64(d + 24, pattern);
        d += 32;
        n -= 32;
    }
    while (n >= 8) {
        store64(d, pattern);
        d += 8;
        n -= 8;
    }
    while (n--) *d++ = (unsigned char)value;
    return dst;
}
