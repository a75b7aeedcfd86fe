/// One name lookup in flight; a shell command polls `isComplete` and reads `result`.
public final class DNSQuery {
    public let name: String
    let normalized: [UInt8]
    var identifier: UInt16 = 0
    var socket: UDPSocket?
    var attempts = 0
    var nextAttempt: UInt64 = 0
    var serverIndex = 0
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
