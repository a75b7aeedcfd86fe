/// One resolved neighbour, as `arp` shows it.
public struct ARPEntry: Equatable {
    public var address: IPv4Address
    public var mac: MACAddress
    /// When the entry stops being trusted (milliseconds, the stack's clock).
    public var expires: UInt64
}

/// The neighbour table plus the resolutions in progress. Bounded everywhere:
/// a flood of ARP traffic or of packets to dead hosts cannot grow memory.
struct ARPCache {
    static let entryLifetime: UInt64 = 300_000          // 5 minutes
    static let maximumEntries = 64
    static let retryInterval: UInt64 = 1_000
    static let maximumAttempts = 3
    static let maximumPendingAddresses = 16
    static let maximumPacketsPerAddress = 8

    /// An address being resolved and the IPv4 datagrams waiting for it.
    struct Resolution {
        var address: IPv4Address
        var attempts: Int
        var nextAttempt: UInt64
        var packets: [[UInt8]]
    }

    private(set) var entries: [ARPEntry] = []
    var resolutions: [Resolution] = []

    func lookup(_ address: IPv4Address, now: UInt64) -> MACAddress? {
        for entry in entries where entry.address == address && entry.expires > now { return entry.mac }
        return nil
    }

    /// Learns or refreshes a mapping; evicts the entry closest to expiry when full.
    mutating func insert(_ address: IPv4Address, mac: MACAddress, now: UInt64) {
        let expires = now &+ Self.entryLifetime
        for index in entries.indices where entries[index].address == address {
            entries[index].mac = mac
            entries[index].expires = expires
            return
        }
        if entries.count >= Self.maximumEntries, let oldest = entries.indices.min(by: { entries[$0].expires < entries[$1].expires }) {
            entries.remove(at: oldest)
        }
        entries.append(ARPEntry(address: address, mac: mac, expires: expires))
    }

    func contains(_ address: IPv4Address) -> Bool { entries.contains { $0.address == address } }

    mutating func removeExpired(now: UInt64) { entries.removeAll { $0.expires <= now } }

    mutating func removeAll() {
        entries.removeAll()
        resolutions.removeAll()
    }
}
