import KernelSupport
import Scheduling

/// A blocking mutex for state two threads share across a wait (the file layer:
/// a shell command and httpd both walk the FAT and both wait for the disk).
struct KernelMutex {
    let mutex: ThreadMutex

    init(_ name: StaticString) {
        mutex = ThreadMutex(name: name)
    }

    func lock() {
        guard Threads.system != nil else { return }
        let saved = lumen_irq_save_disable()
        if !Threads.system!.scheduler.lockOrBlock(mutex) {
            // Blocked: `unlock` hands the mutex over before it wakes us.
            Threads.reschedule()
        }
        lumen_irq_restore(saved)
    }

    func unlock() {
        guard Threads.system != nil else { return }
        let saved = lumen_irq_save_disable()
        Threads.system!.scheduler.unlock(mutex)
        lumen_irq_restore(saved)
    }
}
