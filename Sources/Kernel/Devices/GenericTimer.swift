import KernelSupport
import Platform

/// The ARM generic timer (EL1 virtual timer): the monotonic clock, and one
/// hardware deadline programmed to the earliest of the software timers and the
/// sleeping threads' deadlines. Tickless: with nothing due, the comparator is
/// off and an idle kernel sleeps in `wfi`.
///
/// The interrupt is handled in full in interrupt context (`interruptTopHalf`):
/// it wakes the threads whose deadline passed and, when a software timer is
/// due, hands the events thread its actions (`expire`).
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
    /// Software timers; touched with IRQs masked (the interrupt reads them).
    static var entries: [Entry] = []
    /// Set by the interrupt when a software timer is due and cleared by
    /// `expire`: until then the comparator ignores the software timers.
    static var actionsDue = false

    /// Nanoseconds per tick as a 32.32 fixed-point number: `now` multiplies
    /// instead of dividing (a 128-by-64-bit division is a long software loop,
    /// and the clock is read on every context switch).
    static var nanosecondsPerTick: UInt64 = 16 << 32

    static func initialize(interrupt: Int) {
        frequency = lumen_read_cntfrq_el0()
        if frequency == 0 { frequency = 62_500_000 }
        nanosecondsPerTick = (UInt64(1_000_000_000) << 32) / frequency
        self.interrupt = interrupt
        lumen_write_cntv_ctl_el0(0)
    }

    @inline(__always)
    static func now() -> Instant {
        let product = lumen_counter().multipliedFullWidth(by: nanosecondsPerTick)
        // (ticks × ns-per-tick) >> 32, from the 128-bit product.
        return Instant(nanoseconds: product.high << 32 | product.low >> 32)
    }

    static func ticks(for instant: Instant) -> UInt64 {
        let product = instant.nanoseconds.multipliedFullWidth(by: frequency)
        guard product.high < 1_000_000_000 else { return .max }
        return UInt64(1_000_000_000).dividingFullWidth(product).quotient
    }

    /// Runs `action` on the events thread after `milliseconds`, then every `period` ms if non-zero.
    static func schedule(afterMilliseconds milliseconds: UInt64, periodMilliseconds: UInt64 = 0,
                         _ action: @escaping () -> Void) {
        let entry = Entry(deadline: now().adding(milliseconds: milliseconds),
                          period: periodMilliseconds * 1_000_000, action: action)
        let saved = lumen_irq_save_disable()
        entries.append(entry)
        reprogram()
        lumen_irq_restore(saved)
    }

    /// Interrupt context: the comparator fired.
    static func interruptTopHalf() {
        interruptCount &+= 1
        lumen_write_cntv_ctl_el0(0)
        let current = now()
        Threads.expireDeadlines(now: current)
        if !actionsDue, entries.contains(where: { $0.deadline <= current }) {
            // Nothing here may allocate (the interrupted thread may be inside
            // malloc): the events thread finds the timer's line pending and
            // runs its handler, `expire`.
            actionsDue = true
            EventLoop.markPending(interrupt)
        }
        reprogram()
    }

    /// The events thread: runs the software timers that are due, re-arms.
    static func expire() {
        lumen_irq_disable()
        actionsDue = false
        let current = now()
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
        lumen_irq_enable()
        for action in due { action() }
    }

    /// Points the hardware comparator at the earliest deadline (or disables it).
    /// IRQs masked. `extra` is a deadline of a caller that waits without threads.
    static func reprogram(extra: Instant? = nil) {
        var next = Threads.nextDeadline
        if let extra, next == nil || extra < next! { next = extra }
        if !actionsDue {
            for entry in entries where next == nil || entry.deadline < next! { next = entry.deadline }
        }
        guard let next else {
            lumen_write_cntv_ctl_el0(0)
            return
        }
        lumen_write_cntv_cval_el0(ticks(for: next))
        lumen_write_cntv_ctl_el0(1)  // ENABLE, interrupt not masked
    }
}
