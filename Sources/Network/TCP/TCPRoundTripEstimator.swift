/// Retransmission timeout from measured round trips (RFC 6298), in milliseconds.
struct TCPRoundTripEstimator {
    static let minimumTimeout = 200
    static let maximumTimeout = 60_000
    static let initialTimeout = 1_000

    private(set) var smoothed: Int? = nil
    private(set) var variance = 0
    /// The timeout before backoff.
    private(set) var baseTimeout = TCPRoundTripEstimator.initialTimeout
    /// Doublings applied since the last good sample (exponential backoff).
    private(set) var backoff = 0

    var timeout: Int {
        var t = baseTimeout
        var i = 0
        while i < backoff && t < TCPRoundTripEstimator.maximumTimeout { t *= 2; i += 1 }
        return min(t, TCPRoundTripEstimator.maximumTimeout)
    }

    mutating func addSample(_ rtt: Int) {
        let r = max(0, rtt)
        if let srtt = smoothed {
            variance = (3 * variance + abs(srtt - r)) / 4
            smoothed = (7 * srtt + r) / 8
        } else {
            smoothed = r
            variance = r / 2
        }
        let s = smoothed ?? r
        // Clock granularity G is 1 ms here.
        baseTimeout = min(max(s + max(1, 4 * variance), TCPRoundTripEstimator.minimumTimeout), TCPRoundTripEstimator.maximumTimeout)
        backoff = 0
    }

    mutating func backOff() { if backoff < 16 { backoff += 1 } }
    mutating func resetBackoff() { backoff = 0 }
}
