/// The IPv4 host stack over one interface: Ethernet, ARP, IPv4 (with reassembly),
/// ICMP, UDP, and the DHCP and DNS clients. Single-threaded and non-blocking: the
/// kernel calls `receive(frame:now:)` for every frame the device delivers and
/// `poll(now:)` from a timer (a few times a second is plenty); every timer in the
/// stack (ARP retries and expiry, reassembly, DHCP, DNS, ping) is driven by those
/// `now` values, in milliseconds of a monotonic clock. Nothing here waits.
public final class NetworkStack<Interface: NetworkInterface> {
    public let interface: Interface
    public private(set) var localAddress: IPv4Address = .any
    public private(set) var subnetMask: IPv4Address = .any
    public private(set) var gateway: IPv4Address?
    public private(set) var dnsServers: [IPv4Address] = []
    public var mtu: Int { interface.mtu }
    public var macAddress: MACAddress { interface.macAddress }
    public var isConfigured: Bool { localAddress != .any }
    public internal(set) var statistics = NetworkStatistics()

    /// TCP segments addressed to us (the IPv4 payload, after reassembly), and
    /// whether the device already verified their checksum. Set by the kernel to
    /// the TCP layer.
    public var tcpReceive: ((_ segment: UnsafeRawBufferPointer, _ source: IPv4Address, _ destination: IPv4Address,
                             _ checksumVerified: Bool) -> Void)?
    /// The device completes TCP and UDP checksums: the stack (and the TCP layer,
    /// which the kernel tells) sends them with the pseudo-header sum only.
    public var offloadsChecksums: Bool { interface.offloadsChecksums }
    /// A TCP segment we sent could not be delivered (ICMP unreachable, or no ARP reply from the next hop).
    public var tcpUnreachable: ((_ error: NetworkError, _ remote: IPv4Address, _ localPort: UInt16, _ remotePort: UInt16) -> Void)?

    static var udpQueueLimit: Int { 32 }
    static var maximumPings: Int { 16 }
    static var maximumQueries: Int { 8 }
    static var dnsRetryInterval: UInt64 { 2_000 }
    static var dnsAttempts: Int { 4 }

    var arp = ARPCache()
    var reassembler = FragmentReassembler()
    var dhcp: DHCPClient
    var dnsCache = DNSCache()
    var sockets: [UDPSocket] = []
    var pings: [PingSession] = []
    var queries: [DNSQuery] = []
    var multicastGroups: [MACAddress] = []
    /// The latest time seen, for sends that do not carry one (timers of queued packets).
    var lastNow: UInt64 = 0
    var randomState: UInt32
    var identification: UInt16

    init(interface: Interface, seed: UInt32) {
        self.interface = interface
        let mac = interface.macAddress.array
        var mixed = seed ^ 0x9E37_79B9
        for byte in mac { mixed = (mixed ^ UInt32(byte)) &* 0x0100_0193 }
        randomState = mixed == 0 ? 1 : mixed
        identification = UInt16(truncatingIfNeeded: mixed >> 7)
        dhcp = DHCPClient(mac: interface.macAddress, seed: mixed ^ 0x5bd1_e995)
    }

    /// A stack for `interface`; `seed` (e.g. from the entropy pool) varies IDs, ports and DHCP transactions.
    public static func create(interface: Interface, seed: UInt32 = 0) -> NetworkStack<Interface> {
        NetworkStack(interface: interface, seed: seed)
    }

    func nextRandom() -> UInt32 {
        var x = randomState
        x ^= x << 13; x ^= x >> 17; x ^= x << 5
        randomState = x
        return x
    }

    // MARK: configuration

    /// Static configuration (the DHCP client calls this too). Announces the address with a gratuitous ARP.
    public func configure(address: IPv4Address, subnetMask: IPv4Address, gateway: IPv4Address?, dnsServers: [IPv4Address]) {
        if address != localAddress { arp.removeAll() }
        localAddress = address
        self.subnetMask = subnetMask
        self.gateway = gateway
        self.dnsServers = dnsServers
        dnsCache.removeAll()
        if address != .any { sendGratuitousARP() }
    }

    public func deconfigure() {
        localAddress = .any
        subnetMask = .any
        gateway = nil
        dnsServers = []
        arp.removeAll()
    }

    /// The MAC the interface should also accept (e.g. from an IPv4 multicast group).
    public func joinMulticast(_ mac: MACAddress) {
        if !multicastGroups.contains(mac) { multicastGroups.append(mac) }
    }

    public func leaveMulticast(_ mac: MACAddress) { multicastGroups.removeAll { $0 == mac } }

    /// The multicast addresses joined, in the order they were joined.
    public var joinedMulticast: [MACAddress] { multicastGroups }

    public var arpTable: [ARPEntry] { arp.entries.filter { $0.expires > lastNow } }

