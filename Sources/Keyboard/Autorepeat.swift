/// Software key repeat: after a key has been held for `delay`, it repeats at
/// `rate` per second until released or until another key starts repeating.
/// Time is passed in (nanoseconds on any monotonic clock); nothing here reads
/// a clock. The event loop arms a timer for `nextDeadline` and calls `poll`.
public struct Autorepeat: Equatable {
    /// Time from press to the first repeat.
    public var delayNanoseconds: UInt64
    /// Repeats per second after the delay; 0 turns repeat off.
    public var ratePerSecond: UInt32
    /// Most repeats one `poll` reports when the caller was late; the rest of the
    /// backlog is dropped and repeating continues one interval from then.
    public var maximumBurst: Int

    /// The key repeating (or waiting out the delay), if any.
    public private(set) var code: UInt16? = nil
    /// Repeat k is due at base + k × 1 s / rate; base moves forward each full
    /// second so k stays below `ratePerSecond`.
    private var base: UInt64 = 0
    private var index: UInt64 = 0

    public init(delayMilliseconds: UInt64 = 500, ratePerSecond: UInt32 = 30, maximumBurst: Int = 8) {
        delayNanoseconds = Autorepeat.saturatingMultiply(delayMilliseconds, 1_000_000)
        self.ratePerSecond = ratePerSecond
        self.maximumBurst = max(1, maximumBurst)
    }

    /// When the next repeat is due, or nil when nothing repeats.
    public var nextDeadline: UInt64? {
        guard code != nil, ratePerSecond > 0 else { return nil }
        return Autorepeat.saturatingAdd(base, index * 1_000_000_000 / UInt64(ratePerSecond))
    }

    /// A repeatable key went down at `now`: it becomes the repeating key.
    public mutating func press(_ code: UInt16, at now: UInt64) {
        self.code = code
        base = Autorepeat.saturatingAdd(now, delayNanoseconds)
        index = 0
    }

    /// A key went up: repeating stops if it was the repeating key.
    public mutating func release(_ code: UInt16) {
        if self.code == code { self.code = nil }
    }

    public mutating func cancel() { code = nil }

    /// How many repeats of `code` are due at `now` (0 … `maximumBurst`).
    public mutating func poll(at now: UInt64) -> Int {
        var count = 0
        while let deadline = nextDeadline, deadline <= now {
            count += 1
            index += 1
            if index >= UInt64(ratePerSecond) {
                base = Autorepeat.saturatingAdd(base, 1_000_000_000 * (index / UInt64(ratePerSecond)))
                index %= UInt64(ratePerSecond)
            }
            if count >= maximumBurst {
                if let next = nextDeadline, next <= now {
                    // Late: drop the backlog, go on one interval from now.
                    base = now
                    index = 1
                }
                break
            }
        }
        return count
    }

    static func saturatingAdd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    static func saturatingMultiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : product
    }
}
