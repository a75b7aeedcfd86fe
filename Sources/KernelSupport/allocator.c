// The kernel's malloc: segregated free lists over sbrk. picolibc's nano-malloc
// keeps one first-fit list, and with the console's scrollback (thousands of
// small line buffers allocated and freed in turn) every malloc and free walked
// it: writing 256 KiB of text got 6x slower per byte than writing 16 KiB.
// Here sizes up to 512 bytes round to 16-byte classes and larger ones to powers
// of two up to 1 MiB, each class with its own LIFO free list, so malloc and free
// are O(1). Bigger blocks (rare: framebuffers come from the page allocator) use
// a first-fit list. Freed memory is kept for reuse, never given back to sbrk.
// Single core, and interrupt handlers never allocate; a thread preempted at the
// end of an interrupt (Threads.preemptible) must not be in here, so the public
// entry points raise lumen_preempt_disabled while they run.
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

// Every block starts with this header; the caller's pointer follows it.
typedef struct block_header {
    uint64_t size;    // usable bytes after the header
    uint64_t offset;  // for aligned blocks: distance back to the real header (0 otherwise)
} block_header;

typedef struct free_block { struct free_block *next; } free_block;

#define HEADER sizeof(block_header)
#define SMALL_LIMIT 512
#define SMALL_CLASSES (SMALL_LIMIT / 16)           // 16, 32, ... 512
#define LARGE_CLASSES 11                           // 1 KiB ... 1 MiB
#define CLASSES (SMALL_CLASSES + LARGE_CLASSES)
#define HUGE_CLASS CLASSES

static free_block *free_lists[CLASSES + 1];

static int class_of(size_t size, size_t *rounded) {
    if (size == 0) size = 1;
    if (size <= SMALL_LIMIT) {
        size_t r = (size + 15) & ~(size_t)15;
        *rounded = r;
        return (int)(r / 16) - 1;
    }
    size_t r = 1024;
    int index = SMALL_CLASSES;
    while (r < size && index < CLASSES - 1) { r <<= 1; index++; }
    if (r < size) {  // huge: exact size, 4 KiB granularity
        *rounded = (size + 4095) & ~(size_t)4095;
        return HUGE_CLASS;
    }
    *rounded = r;
    return index;
}

extern volatile int lumen_preempt_disabled;

static void *allocate(size_t size) {
    if (size > ((size_t)1 << 40)) { errno = ENOMEM; return NULL; }
    size_t rounded;
    int index = class_of(size, &rounded);
    if (index == HUGE_CLASS) {
        // First fit among freed huge blocks.
        free_block **link = &free_lists[HUGE_CLASS];
        while (*link) {
            block_header *header = (block_header *)((char *)*link - HEADER);
            if (header->size >= rounded) {
                void *found = *link;
                *link = (*link)->next;
                return found;
            }
            link = &(*link)->next;
        }
    } else if (free_lists[index]) {
        free_block *block = free_lists[index];
        free_lists[index] = block->next;
        return block;
    }
    void *raw = sbrk((ptrdiff_t)(rounded + HEADER));
    if (raw == (void *)-1) { errno = ENOMEM; return NULL; }
    block_header *header = raw;
    header->size = rounded;
    header->offset = 0;
    return (char *)raw + HEADER;
}

static block_header *header_of(void *pointer) {
    block_header *header = (block_header *)((char *)pointer - HEADER);
    if (header->offset) header = (block_header *)((char *)header - header->offset);
    return header;
}

static void release(void *pointer) {
    block_header *header = header_of(pointer);
    size_t rounded;
    int index = class_of(header->size, &rounded);
    if (index != HUGE_CLASS && rounded != header->size) index = HUGE_CLASS;  // never misfile a block
    free_block *block = (free_block *)((char *)header + HEADER);
    block->next = free_lists[index];
    free_lists[index] = block;
}

// The free lists are shared by every thread: no switch while they change.
void *malloc(size_t size) {
    lumen_preempt_disabled++;
    void *pointer = allocate(size);
    lumen_preempt_disabled--;
    return pointer;
}

void free(void *pointer) {
    if (!pointer) return;
    lumen_preempt_disabled++;
    release(pointer);
    lumen_preempt_disabled--;
}

size_t malloc_usable_size(void *pointer) {
    if (!pointer) return 0;
    block_header *own = (block_header *)((char *)pointer - HEADER);
    if (!own->offset) return own->size;
    block_header *real = header_of(pointer);
    return real->size - (size_t)((char *)pointer - ((char *)real + HEADER));
}

void *calloc(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) { errno = ENOMEM; return NULL; }
    void *pointer = malloc(count * size);
    if (pointer) memset(pointer, 0, count * size);
    return pointer;
}

void *realloc(void *pointer, size_t size) {
    if (!pointer) return malloc(size);
    if (size == 0) { free(pointer); return NULL; }
    size_t usable = malloc_usable_size(pointer);
    if (size <= usable) return pointer;
    void *moved = malloc(size);
    if (!moved) return NULL;
    memcpy(moved, pointer, usable);
    free(pointer);
    return moved;
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1))) return EINVAL;
    if (alignment <= 16) {
        void *pointer = malloc(size);
        if (!pointer) return ENOMEM;
        *result = pointer;
        return 0;
    }
    char *raw = malloc(size + alignment + HEADER);
    if (!raw) return ENOMEM;
    uintptr_t aligned = ((uintptr_t)raw + HEADER + alignment - 1) & ~(uintptr_t)(alignment - 1);
    if (aligned - HEADER == (uintptr_t)raw - HEADER) { *result = raw; return 0; }
    block_header *header = (block_header *)(aligned - HEADER);
    header->offset = (uint64_t)((char *)header - (raw - HEADER));
    header->size = 0;
    *result = (void *)aligned;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    void *pointer = NULL;
    return posix_memalign(&pointer, alignment, size) == 0 ? pointer : NULL;
}

void *memalign(size_t alignment, size_t size) { return aligned_alloc(alignment, size); }
