import KernelSupport
import Platform

/// The ARM generic timer (EL1 virtual timer): the monotonic clock, and one
/// hardware deadline programmed to the earliest software timer. Nothing spins;
/// an idle kernel sleeps in `wfi` until the next deadline.
enum GenericTimer {
    static var frequency: UInt64 = 62_500_000
    static var interrupt = 27
    /// Timer interrupts taken since boot (shown by `uptime`).
    static var interruptCount: UInt64 = 0

    struct Entry {
        var deadline: Instant
        var period: UInt64  // nanoseconds; 0 for one-shot
        var action: () -> Void
    }
    static var entries: [Entry] = []
    /// A bare wake-up (for a sleeping `waitForInterrupt`), with no action.
    static var wakeUp: Instant? = nil

    static func requestWakeUp(at deadline: Instant) {
        if let current = wakeUp, current <= deadline { return }
        wakeUp = deadline
        reprogram()
    }

    static func initialize(interrupt: Int) {
        frequency = lumen_read_cntfrq_el0()
        if frequency == 0 { frequency = 62_500_000 }
        self.interrupt = interrupt
        lumen_write_cntv_ctl_el0(0)
    }

    static func now() -> Instant {
        let ticks = lumen_counter()
        let product = ticks.multipliedFullWidth(by: 1_000_000_000)
        guard product.high < frequency else { return Instant(nanoseconds: .max) }
        return Instant(nanoseconds: frequency.dividingFullWidth(product).quotient)
    }

    static func ticks(for instant: Instant) -> UInt64 {
        let product = instant.nanoseconds.multipliedFullWidth(by: frequency)
        guard product.high < 1_000_000_000 else { return .max }
        return UInt64(1_000_000_000).dividingFullWidth(product).quotient
    }

    /// Runs `action` from the event loop after `milliseconds`, then every `period` ms if non-zero.
    static func schedule(afterMilliseconds milliseconds: UInt64, periodMilliseconds: UInt64 = 0,
                         _ action: @escaping () -> Void) {
        entries.append(Entry(deadline: now().adding(milliseconds: milliseconds),
                             period: periodMilliseconds * 1_000_000, action: action))
        reprogram()
    }

    /// The timer interrupt's handler (from the event loop): run what is due, re-arm.
    static func expire() {
        interruptCount &+= 1
        lumen_write_cntv_ctl_el0(0)
        let current = now()
        if let wake = wakeUp, wake <= current { wakeUp = nil }
        var due: [() -> Void] = []
        var index = 0
        while index < entries.count {
            if entries[index].deadline <= current {
                due.append(entries[index].action)
                if entries[index].period > 0 {
                    entries[index].deadline = current.adding(nanoseconds: entries[index].period)
                    index += 1
                } else {
                    entries.remove(at: index)
                }
            } else {
                index += 1
            }
        }
        reprogram()
        for action in due { action() }
    }

    /// Points the hardware comparator at the earliest deadline (or disables it).
    static func reprogram() {
        var next = wakeUp
        for entry in entries where next == nil || entry.deadline < next! { next = entry.deadline }
        guard let next else {
            lumen_write_cntv_ctl_el0(0)
            return
        }
        lumen_write_cntv_cval_el0(ticks(for: next))
        lumen_write_cntv_ctl_el0(1)  // ENABLE, interrupt not masked
    }
}
