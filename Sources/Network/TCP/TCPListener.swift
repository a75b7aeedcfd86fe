/// A passive open on a port. Completed handshakes wait in a bounded queue
/// until `accept()`; SYNs beyond the backlog are dropped so the peer retries.
public final class TCPListener {
    public let port: UInt16
    public let backlog: Int
    public private(set) var isListening = true
    var acceptQueue: [TCPConnection] = []
    /// Connections still in SYN-RECEIVED that count against the backlog.
    var embryonic = 0

    init(port: UInt16, backlog: Int) {
        self.port = port
        self.backlog = max(1, backlog)
    }

    /// The oldest established connection not yet taken, if any.
    public func accept() -> TCPConnection? {
        if acceptQueue.isEmpty { return nil }
        return acceptQueue.removeFirst()
    }

    public var pendingConnections: Int { acceptQueue.count }

    /// Stops listening: connections not yet accepted are reset, later SYNs get RST.
    public func close() {
        isListening = false
        for connection in acceptQueue { connection.abort() }
        acceptQueue.removeAll()
    }

    var hasRoom: Bool { isListening && acceptQueue.count + embryonic < backlog }
}
