/// One name lookup in flight; a shell command polls `isComplete` and reads `result`.
public final class DNSQuery {
    public let name: String
    let normalized: [UInt8]
    var identifier: UInt16 = 0
    var socket: UDPSocket?
    var attempts = 0
    var nextAttempt: UInt64 = 0
    var serverIndex = 0
    /// The one server to ask, when the caller named it.
    var server: DNSServer?
    public private(set) var result: Result<[IPv4Address], NetworkError>?
    public var isComplete: Bool { result != nil }
    /// The first address, when the lookup succeeded.
    public var address: IPv4Address? {
        if case .success(let addresses)? = result { return addresses.first }
        return nil
    }

    init(name: String, normalized: [UInt8]) {
        self.name = name
        self.normalized = normalized
    }

    static func create(name: String, normalized: [UInt8]) -> DNSQuery { DNSQuery(name: name, normalized: normalized) }

    func complete(_ outcome: Result<[IPv4Address], NetworkError>) {
        if result == nil { result = outcome }
    }
}

/// A DNS server's address and UDP port.
public struct DNSServer: Equatable {
    public let address: IPv4Address
    public let port: UInt16

    public init(address: IPv4Address, port: UInt16 = DNSMessage.port) {
        self.address = address
        self.port = port
    }

    /// "10.0.2.3" or "10.0.2.3:5353"; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPv4Address(String(parts[0])) else { return nil }
        if parts.count == 2 {
            guard let port = UInt16(String(parts[1])), port != 0 else { return nil }
            self.init(address: address, port: port)
        } else {
            self.init(address: address)
        }
    }

    public var description: String { port == DNSMessage.port ? address.description : "\(address):\(port)" }
}

/// Answers remembered for their TTL (bounded; the entry expiring first is evicted).
struct DNSCache {
    static let maximumEntries = 32
    static let maximumTTL: UInt32 = 86_400

    struct Entry {
        var name: [UInt8]
        var addresses: [IPv4Address]
        var expires: UInt64
    }

    private(set) var entries: [Entry] = []

    mutating func lookup(_ name: [UInt8], now: UInt64) -> [IPv4Address]? {
        entries.removeAll { $0.expires <= now }
        return entries.first { $0.name == name }?.addresses
    }

    mutating func insert(_ name: [UInt8], addresses: [IPv4Address], ttl: UInt32, now: UInt64) {
        guard ttl > 0, !addresses.isEmpty else { return }
        entries.removeAll { $0.name == name }
        if entries.count >= Self.maximumEntries, let soonest = entries.indices.min(by: { entries[$0].expires < entries[$1].expires }) {
            entries.remove(at: soonest)
        }
        entries.append(Entry(name: name, addresses: addresses, expires: now &+ UInt64(min(ttl, Self.maximumTTL)) * 1000))
    }

    mutating func removeAll() { entries.removeAll() }
}
