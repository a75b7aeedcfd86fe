/// Counters per layer for an `ifconfig` command. Every frame the stack drops is
/// counted under the reason it was dropped, so a silent network can be diagnosed.
public struct NetworkStatistics {
    public struct Ethernet {
        public var received = 0, sent = 0
        public var droppedTooShort = 0, droppedNotForUs = 0, droppedUnknownType = 0, transmitFailures = 0
        public var dropped: Int { droppedTooShort + droppedNotForUs + droppedUnknownType }
    }
    public struct ARP {
        public var received = 0, sent = 0, requestsAnswered = 0
        public var droppedMalformed = 0, droppedNotForUs = 0, resolutionFailures = 0, queueOverflows = 0
        public var dropped: Int { droppedMalformed + droppedNotForUs + queueOverflows }
    }
    public struct IPv4 {
        public var received = 0, sent = 0, delivered = 0
        public var droppedMalformed = 0, droppedBadChecksum = 0, droppedNotForUs = 0, droppedUnknownProtocol = 0
        public var droppedNoRoute = 0, droppedTooLarge = 0
        public var fragmentsReceived = 0, reassembled = 0, reassemblyFailures = 0
        /// TCP and UDP checksums left to the device on the way out, and taken
        /// as the device verified them on the way in.
        public var checksumsOffloaded = 0, checksumsTrusted = 0
        public var dropped: Int {
            droppedMalformed + droppedBadChecksum + droppedNotForUs + droppedUnknownProtocol + droppedNoRoute
                + droppedTooLarge + reassemblyFailures
        }
    }
    public struct ICMP {
        public var received = 0, sent = 0, echoRequestsAnswered = 0, echoRepliesReceived = 0, unreachablesReceived = 0
        public var droppedMalformed = 0, droppedBadChecksum = 0, droppedUnmatched = 0
        public var dropped: Int { droppedMalformed + droppedBadChecksum + droppedUnmatched }
    }
    public struct UDP {
        public var received = 0, sent = 0
        public var droppedMalformed = 0, droppedBadChecksum = 0, droppedNoSocket = 0, droppedQueueFull = 0
        public var dropped: Int { droppedMalformed + droppedBadChecksum + droppedNoSocket + droppedQueueFull }
    }
    public struct DHCP {
        public var received = 0, sent = 0, droppedMalformed = 0, droppedUnmatched = 0, leasesAcquired = 0, naks = 0
    }
    public struct DNS {
        public var queriesSent = 0, answers = 0, cacheHits = 0, droppedMalformed = 0, droppedUnmatched = 0, failures = 0
    }

    public var ethernet = Ethernet()
    public var arp = ARP()
    public var ipv4 = IPv4()
    public var icmp = ICMP()
    public var udp = UDP()
    public var dhcp = DHCP()
    public var dns = DNS()

    public init() {}

    /// One line per layer, for `ifconfig`.
    public var lines: [String] {
        [
            "ethernet: rx \(ethernet.received) tx \(ethernet.sent) dropped \(ethernet.dropped) (short \(ethernet.droppedTooShort), not for us \(ethernet.droppedNotForUs), unknown type \(ethernet.droppedUnknownType)) tx failures \(ethernet.transmitFailures)",
            "arp: rx \(arp.received) tx \(arp.sent) answered \(arp.requestsAnswered) dropped \(arp.dropped) (malformed \(arp.droppedMalformed), not for us \(arp.droppedNotForUs), queue full \(arp.queueOverflows)) unresolved \(arp.resolutionFailures)",
            "ipv4: rx \(ipv4.received) tx \(ipv4.sent) delivered \(ipv4.delivered) dropped \(ipv4.dropped) (malformed \(ipv4.droppedMalformed), checksum \(ipv4.droppedBadChecksum), not for us \(ipv4.droppedNotForUs), protocol \(ipv4.droppedUnknownProtocol), no route \(ipv4.droppedNoRoute), too large \(ipv4.droppedTooLarge), reassembly \(ipv4.reassemblyFailures)) fragments \(ipv4.fragmentsReceived) reassembled \(ipv4.reassembled) checksums offloaded \(ipv4.checksumsOffloaded) trusted \(ipv4.checksumsTrusted)",
            "icmp: rx \(icmp.received) tx \(icmp.sent) echo answered \(icmp.echoRequestsAnswered) replies \(icmp.echoRepliesReceived) unreachable \(icmp.unreachablesReceived) dropped \(icmp.dropped) (malformed \(icmp.droppedMalformed), checksum \(icmp.droppedBadChecksum), unmatched \(icmp.droppedUnmatched))",
            "udp: rx \(udp.received) tx \(udp.sent) dropped \(udp.dropped) (malformed \(udp.droppedMalformed), checksum \(udp.droppedBadChecksum), no socket \(udp.droppedNoSocket), queue full \(udp.droppedQueueFull))",
            "dhcp: rx \(dhcp.received) tx \(dhcp.sent) leases \(dhcp.leasesAcquired) naks \(dhcp.naks) dropped \(dhcp.droppedMalformed + dhcp.droppedUnmatched)",
            "dns: queries \(dns.queriesSent) answers \(dns.answers) cache hits \(dns.cacheHits) failures \(dns.failures) dropped \(dns.droppedMalformed + dns.droppedUnmatched)",
        ]
    }
}
