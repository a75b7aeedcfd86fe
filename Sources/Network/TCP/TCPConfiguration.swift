/// Tunables shared by every connection of a `TCPLayer` (times in milliseconds).
public struct TCPConfiguration {
    /// Link MTU; our MSS option is `mtu - 40` (IPv4 + TCP headers without options).
    public var mtu = 1500
    /// Send and receive buffer size per connection.
    public var bufferSize = 256 * 1024
    /// Window-scale shift we offer (RFC 7323); 7 covers a 256 KiB buffer with room to spare.
    public var windowScaleShift: UInt8 = 7
    /// Maximum segment lifetime; TIME-WAIT lasts twice this. Short because we are a small client OS.
    public var maximumSegmentLifetime = 10_000
    /// Longest we hold back an ACK hoping to piggyback it.
    public var delayedAckTimeout = 40
    /// Most in-order segments one ACK covers inside a receive batch (see
    /// `TCPLayer.beginReceiveBatch`); outside a batch, every second one is acknowledged.
    public var batchAckSegments = 16
    /// SYN (or SYN-ACK) transmissions before giving up with `timedOut`.
    public var synRetries = 5
    /// Retransmissions of the same data before giving up with `timedOut`.
    public var dataRetries = 12
    /// Out-of-order segments kept per connection.
    public var reassemblySegments = 128
    /// Ports picked for `connect` come from here.
    public var ephemeralPorts: ClosedRange<UInt16> = 49152...65535

    public init() {}

    var ourMSS: Int { max(64, mtu - 40) }
}
