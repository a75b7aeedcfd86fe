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

/// A mutex its holder may take again (the console lock: a `print` from inside
/// a locked console operation writes to the console).
final class RecursiveKernelMutex {
    private let mutex: KernelMutex
    private var depth = 0

    init(_ name: StaticString) {
        mutex = KernelMutex(name)
    }

    func lock() {
        guard let system = Threads.system else { return }
        if mutex.mutex.owner === system.scheduler.current {
            depth += 1
            return
        }
        mutex.lock()
    }

    func unlock() {
        guard Threads.system != nil else { return }
        if depth > 0 {
            depth -= 1
            return
        }
        mutex.unlock()
    }

    func withLock<T>(_ body: () -> T) -> T {
        lock()
        defer { unlock() }
        return body()
    }
}
