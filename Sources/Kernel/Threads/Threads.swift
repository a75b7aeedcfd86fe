import KernelSupport
import Platform
import Scheduling

/// The kernel's threads: the glue between the scheduling rules (`Scheduler`,
/// portable and host-tested) and the CPU (the context switch in context.S, the
/// IRQ mask, the timer).
///
/// Preemption. A thread that a timer or device interrupt made ready runs at
/// the end of that interrupt when it outranks the interrupted thread and the
/// interrupted thread is preemptible: the idle thread always, a kernel thread
/// inside `preemptible` sections (the console's parsing of output and its
/// drawing of frames: the long computations, which touch only what the console
/// lock guards), never while the allocator or a C library lock runs
/// (`lumen_preempt_disabled`). Elsewhere a thread keeps the CPU until it
/// blocks (every wait blocks: disk, network, input, a lock, a sleep), yields,
/// or passes a preemption point (`preemptionPoint`, in the console's output
/// path and the shell's Ctrl-C checks) while a thread of higher priority is
/// ready: code between two such points runs alone, as in a classic Unix
/// kernel, and state two threads share across a wait has a `KernelMutex`.
enum Threads {
    /// The scheduler and every live thread: the current thread. Global because
    /// the IRQ entry, the fault handler and the new-thread trampoline, which
    /// have no object to start from, reach it.
    static var system: ThreadSystem? = nil

    /// The thread running now.
    static func current() -> ScheduledThread { system!.scheduler.current }

    /// The boot context becomes the thread `name` (it keeps the boot stack) and
    /// the idle thread is created. Call with IRQs masked, before any wait.
    static func start(bootThreadName: String, priority: ThreadPriority, memory: PhysicalMemory, timer: GenericTimer) {
        let boot = ScheduledThread(id: 1, name: bootThreadName, priority: priority)
        let scheduler = Scheduler(running: boot)
        let system = ThreadSystem(scheduler: scheduler, memory: memory, timer: timer)
        system.kernelThreads.append(KernelThread(control: boot, stackBase: UInt64(lumen_stack_bottom()) - UInt64(PageAllocator.pageSize),
                                                 stackPages: (Int(lumen_stack_top() - lumen_stack_bottom())) / PageAllocator.pageSize + 1,
                                                 guarded: false, memory: nil, body: {}))
        self.system = system
        system.lastSwitch = GenericTimer.now().nanoseconds
        system.idle = spawn(name: "idle", priority: .idle, stackKiB: 16) { idleLoop() }
    }

    /// Starts a thread; it runs once it is the best ready one.
    @discardableResult
    static func spawn(name: String, priority: ThreadPriority, stackKiB: Int = 128,
                      _ body: @escaping () -> Void) -> ScheduledThread? {
        guard let system else { return nil }
        guard let thread = KernelThread.create(name: name, priority: priority, stackKiB: stackKiB,
                                               scheduler: system.scheduler, memory: system.memory, body: body) else {
            print("threads: no memory for a \(stackKiB) KiB stack for " + name)
            return nil
        }
        if !thread.guarded { print("threads: " + name + " runs without a stack guard page") }
        let saved = lumen_irq_save_disable()
        system.kernelThreads.append(thread)
        system.scheduler.add(thread.control)
        lumen_irq_restore(saved)
        return thread.control
    }

    // MARK: - Switching (IRQs masked)

    /// Switches to whatever the scheduler picks; returns when this thread runs again.
    static func reschedule(yielding: Bool = false) {
        guard let system else { return }
        let previous = system.scheduler.current
        let next = system.scheduler.switchToNext(yielding: yielding)
        guard next !== previous else { return }
        let now = GenericTimer.now().nanoseconds
        previous.cpuNanoseconds &+= now &- system.lastSwitch
        system.lastSwitch = now
        if previous.state == .exited { system.reap(previous) }
        withUnsafeMutablePointer(to: &previous.context) { lumen_context_switch($0, next.context) }
        system.releaseExited()
    }

    /// Blocks the current thread on `queue` until woken, `deadline`, or (when
    /// `cancellable`) `cancel`. Returns why it woke. Call with IRQs masked.
    static func block(on queue: WaitQueue?, until deadline: Instant? = nil, cancellable: Bool = false)
        -> ScheduledThread.WakeReason {
        guard let system else { return .woken }
        let thread = system.scheduler.current
        guard system.scheduler.block(on: queue, until: deadline?.nanoseconds, cancellable: cancellable) else {
            return thread.wakeReason
        }
        if deadline != nil { system.timer.reprogram() }
        reschedule()
        return thread.wakeReason
    }

    // MARK: - For everyone

    /// Lets a ready thread of higher priority run first (a long command's
    /// output path calls this between pieces).
    static func preemptionPoint() {
        guard let system else { return }
        let saved = lumen_irq_save_disable()
        if system.scheduler.shouldPreempt { reschedule() }
        lumen_irq_restore(saved)
    }

    /// Gives the CPU to another ready thread of the same or higher priority.
    static func yield() {
        guard system != nil else { return }
        let saved = lumen_irq_save_disable()
        reschedule(yielding: true)
        lumen_irq_restore(saved)
    }

    /// Sleeps until `deadline` (or Ctrl-C when `cancellable`); false if cancelled.
    @discardableResult
    static func sleep(until deadline: Instant, cancellable: Bool = false) -> Bool {
        guard system != nil else { return true }
        let saved = lumen_irq_save_disable()
        defer { lumen_irq_restore(saved) }
        while GenericTimer.now() < deadline {
            if block(on: nil, until: deadline, cancellable: cancellable) == .cancelled { return false }
        }
        return true
    }

