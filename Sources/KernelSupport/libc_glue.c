// What picolibc and Debian's glibc-built libfreetype.a expect from the system:
// a stdout stream, sbrk for the heap, a few glibc fortify/ABI entry points, and
// POSIX file calls that fail cleanly (fonts are loaded from memory, never files).
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "KernelSupport.h"

// ---- stdio --------------------------------------------------------------------
void (*lumen_console_putc)(uint8_t byte);

static int lumen_stdio_put(char c, FILE *file) {
    (void)file;
    if (lumen_console_putc) lumen_console_putc((uint8_t)c);
    return (unsigned char)c;
}
static int lumen_stdio_get(FILE *file) { (void)file; return EOF; }

static FILE lumen_stdio = FDEV_SETUP_STREAM(lumen_stdio_put, lumen_stdio_get, NULL, _FDEV_SETUP_RW);
FILE *const stdin = &lumen_stdio;
FILE *const stdout = &lumen_stdio;
FILE *const stderr = &lumen_stdio;

int lumen_format_version(char *buf, size_t size, int major, int minor, int patch) {
    return snprintf(buf, size, "%d.%d.%d", major, minor, patch);
}

// ---- heap -----------------------------------------------------------------------
// picolibc's malloc calls sbrk. The heap grows up from the end of the kernel image;
// the page allocator hands out pages from the top of RAM down and moves the limit.
static uintptr_t heap_break, heap_limit;

void lumen_heap_init(uintptr_t start, uintptr_t limit) { heap_break = start; heap_limit = limit; }
uintptr_t lumen_heap_break(void) { return heap_break; }
void lumen_heap_set_limit(uintptr_t limit) { heap_limit = limit; }

void *sbrk(ptrdiff_t increment) {
    if (heap_break == 0) { errno = ENOMEM; return (void *)-1; }
    uintptr_t old = heap_break;
    if (increment > 0 && (uintptr_t)increment > heap_limit - heap_break) {
        errno = ENOMEM;
        return (void *)-1;
    }
    heap_break += increment;
    return (void *)old;
}

// ---- glibc ABI used by Debian's arm64 libfreetype.a --------------------------------
uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ull;
__attribute__((noreturn)) void lumen_panic(const char *message);
__attribute__((noreturn)) void __stack_chk_fail(void) { lumen_panic("stack protector: stack smashed"); }
int *__errno_location(void) { return &errno; }

int __sprintf_chk(char *s, int flag, size_t slen, const char *format, ...) {
    (void)flag;
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(s, slen, format, ap);
    va_end(ap);
    return n;
}
int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *format, ...) {
    (void)flag; (void)slen;
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(s, maxlen, format, ap);
    va_end(ap);
    return n;
}
__attribute__((noreturn)) void __longjmp_chk(jmp_buf env, int val) { longjmp(env, val); }

// ---- POSIX files: none. FreeType's FT_Stream_Open fails and fonts come from memory ----
int open(const char *path, int flags, ...) { (void)path; (void)flags; errno = ENOENT; return -1; }
int close(int fd) { (void)fd; errno = EBADF; return -1; }
ssize_t read(int fd, void *buf, size_t n) { (void)fd; (void)buf; (void)n; errno = EBADF; return -1; }
ssize_t write(int fd, const void *buf, size_t n) { (void)fd; (void)buf; (void)n; errno = EBADF; return -1; }
off_t lseek(int fd, off_t off, int whence) { (void)fd; (void)off; (void)whence; errno = EBADF; return -1; }
int fstat(int fd, struct stat *st) { (void)fd; (void)st; errno = EBADF; return -1; }
int fcntl(int fd, int cmd, ...) { (void)fd; (void)cmd; errno = EBADF; return -1; }
void *mmap(void *a, size_t n, int p, int f, int fd, off_t o) {
    (void)a; (void)n; (void)p; (void)f; (void)fd; (void)o; errno = ENODEV; return (void *)-1;
}
int munmap(void *a, size_t n) { (void)a; (void)n; errno = EINVAL; return -1; }
__attribute__((noreturn)) void _exit(int status) { (void)status; lumen_panic("_exit called"); }

// ---- entropy: replaced by the virtio-rng pool; until then the counter's low bits ----
int getentropy(void *buf, size_t n) {
    uint8_t *p = buf;
    uint64_t x = lumen_counter() ^ 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        x ^= lumen_counter();
        p[i] = (uint8_t)(x >> 24);
    }
    return 0;
}

// ---- process calls: there is one "process", the kernel -------------------------------
__attribute__((noreturn)) void abort(void) { lumen_panic("abort() called"); }
pid_t getpid(void) { return 1; }
int kill(pid_t pid, int sig) { (void)pid; (void)sig; lumen_panic("kill() called (raise/abort)"); }
