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
final class GenericTimer {
    /// Nanoseconds per tick as a 32.32 fixed-point number: `now` multiplies
    /// instead of dividing (a 128-by-64-bit division is a long software loop,
    /// and the clock is read on every context switch). Global because the
    /// counter is the hardware's and `now` is read everywhere, the IRQ path
    /// included; written once at boot, from CNTFRQ.
    static var nanosecondsPerTick: UInt64 = 16 << 32

    let frequency: UInt64
    let interrupt: Int
    /// Timer interrupts taken since boot (shown by `uptime`).
    private(set) var interruptCount: UInt64 = 0

    struct Entry {
        var deadline: Instant
        var period: UInt64  // nanoseconds; 0 for one-shot
        var action: () -> Void
    }
    /// Software timers; touched with IRQs masked (the interrupt reads them).
    private var entries: [Entry] = []
    /// Set by the interrupt when a software timer is due and cleared by
    /// `expire`: until then the comparator ignores the software timers.
    private var actionsDue = false

    init(interrupt: Int) {
        var frequency = lumen_read_cntfrq_el0()
        if frequency == 0 { frequency = 62_500_000 }
        self.frequency = frequency
        GenericTimer.nanosecondsPerTick = (UInt64(1_000_000_000) << 32) / frequency
        self.interrupt = interrupt
        lumen_write_cntv_ctl_el0(0)
    }

    @inline(__always)
    static func now() -> Instant {
        let product = lumen_counter().multipliedFullWidth(by: nanosecondsPerTick)
        // (ticks × ns-per-tick) >> 32, from the 128-bit product.
        return Instant(nanoseconds: product.high << 32 | product.low >> 32)
    }

    func ticks(for instant: Instant) -> UInt64 {
        let product = instant.nanoseconds.multipliedFullWidth(by: frequency)
        guard product.high < 1_000_000_000 else { return .max }
        return UInt64(1_000_000_000).dividingFullWidth(product).quotient
    }

    /// Runs `action` on the events thread after `milliseconds`, then every `period` ms if non-zero.
    func schedule(afterMilliseconds milliseconds: UInt64, periodMilliseconds: UInt64 = 0,
                         _ action: @escaping () -> Void) {
        let entry = Entry(deadline: GenericTimer.now().adding(milliseconds: milliseconds),
                          period: periodMilliseconds * 1_000_000, action: action)
        let saved = lumen_irq_save_disable()
        entries.append(entry)
        reprogram()
        lumen_irq_restore(saved)
    }

    /// Interrupt context: the comparator fired. Wakes the threads whose
    /// deadline passed; true when software timers are due, so the events
    /// thread is to run `expire` (nothing here may allocate: the interrupted
    /// thread may be inside malloc).
    func interruptTopHalf() -> Bool {
        interruptCount &+= 1
        lumen_write_cntv_ctl_el0(0)
        let current = GenericTimer.now()
        Threads.expireDeadlines(now: current)
        var due = false
        if !actionsDue, entries.contains(where: { $0.deadline <= current }) {
            actionsDue = true
            due = true
        }
        reprogram()
        return due
    }

    /// The events thread: runs the software timers that are due, re-arms.
    func expire() {
        lumen_irq_disable()
        actionsDue = false
        let current = GenericTimer.now()
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
    func reprogram(extra: Instant? = nil) {
        var next = Threads.nextDeadline()
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
