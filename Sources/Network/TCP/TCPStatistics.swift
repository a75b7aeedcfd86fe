/// Per-connection counters, for `netstat`-like commands and for tests.
public struct TCPStatistics: Equatable {
    public var segmentsSent = 0
    public var segmentsReceived = 0
    public var retransmissions = 0
    public var fastRetransmissions = 0
    public var bytesSent = 0
    public var bytesReceived = 0
    public var duplicateSegmentsReceived = 0
    public var outOfOrderSegmentsReceived = 0

    public init() {}
}
