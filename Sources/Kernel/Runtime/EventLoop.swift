import KernelSupport
import Platform

/// The kernel's only thread of control after boot. Interrupt context does the
/// minimum (acknowledge, mask the line, record it); this loop runs the handlers,
/// unmasks their lines, runs posted work, and sleeps in `wfi` when idle.
enum EventLoop {
    static let words = (GIC.maximumInterrupts + 63) / 64
    /// Interrupts that fired and whose handler has not run yet (written in IRQ context).
    static var pending: UnsafeMutablePointer<UInt64>? = nil
    /// How often each interrupt fired (written in IRQ context).
    static var fired: UnsafeMutablePointer<UInt32>? = nil
    /// `fired` as last seen by `consumeFired` (loop context only).
    static var consumed: [UInt32] = []
    static var handlers: [(() -> Void)?] = []
    static var work: [() -> Void] = []
    static var spuriousCount: UInt64 = 0

    /// Allocates the tables; must run before interrupts are unmasked.
    static func initialize() {
        let pendingTable = UnsafeMutablePointer<UInt64>.allocate(capacity: words)
        pendingTable.initialize(repeating: 0, count: words)
        let firedTable = UnsafeMutablePointer<UInt32>.allocate(capacity: GIC.maximumInterrupts)
        firedTable.initialize(repeating: 0, count: GIC.maximumInterrupts)
        handlers = Array(repeating: nil, count: GIC.maximumInterrupts)
        consumed = Array(repeating: 0, count: GIC.maximumInterrupts)
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

    /// Queues `action` to run from the loop (not from interrupt context).
    static func post(_ action: @escaping () -> Void) { work.append(action) }

    /// Interrupt context: called by `lumen_irq` for every acknowledged interrupt.
    @inline(__always)
    static func interruptFired(_ id: Int) {
        GIC.disable(id)
        guard let pending, let fired else { return }
        pending[id / 64] |= 1 << UInt64(id % 64)
        fired[id] &+= 1
    }

    /// Whether `irq` fired since the last call for it; resets that state.
    static func consumeFired(_ irq: Int) -> Bool {
        guard let fired, irq >= 0, irq < GIC.maximumInterrupts else { return false }
        let count = fired[irq]
        guard count != consumed[irq] else { return false }
        consumed[irq] = count
        return true
    }

    /// Runs the handlers of every pending interrupt and the posted work once.
    /// Returns whether anything ran.
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
                GIC.enable(id)
                ran = true
            }
        }
        while !work.isEmpty {
            let batch = work
            work.removeAll()
            for action in batch { action() }
            ran = true
        }
        if ran { activity &+= 1 }
        return ran
    }

    /// Counts the `runPending` calls that ran something: a loop that waits for
    /// a handler's effect compares it before sleeping, so an effect that landed
    /// while it was busy elsewhere is not slept through.
    static var activity: UInt64 = 0

    static func hasPending() -> Bool {
        guard let pending else { return false }
        for word in 0..<words where pending[word] != 0 { return true }
        return !work.isEmpty
    }

    /// Sleeps until an interrupt arrives. IRQs are masked while we decide, so one
    /// that fires between the check and `wfi` still wakes the core.
    static func sleepUntilInterrupt() {
        lumen_irq_disable()
        if !hasPending() { lumen_wait_for_interrupt() }
        lumen_irq_enable()
    }

    static func run() -> Never {
        while true {
            if !runPending() { sleepUntilInterrupt() }
        }
    }
}

/// IRQ entry from vectors.S.
@_cdecl("lumen_irq")
func lumenIRQ(_ frame: UnsafeMutablePointer<lumen_trap_frame>) {
    while true {
        let iar = GIC.acknowledgeInterrupt()
        let id = Int(iar & 0x3ff)
        if id >= GIC.maximumInterrupts {
            if id == Int(GIC.spurious) { EventLoop.spuriousCount &+= 1 }
            return
        }
        EventLoop.interruptFired(id)
        GIC.endInterrupt(iar)
    }
}