    static func sleep(milliseconds: UInt64, cancellable: Bool = false) -> Bool {
        sleep(until: GenericTimer.now().adding(milliseconds: milliseconds), cancellable: cancellable)
    }

    /// Wakes every waiter of `queue` (any context).
    static func wakeAll(_ queue: WaitQueue) {
        guard let system else { return }
        let saved = lumen_irq_save_disable()
        system.scheduler.wakeAll(queue)
        lumen_irq_restore(saved)
    }

    /// Ctrl-C for `thread`: its cancellable wait ends (or the next one will).
    static func cancel(_ thread: ScheduledThread) {
        guard let system else { return }
        let saved = lumen_irq_save_disable()
        system.scheduler.cancel(thread)
        lumen_irq_restore(saved)
    }

    static func clearCancel(_ thread: ScheduledThread) {
        guard let system else { return }
        let saved = lumen_irq_save_disable()
        system.scheduler.clearCancel(thread)
        lumen_irq_restore(saved)
    }

    /// Wakes threads whose deadline passed (the timer's interrupt, IRQs masked).
    static func expireDeadlines(now: Instant) {
        system?.scheduler.expire(now: now.nanoseconds)
    }

    static func nextDeadline() -> Instant? {
        guard let deadline = system?.scheduler.nextDeadline else { return nil }
        return Instant(nanoseconds: deadline)
    }

    /// The end of every interrupt: a thread the interrupt made ready runs now
    /// if it outranks the interrupted one and that one may be preempted (the
    /// idle thread; a kernel thread in a `preemptible` section outside the
    /// allocator); otherwise at the interrupted thread's next preemption point.
    static func interruptReturn() {
        guard let system else { return }
        let current = system.scheduler.current
        guard current === system.idle || (current.preemptible && lumen_preemption_disabled() == 0),
              system.scheduler.shouldPreempt else { return }
        if current !== system.idle { system.preemptions &+= 1 }
        reschedule()
    }

    /// Runs `body` preemptible: an interrupt that readies a thread of higher
    /// priority switches to it at once. `body` may touch only what is its
    /// thread's own or guarded by a lock every other user takes too.
    static func preemptible<T>(_ body: () -> T) -> T {
        guard let system else { return body() }
        let thread = system.scheduler.current
        let outer = thread.preemptible
        thread.preemptible = true
        defer { thread.preemptible = outer }
        return body()
    }

    // MARK: - The idle thread

    static func idleLoop() -> Never {
        while true {
            lumen_irq_disable()
            if system!.scheduler.readyCount > 0 {
                reschedule(yielding: true)
            } else {
                lumen_wait_for_interrupt()
            }
            lumen_irq_enable()
        }
    }

    /// The thread whose stack guard page holds `address` (a stack overflow).
    static func guardPageOwner(of address: UInt64) -> String? {
        guard let system else { return nil }
        for thread in system.kernelThreads where thread.guarded
            && address >= thread.stackBase && address < thread.stackBottom {
            return thread.control.name
        }
        return nil
    }

    /// The kernel thread whose stack holds `address` (for backtraces).
    static func stackRange(containing address: UInt64) -> (low: UInt64, high: UInt64)? {
        guard let system else { return nil }
        for thread in system.kernelThreads where address >= thread.stackBottom && address < thread.stackTop {
            return (thread.stackBottom, thread.stackTop)
        }
        return nil
    }
}

/// The scheduler and the machine side of every thread, built once at boot.
final class ThreadSystem {
    let scheduler: Scheduler
    /// Where thread stacks come from.
    let memory: PhysicalMemory
    /// Reprogrammed when a thread sleeps until a deadline.
    let timer: GenericTimer
    var kernelThreads: [KernelThread] = []
    /// Exited threads whose stacks are freed after the switch away from them.
    var exited: [KernelThread] = []
    var lastSwitch: UInt64 = 0
    /// Kernel threads switched away from at the end of an interrupt.
    var preemptions: UInt64 = 0

    init(scheduler: Scheduler, memory: PhysicalMemory, timer: GenericTimer) {
        self.scheduler = scheduler
        self.memory = memory
        self.timer = timer
    }

    /// The idle thread: the one an interrupt preempts at once (checked on
    /// every interrupt, so kept rather than searched for).
    var idle: ScheduledThread? = nil

    func thread(withID id: Int) -> KernelThread? { kernelThreads.first { $0.control.id == id } }

    func reap(_ control: ScheduledThread) {
        guard let index = kernelThreads.firstIndex(where: { $0.control === control }) else { return }
        exited.append(kernelThreads.remove(at: index))
    }

    func releaseExited() {
        guard !exited.isEmpty else { return }
        for thread in exited { thread.releaseStack() }
        exited.removeAll()
    }
}

/// A new thread's first Swift code (from lumen_thread_trampoline, IRQs on).
@_cdecl("lumen_thread_entry")
func lumenThreadEntry(_ id: UInt64) -> Never {
    if let system = Threads.system {
        lumen_irq_disable()
        system.releaseExited()
        lumen_irq_enable()
        system.thread(withID: Int(id))?.body()
    }
    lumen_irq_disable()
    Threads.system!.scheduler.exitCurrent()
    Threads.reschedule()
    lumenPanic("an exited thread was scheduled again")
}
