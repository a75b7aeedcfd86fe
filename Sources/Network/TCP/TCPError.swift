/// Why a connection ended abnormally.
public enum TCPError: Error, Equatable {
    /// The peer answered our SYN with RST: nothing listens on that port.
    case connectionRefused
    /// The peer reset an established connection.
    case connectionReset
    /// SYN or data retransmissions were never acknowledged.
    case timedOut

    public var message: String {
        switch self {
        case .connectionRefused: return "connection refused"
        case .connectionReset: return "connection reset by peer"
        case .timedOut: return "connection timed out"
        }
    }
}
