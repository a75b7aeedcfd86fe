/// Why a network operation failed; `message` is one line for the shell.
public enum NetworkError: Error, Equatable {
    case notConfigured
    case noRoute(IPv4Address)
    case hostUnreachable(IPv4Address)
    /// An ICMP destination-unreachable (code as received) from `reporter`.
    case destinationUnreachable(code: UInt8, reporter: IPv4Address)
    case timeout
    case datagramTooLarge(Int)
    case transmitFailed
    case portInUse(UInt16)
    case noFreePort
    case socketClosed
    case nameNotFound
    case invalidName
    case serverFailure(rcode: UInt8)
    case malformedResponse
    case noDNSServer
    case tooManyRequests

    public var message: String {
        switch self {
        case .notConfigured: return "no IPv4 address configured"
        case .noRoute(let address): return "no route to \(address.description)"
        case .hostUnreachable(let address): return "host \(address.description) unreachable (no ARP reply)"
        case .destinationUnreachable(let code, let reporter):
            return "destination unreachable (\(Self.unreachableReason(code))) reported by \(reporter.description)"
        case .timeout: return "timed out"
        case .datagramTooLarge(let size): return "datagram of \(size) bytes too large for the link"
        case .transmitFailed: return "the network device refused the frame"
        case .portInUse(let port): return "UDP port \(port) already in use"
        case .noFreePort: return "no free UDP port"
        case .socketClosed: return "socket closed"
        case .nameNotFound: return "name not found"
        case .invalidName: return "invalid host name"
        case .serverFailure(let rcode): return "DNS server failure (rcode \(rcode))"
        case .malformedResponse: return "malformed response"
        case .noDNSServer: return "no DNS server configured"
        case .tooManyRequests: return "too many requests in flight"
        }
    }

    static func unreachableReason(_ code: UInt8) -> String {
        switch code {
        case 0: return "network unreachable"
        case 1: return "host unreachable"
        case 2: return "protocol unreachable"
        case 3: return "port unreachable"
        case 4: return "fragmentation needed"
        case 13: return "administratively prohibited"
        default: return "code \(code)"
        }
    }
}
