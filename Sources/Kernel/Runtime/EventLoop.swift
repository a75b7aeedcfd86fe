import KernelSupport
import Platform
import Scheduling

/// Interrupt bottom halves and the software timers, run by the `events` thread (the
/// boot context once boot is done). The interrupt itself does the minimum: it
/// masks the line, records it, wakes the threads waiting for that interrupt and
/// the events thread. Nothing runs handlers from inside a wait: a thread that
/// waits blocks, and the events thread runs them.
final class EventLoop {
    /// The interrupt dispatch table of the running kernel. Global because the
    /// IRQ vector (`lumen_irq`), entered from assembly with nothing in hand,
    /// must reach it; set once at boot.
    static var installed: EventLoop? = nil

    static let words = (GIC.maximumInterrupts + 63) / 64
    let gic: GIC
    /// The timer, whose interrupt is handled in full in interrupt context.
    let timer: GenericTimer
    /// Interrupts that fired and whose handler has not run yet (written in IRQ context).
    let pending: UnsafeMutablePointer<UInt64>
    /// How often each interrupt fired (written in IRQ context).
    let fired: UnsafeMutablePointer<UInt32>
    /// `fired` as last seen by `consumeFired`.
    var consumed: [UInt32]
    var handlers: [(() -> Void)?]
    /// Threads blocked in `waitForInterrupt`, one queue per line (made on first use).
    var waiters: [WaitQueue?]
    var spuriousCount: UInt64 = 0
    /// The events thread sleeps here while nothing is pending.
    let wakeQueue = WaitQueue(name: "events")
    /// Threads that wait for "something happened" (a frame drawn, frames
    /// received: `Net.wait`) sleep here; woken after each round of handlers.
    let activityQueue = WaitQueue(name: "activity")

    /// Makes the tables; must run before interrupts are unmasked.
    init(gic: GIC, timer: GenericTimer) {
        self.gic = gic
        self.timer = timer
        pending = UnsafeMutablePointer<UInt64>.allocate(capacity: EventLoop.words)
        pending.initialize(repeating: 0, count: EventLoop.words)
        fired = UnsafeMutablePointer<UInt32>.allocate(capacity: GIC.maximumInterrupts)
        fired.initialize(repeating: 0, count: GIC.maximumInterrupts)
        handlers = Array(repeating: nil, count: GIC.maximumInterrupts)
        consumed = Array(repeating: 0, count: GIC.maximumInterrupts)
        waiters = Array(repeating: nil, count: GIC.maximumInterrupts)
    }

    func register(_ irq: Int, handler: @escaping () -> Void) -> Bool {
        guard irq >= 0, irq < gic.lineCount, handlers[irq] == nil else { return false }
        handlers[irq] = handler
        gic.configureLevelTriggered(irq)
        gic.enable(irq)
        return true
    }

    /// Interrupt context: `irq`'s handler should run on the events thread,
    /// though its line stays unmasked (the timer's interrupt).
    func markPending(_ irq: Int) {
        pending[irq / 64] |= 1 << UInt64(irq % 64)
        Threads.system?.scheduler.wakeAll(wakeQueue)
    }

    /// Interrupt context: called by `lumen_irq` for every acknowledged interrupt.
    /// A line with a handler stays masked until the handler has run (it is level
    /// triggered: the handler quiets the device).
    @inline(__always)
    func interruptFired(_ id: Int) {
        if handlers[id] != nil {
            gic.disable(id)
            pending[id / 64] |= 1 << UInt64(id % 64)
        }
        fired[id] &+= 1
        guard let scheduler = Threads.system?.scheduler else { return }
        if let queue = waiters[id] { scheduler.wakeAll(queue) }
        scheduler.wakeAll(wakeQueue)
    }

