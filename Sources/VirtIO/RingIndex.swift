/// Ring index arithmetic. Indices are free-running 16-bit counters; only their
/// differences matter, so every comparison is done modulo 2^16.
public enum RingIndex {
    /// `vring_need_event` (§2.7.10): with EVENT_IDX, should the other side be told
    /// that `new` entries exist, given it asked to hear when `event` is passed and
    /// it was last told at `old`? Correct across wraparound.
    @inline(__always)
    public static func needEvent(event: UInt16, new: UInt16, old: UInt16) -> Bool {
        (new &- event &- 1) < (new &- old)
    }

    /// How many entries lie between `from` and `to` (to - from, wrapping).
    @inline(__always)
    public static func distance(from: UInt16, to: UInt16) -> UInt16 { to &- from }
}
