import KernelSupport
import Platform
import Scheduling

/// Interrupt bottom halves and the software timers, run by the `events` thread (the
/// boot context once boot is done). The interrupt itself does the minimum: it
/// masks the line, records it, wakes the threads waiting for that interrupt and
/// the events thread. Nothing runs handlers from inside a wait: a thread that
/// waits blocks, and the events thread runs them.
enum EventLoop {
    static let words = (GIC.maximumInterrupts + 63) / 64
    /// Interrupts that fired and whose handler has not run yet (written in IRQ context).
    static var pending: UnsafeMutablePointer<UInt64>? = nil
    /// How often each interrupt fired (written in IRQ context).
    static var fired: UnsafeMutablePointer<UInt32>? = nil
    /// `fired` as last seen by `consumeFired`.
    static var consumed: [UInt32] = []
    static var handlers: [(() -> Void)?] = []
    /// Threads blocked in `waitForInterrupt`, one queue per line (made on first use).
    static var waiters: [WaitQueue?] = []
    static var spuriousCount: UInt64 = 0
    /// The events thread sleeps here while nothing is pending.
    static let wakeQueue = WaitQueue(name: "events")
    /// Threads that wait for "something happened" (a frame drawn, frames
    /// received: `Net.wait`) sleep here; woken after each round of handlers.
    static let activityQueue = WaitQueue(name: "activity")

    /// Allocates the tables; must run before interrupts are unmasked.
    static func initialize() {
        let pendingTable = UnsafeMutablePointer<UInt64>.allocate(capacity: words)
        pendingTable.initialize(repeating: 0, count: words)
        let firedTable = UnsafeMutablePointer<UInt32>.allocate(capacity: GIC.maximumInterrupts)
        firedTable.initialize(repeating: 0, count: GIC.maximumInterrupts)
        handlers = Array(repeating: nil, count: GIC.maximumInterrupts)
        consumed = Array(repeating: 0, count: GIC.maximumInterrupts)
        waiters = Array(repeating: nil, count: GIC.maximumInterrupts)
        pending = pendingTable
        fired = firedTable
    }

    static func register(_ irq: Int, handler: @escaping () -> Void) -> Bool {
        guard irq >= 0, irq < GIC.lineCount, handlers[irq] == nil else { return false }
        handlers[irq] = handler
        GIC.configureLevelTriggered(irq)
        GIC.enable(irq)
        return true
    }

    /// Interrupt context: `irq`'s handler should run on the events thread,
    /// though its line stays unmasked (the timer's interrupt).
    static func markPending(_ irq: Int) {
        guard let pending else { return }
        pending[irq / 64] |= 1 << UInt64(irq % 64)
        Threads.system?.scheduler.wakeAll(wakeQueue)
    }

    /// Interrupt context: called by `lumen_irq` for every acknowledged interrupt.
    /// A line with a handler stays masked until the handler has run (it is level
    /// triggered: the handler quiets the device).
    @inline(__always)
    static func interruptFired(_ id: Int) {
        guard let pending, let fired else { return }
        if handlers[id] != nil {
            GIC.disable(id)
            pending[id / 64] |= 1 << UInt64(id % 64)
        }
        fired[id] &+= 1
        guard let scheduler = Threads.system?.scheduler else { return }
        if let queue = waiters[id] { scheduler.wakeAll(queue) }
        scheduler.wakeAll(wakeQueue)
    }

    /// Whether `irq` fired since the last call for it; resets that state.
    static func consumeFired(_ irq: Int) -> Bool {
        guard let fired, irq >= 0, irq < GIC.maximumInterrupts else { return false }
        let count = fired[irq]
        guard count != consumed[irq] else { return false }
        consumed[irq] = count
        return true
    }

