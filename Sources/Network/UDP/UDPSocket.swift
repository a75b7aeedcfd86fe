/// A datagram as a socket user receives it.
public struct ReceivedDatagram: Equatable {
    public var source: IPv4Address
    public var sourcePort: UInt16
    public var destination: IPv4Address
    public var payload: [UInt8]
}

/// A bound UDP port. The stack appends arriving datagrams (up to `queueLimit`;
/// more are dropped and counted) and the owner takes them with `receive()`.
/// Sending goes through `NetworkStack.send(_:to:port:payload:)`.
public final class UDPSocket {
    public let port: UInt16
    public let queueLimit: Int
    public private(set) var isOpen = true
    var queue: [ReceivedDatagram] = []
    public private(set) var droppedDatagrams = 0
    /// The last asynchronous error for this socket (ICMP unreachable, ARP failure); cleared by `takeError()`.
    public private(set) var pendingError: NetworkError?

    init(port: UInt16, queueLimit: Int) {
        self.port = port
        self.queueLimit = queueLimit
    }

    static func create(port: UInt16, queueLimit: Int) -> UDPSocket { UDPSocket(port: port, queueLimit: queueLimit) }

    public var hasData: Bool { !queue.isEmpty }
    public var queuedCount: Int { queue.count }

    /// The oldest queued datagram, or nil.
    public func receive() -> ReceivedDatagram? {
        queue.isEmpty ? nil : queue.removeFirst()
    }

    public func takeError() -> NetworkError? {
        defer { pendingError = nil }
        return pendingError
    }

    /// false when the queue was full and the datagram dropped.
    func enqueue(_ datagram: ReceivedDatagram) -> Bool {
        guard isOpen, queue.count < queueLimit else {
            droppedDatagrams += 1
            return false
        }
        queue.append(datagram)
        return true
    }

    func report(_ error: NetworkError) { pendingError = error }

    func markClosed() {
        isOpen = false
        queue.removeAll()
    }
}
