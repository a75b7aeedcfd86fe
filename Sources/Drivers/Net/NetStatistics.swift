/// Counters for one direction.
public struct NetDirectionStatistics: Equatable {
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    /// Frames given up without an error on the wire (RX: no receiver installed or
    /// the driver stopped; TX: no free buffer).
    public var drops: UInt64 = 0
    /// Malformed completions (RX) or refused frames (TX).
    public var errors: UInt64 = 0
    public init() {}
}

public struct NetStatistics: Equatable {
    public var receive = NetDirectionStatistics()
    public var transmit = NetDirectionStatistics()
    public var interrupts: UInt64 = 0
    public var linkChanges: UInt64 = 0
    /// Outgoing frames whose checksum the driver computed because the device offers no CSUM.
    public var softwareChecksums: UInt64 = 0
    public init() {}
}