    /// The interface's configuration, one line each, for `ifconfig` (followed by `statistics.lines`).
    public var configurationLines: [String] {
        var dns = ""
        for server in dnsServers { dns += (dns.isEmpty ? "" : " ") + server.description }
        return [
            "ether \(interface.macAddress.description) mtu \(interface.mtu)",
            "inet \(localAddress.description) netmask \(subnetMask.description) gateway \(gateway?.description ?? "none")",
            "dns \(dns.isEmpty ? "none" : dns) dhcp \(dhcp.state.name)",
        ]
    }

    // MARK: DHCP

    public var dhcpState: DHCPState { dhcp.state }
    public var dhcpLease: DHCPLease? { dhcp.lease }

    /// Starts (or restarts) address acquisition; progress shows in `dhcpState` and `isConfigured`.
    public func startDHCP(now: UInt64) {
        lastNow = max(lastNow, now)
        perform(dhcp.start(now: now))
    }

    public func stopDHCP() { perform(dhcp.stop()) }

    func perform(_ actions: [DHCPClient.Action]) {
        for action in actions {
            switch action {
            case .send(let message, let destination):
                let source = dhcp.state == .renewing || dhcp.state == .rebinding ? localAddress : IPv4Address.any
                let datagram = UDPDatagram(sourcePort: DHCPMessage.clientPort, destinationPort: DHCPMessage.serverPort,
                                           payload: message.bytes)
                let target = destination == .any ? IPv4Address.broadcast : destination
                if send(protocolNumber: IPv4Header.protocolUDP, source: source, destination: target,
                        payload: datagram.bytes(source: source, destination: target,
                                                partialChecksum: offloadsChecksums)) == nil {
                    statistics.dhcp.sent += 1
                }
            case .configure(let lease):
                statistics.dhcp.leasesAcquired += 1
                configure(address: lease.address, subnetMask: lease.subnetMask, gateway: lease.gateway,
                          dnsServers: lease.dnsServers)
            case .deconfigure:
                deconfigure()
            }
        }
    }

    // MARK: timers

    /// Runs every timer that is due. Cheap when nothing is.
    public func poll(now: UInt64) {
        lastNow = max(lastNow, now)
        arp.removeExpired(now: now)
        pollARPResolutions(now: now)
        statistics.ipv4.reassemblyFailures += reassembler.expire(now: now)
        perform(dhcp.poll(now: now))
        for ping in pings where !ping.isComplete && now >= ping.deadline { ping.complete(.failure(.timeout)) }
        pings.removeAll { $0.isComplete }
        pollQueries(now: now)
    }

    /// When `poll` next has work (milliseconds, the clock of `now`): soon
    /// (`busyPollMilliseconds`) while an ARP resolution, a ping, a DNS query or
    /// a fragment reassembly is pending, otherwise DHCP's next step (its
    /// retransmission, or the lease's renewal, rebinding and expiry); nil when
    /// nothing is due at all. ARP entries need no timer: lookups check their age.
    public func nextDeadline(now: UInt64) -> UInt64? {
        if !arp.resolutions.isEmpty || !pings.isEmpty || !queries.isEmpty || reassembler.inProgress > 0 {
            return now &+ Self.busyPollMilliseconds
        }
        return dhcp.nextDeadline
    }

    /// How often `poll` is wanted while a resolution, ping or query is pending.
    public static var busyPollMilliseconds: UInt64 { 250 }

    // MARK: receive

    public func receive(frame: [UInt8], now: UInt64, checksumVerified: Bool = false) {
        frame.withUnsafeBytes { receive(frame: $0, now: now, checksumVerified: checksumVerified) }
    }

    /// One Ethernet frame from the device (without FCS). Never traps on bad input.
    /// `checksumVerified`: the device vouches for the transport checksum (TCP,
    /// UDP or ICMP): virtio-net's DATA_VALID, or a frame from a local sender
    /// with NEEDS_CSUM, whose checksum field holds only the pseudo-header sum.
    /// The stack then does not sum it; the IPv4 header's it always checks.
    public func receive(frame: UnsafeRawBufferPointer, now: UInt64, checksumVerified: Bool = false) {
        lastNow = max(lastNow, now)
        statistics.ethernet.received += 1
        guard let header = EthernetHeader.parse(frame) else {
            statistics.ethernet.droppedTooShort += 1
            return
        }
        let destination = header.destination
        guard destination == interface.macAddress || destination.isBroadcast || multicastGroups.contains(destination) else {
            statistics.ethernet.droppedNotForUs += 1
            return
        }
        let payload = UnsafeRawBufferPointer(rebasing: frame[EthernetHeader.size...])
        switch header.etherType {
        case EthernetHeader.typeARP: receiveARP(payload, now: now)
        case EthernetHeader.typeIPv4: receiveIPv4(payload, now: now, checksumVerified: checksumVerified)
        default: statistics.ethernet.droppedUnknownType += 1
        }
    }
}
