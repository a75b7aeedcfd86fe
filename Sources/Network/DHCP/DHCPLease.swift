/// What a DHCP server granted, as the stack applies it.
public struct DHCPLease: Equatable {
    public var address: IPv4Address
    public var subnetMask: IPv4Address
    public var gateway: IPv4Address?
    public var dnsServers: [IPv4Address]
    public var server: IPv4Address
    /// Seconds, as granted.
    public var leaseTime: UInt32
    /// Milliseconds on the stack's clock.
    public var acquiredAt: UInt64
    public var renewAt: UInt64
    public var rebindAt: UInt64
    public var expiresAt: UInt64
}

/// Where the client is in RFC 2131's state diagram (INIT-REBOOT is not used).
public enum DHCPState: Equatable {
    case idle, selecting, requesting, bound, renewing, rebinding

    public var name: String {
        switch self {
        case .idle: return "idle"
        case .selecting: return "selecting"
        case .requesting: return "requesting"
        case .bound: return "bound"
        case .renewing: return "renewing"
        case .rebinding: return "rebinding"
        }
    }
}
