// Where a kernel thread must not be switched away from at the end of an
// interrupt, even inside a preemptible section (Threads.preemptible): the
// allocator (its free lists) and picolibc's own locked sections (stdio). Each
// raises lumen_preempt_disabled while it runs; the IRQ exit switches threads
// only while it is zero. One core: a count is the whole lock.
#include <sys/lock.h>

#include "KernelSupport.h"

volatile int lumen_preempt_disabled;

struct __lock { int unused; };
struct __lock __lock___libc_recursive_mutex;

void __retarget_lock_init(_LOCK_T *lock) { *lock = &__lock___libc_recursive_mutex; }
void __retarget_lock_init_recursive(_LOCK_T *lock) { *lock = &__lock___libc_recursive_mutex; }
void __retarget_lock_close(_LOCK_T lock) { (void)lock; }
void __retarget_lock_close_recursive(_LOCK_T lock) { (void)lock; }
void __retarget_lock_acquire(_LOCK_T lock) { (void)lock; lumen_preempt_disabled++; }
void __retarget_lock_acquire_recursive(_LOCK_T lock) { (void)lock; lumen_preempt_disabled++; }
int __retarget_lock_try_acquire(_LOCK_T lock) { (void)lock; lumen_preempt_disabled++; return 1; }
int __retarget_lock_try_acquire_recursive(_LOCK_T lock) { (void)lock; lumen_preempt_disabled++; return 1; }
void __retarget_lock_release(_LOCK_T lock) { (void)lock; lumen_preempt_disabled--; }
void __retarget_lock_release_recursive(_LOCK_T lock) { (void)lock; lumen_preempt_disabled--; }
