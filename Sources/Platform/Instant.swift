/// A point on the platform's monotonic clock, in nanoseconds since boot.
public struct Instant: Comparable, Hashable {
    public var nanoseconds: UInt64
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

    /// This instant moved `milliseconds` later (saturating).
    public func adding(milliseconds: UInt64) -> Instant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(milliseconds &* 1_000_000)
        return Instant(nanoseconds: overflow ? .max : sum)
    }
    public func adding(nanoseconds delta: UInt64) -> Instant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(delta)
        return Instant(nanoseconds: overflow ? .max : sum)
    }

    /// Nanoseconds from `earlier` to this instant, zero if `earlier` is later.
    public func nanoseconds(since earlier: Instant) -> UInt64 {
        nanoseconds >= earlier.nanoseconds ? nanoseconds - earlier.nanoseconds : 0
    }
}