    /// Blocks the calling thread until `irq` fires (true) or `deadline` passes
    /// (false). An interrupt between a driver's kick and this wait is not lost:
    /// it is counted, and the wait returns at once.
    static func waitForInterrupt(_ irq: Int, until deadline: Instant) -> Bool {
        guard irq >= 0, irq < GIC.maximumInterrupts else { return false }
        let saved = lumen_irq_save_disable()
        defer { lumen_irq_restore(saved) }
        while true {
            if consumeFired(irq) { return true }
            if GenericTimer.now() >= deadline { return false }
            guard Threads.system != nil else {
                // Before threads exist (early boot): sleep on the core.
                GenericTimer.reprogram(extra: deadline)
                lumen_wait_for_interrupt()
                lumen_irq_enable()
                lumen_irq_disable()
                continue
            }
            if waiters[irq] == nil { waiters[irq] = WaitQueue(name: "irq") }
            _ = Threads.block(on: waiters[irq], until: deadline)
        }
    }

    /// Rounds of handlers run so far: a thread that waits for a handler's effect
    /// reads it before it looks, and `waitForActivity` returns at once if a
    /// round ran since (between the look and the wait it may have been preempted).
    static var activity: UInt64 = 0

    /// Blocks until a round of handlers runs after `seen`, or `deadline` passes;
    /// false on Ctrl-C when `cancellable`.
    static func waitForActivity(since seen: UInt64, until deadline: Instant, cancellable: Bool) -> Bool {
        let saved = lumen_irq_save_disable()
        defer { lumen_irq_restore(saved) }
        if activity != seen { return true }
        return Threads.block(on: activityQueue, until: deadline, cancellable: cancellable) != .cancelled
    }

    /// Runs the handlers of every pending interrupt once. Returns whether
    /// anything ran. Events thread only.
    @discardableResult
    static func runPending() -> Bool {
        var ran = false
        guard let pending else { return false }
        for word in 0..<words {
            lumen_irq_disable()
            let bits = pending[word]
            pending[word] = 0
            lumen_irq_enable()
            if bits == 0 { continue }
            for bit in 0..<64 where bits & (1 << UInt64(bit)) != 0 {
                let id = word * 64 + bit
                handlers[id]?()
                // The handler may have collected what a thread waits for on
                // this line (a disk completion): count it as a firing and wake
                // the waiters. Otherwise a completion that arrives while the
                // line is masked would be collected here, its interrupt
                // acknowledged, and the waiter would sleep until its timeout.
                lumen_irq_disable()
                if let fired { fired[id] &+= 1 }
                if let queue = waiters[id] { Threads.scheduler.wakeAll(queue) }
                GIC.enable(id)
                lumen_irq_enable()
                ran = true
            }
        }
        if ran {
            activity &+= 1
            Threads.wakeAll(activityQueue)
        }
        return ran
    }

    static func hasPending() -> Bool {
        guard let pending else { return false }
        for word in 0..<words where pending[word] != 0 { return true }
        return false
    }

    /// The events thread's body: handlers as their interrupts come; blocked otherwise.
    static func run() -> Never {
        while true {
            if !runPending() {
                lumen_irq_disable()
                if !hasPending() { _ = Threads.block(on: wakeQueue) }
                lumen_irq_enable()
            }
        }
    }
}

/// IRQ entry from vectors.S (IRQs masked). Nothing here allocates: the
/// interrupted thread may be inside malloc. Acknowledges every pending
/// interrupt; the timer's is handled here in full (it wakes sleeping threads),
/// the others are recorded for their waiters and the events thread. At the end,
/// the idle thread gives way to a thread the interrupt woke.
@_cdecl("lumen_irq")
func lumenIRQ(_ frame: UnsafeMutablePointer<lumen_trap_frame>) {
    while true {
        let iar = GIC.acknowledgeInterrupt()
        let id = Int(iar & 0x3ff)
        if id >= GIC.maximumInterrupts {
            if id == Int(GIC.spurious) { EventLoop.spuriousCount &+= 1 }
            break
        }
        if id == GenericTimer.interrupt {
            GenericTimer.interruptTopHalf()
        } else {
            EventLoop.interruptFired(id)
        }
        GIC.endInterrupt(iar)
    }
    Threads.interruptReturn()
}