    /// Whether `irq` fired since the last call for it; resets that state.
    func consumeFired(_ irq: Int) -> Bool {
        guard irq >= 0, irq < GIC.maximumInterrupts else { return false }
        let count = fired[irq]
        guard count != consumed[irq] else { return false }
        consumed[irq] = count
        return true
    }

    /// Blocks the calling thread until `irq` fires, `deadline` passes, or (when
    /// `cancellable`) the thread's command is interrupted. An interrupt between
    /// a driver's kick and this wait is not lost: it is counted, and the wait
    /// returns at once.
    func waitForInterrupt(_ irq: Int, until deadline: Instant, cancellable: Bool) -> InterruptWait {
        guard irq >= 0, irq < GIC.maximumInterrupts else { return .timedOut }
        let saved = lumen_irq_save_disable()
        defer { lumen_irq_restore(saved) }
        while true {
            if consumeFired(irq) { return .fired }
            if GenericTimer.now() >= deadline { return .timedOut }
            guard Threads.system != nil else {
                // Before threads exist (early boot): sleep on the core.
                timer.reprogram(extra: deadline)
                lumen_wait_for_interrupt()
                lumen_irq_enable()
                lumen_irq_disable()
                continue
            }
            if waiters[irq] == nil { waiters[irq] = WaitQueue(name: "irq") }
            if Threads.block(on: waiters[irq], until: deadline, cancellable: cancellable) == .cancelled { return .cancelled }
        }
    }

    /// Rounds of handlers run so far: a thread that waits for a handler's effect
    /// reads it before it looks, and `waitForActivity` returns at once if a
    /// round ran since (between the look and the wait it may have been preempted).
    private(set) var activity: UInt64 = 0

    /// Blocks until a round of handlers runs after `seen`, or `deadline` passes;
    /// false on Ctrl-C when `cancellable`.
    func waitForActivity(since seen: UInt64, until deadline: Instant, cancellable: Bool) -> Bool {
        let saved = lumen_irq_save_disable()
        defer { lumen_irq_restore(saved) }
        if activity != seen { return true }
        return Threads.block(on: activityQueue, until: deadline, cancellable: cancellable) != .cancelled
    }

    /// Runs the handlers of every pending interrupt once. Returns whether
    /// anything ran. Events thread only.
    @discardableResult
    func runPending() -> Bool {
        var ran = false
        for word in 0..<EventLoop.words {
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
                fired[id] &+= 1
                if let queue = waiters[id] { Threads.wakeAll(queue) }
                gic.enable(id)
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

    func hasPending() -> Bool {
        for word in 0..<EventLoop.words where pending[word] != 0 { return true }
        return false
    }

    /// The events thread's body: handlers as their interrupts come; blocked otherwise.
    func run() -> Never {
        while true {
            if !runPending() {
                lumen_irq_disable()
                if !hasPending() { _ = Threads.block(on: wakeQueue) }
                lumen_irq_enable()
            }
        }
    }

    /// IRQ context: acknowledges every pending interrupt; the timer's is
    /// handled here in full (it wakes sleeping threads), the others are
    /// recorded for their waiters and the events thread.
    func dispatchInterrupts() {
        while true {
            let iar = gic.acknowledgeInterrupt()
            let id = Int(iar & 0x3ff)
            if id >= GIC.maximumInterrupts {
                if id == Int(GIC.spurious) { spuriousCount &+= 1 }
                break
            }
            if id == timer.interrupt {
                if timer.interruptTopHalf() { markPending(id) }
            } else {
                interruptFired(id)
            }
            gic.endInterrupt(iar)
        }
    }
}

/// IRQ entry from vectors.S (IRQs masked). Nothing here allocates: the
/// interrupted thread may be inside malloc. At the end, the idle thread gives
/// way to a thread the interrupt woke.
@_cdecl("lumen_irq")
func lumenIRQ(_ frame: UnsafeMutablePointer<lumen_trap_frame>) {
    EventLoop.installed?.dispatchInterrupts()
    Threads.interruptReturn()
}
