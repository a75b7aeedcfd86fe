import Network
import Wire

/// A scripted link: records every frame the stack transmits.
final class FakeInterface: NetworkInterface {
    let macAddress: MACAddress
    var mtu: Int = 1500
    var sent: [[UInt8]] = []
    var refuse = false
    /// Claims checksum offload; the frames handed over with it are recorded as
    /// they are (partial checksums), with where the device was to finish them.
    var offloadsChecksums = false
    var offloads: [ChecksumOffload] = []

    init(mac: MACAddress = ourMAC) { macAddress = mac }

    func transmit(_ frame: [UInt8]) -> Bool {
        if refuse { return false }
        sent.append(frame)
        return true
    }

    func transmit(_ frame: [UInt8], checksumOffload: ChecksumOffload) -> Bool {
        if refuse { return false }
        offloads.append(checksumOffload)
        sent.append(frame)
        return true
    }

    func takeSent() -> [[UInt8]] {
        defer { sent.removeAll() }
        return sent
    }
}

let ourMAC = MACAddress(0x52, 0x54, 0x00, 0x12, 0x34, 0x56)
let peerMAC = MACAddress(0x52, 0x55, 0x0A, 0x00, 0x02, 0x02)
let otherMAC = MACAddress(0x52, 0x55, 0x0A, 0x00, 0x02, 0x09)
let ourIP = IPv4Address(10, 0, 2, 15)
let gatewayIP = IPv4Address(10, 0, 2, 2)
let dnsIP = IPv4Address(10, 0, 2, 3)
let neighbourIP = IPv4Address(10, 0, 2, 9)
let remoteIP = IPv4Address(93, 184, 216, 34)

/// A stack configured like QEMU user networking, with the gateway already in the ARP cache.
func makeStack(resolvedGateway: Bool = true) -> (NetworkStack<FakeInterface>, FakeInterface) {
    let interface = FakeInterface()
    let stack = NetworkStack.create(interface: interface, seed: 42)
    stack.configure(address: ourIP, subnetMask: IPv4Address(255, 255, 255, 0), gateway: gatewayIP, dnsServers: [dnsIP])
    _ = interface.takeSent()   // the gratuitous ARP
    if resolvedGateway {
        stack.receive(frame: arpFrame(operation: ARPPacket.reply, senderMAC: peerMAC, senderIP: gatewayIP,
                                      targetMAC: ourMAC, targetIP: ourIP), now: 0)
        // A reply nobody asked for is not learnt unless it targets us: it does, so it is.
    }
    return (stack, interface)
}

func arpFrame(operation: UInt16, senderMAC: MACAddress, senderIP: IPv4Address, targetMAC: MACAddress,
              targetIP: IPv4Address, to destination: MACAddress? = nil) -> [UInt8] {
    let packet = ARPPacket(operation: operation, senderMAC: senderMAC, senderIP: senderIP, targetMAC: targetMAC, targetIP: targetIP)
    return EthernetHeader.build(destination: destination ?? (operation == ARPPacket.request ? .broadcast : targetMAC),
                                source: senderMAC, etherType: EthernetHeader.typeARP, payload: packet.bytes)
}

/// An IPv4 datagram; `fragmentOffset` in bytes; the header checksum is computed.
func ipv4Datagram(from source: IPv4Address, to destination: IPv4Address, protocolNumber: UInt8, payload: [UInt8],
                  identification: UInt16 = 0x1234, ttl: UInt8 = 64, moreFragments: Bool = false,
                  fragmentOffset: Int = 0) -> [UInt8] {
    var datagram = IPv4Header.buildDatagram(source: source, destination: destination, protocolNumber: protocolNumber,
                                            identification: identification, ttl: ttl, dontFragment: false, payload: payload)
    let flags = UInt16(fragmentOffset / 8) | (moreFragments ? 0x2000 : 0)
    datagram.storeBigEndian(flags, at: 6)
    datagram.storeBigEndian(0, at: 10)
    var checksum = InternetChecksum()
    checksum.add(Array(datagram[0 ..< 20]))
    datagram.storeBigEndian(checksum.value, at: 10)
    return datagram
}

func ethernet(_ payload: [UInt8], from source: MACAddress = peerMAC, to destination: MACAddress = ourMAC,
              type: UInt16 = EthernetHeader.typeIPv4) -> [UInt8] {
    EthernetHeader.build(destination: destination, source: source, etherType: type, payload: payload)
}

func udpFrame(from source: IPv4Address, port sourcePort: UInt16, to destination: IPv4Address, port destinationPort: UInt16,
              payload: [UInt8], macSource: MACAddress = peerMAC, macDestination: MACAddress = ourMAC) -> [UInt8] {
    let udp = UDPDatagram(sourcePort: sourcePort, destinationPort: destinationPort, payload: payload)
        .bytes(source: source, destination: destination)
    return ethernet(ipv4Datagram(from: source, to: destination, protocolNumber: IPv4Header.protocolUDP, payload: udp),
                    from: macSource, to: macDestination)
}

/// What a transmitted frame carries, decoded with the stack's own parsers.
struct SentFrame {
    var ethernet: EthernetHeader
    var payload: [UInt8]

    init?(_ frame: [UInt8]) {
        guard let header = frame.withUnsafeBytes({ EthernetHeader.parse($0) }) else { return nil }
        ethernet = header
        payload = Array(frame[14...])
    }

    var arp: ARPPacket? { ethernet.etherType == EthernetHeader.typeARP ? payload.withUnsafeBytes { ARPPacket.parse($0) } : nil }

    var ipv4: IPv4Header? {
        guard ethernet.etherType == EthernetHeader.typeIPv4 else { return nil }
        return payload.withUnsafeBytes { try? IPv4Header.parse($0) }
    }

    var ipv4Payload: [UInt8] {
        guard let header = ipv4 else { return [] }
        return Array(payload[header.headerLength ..< header.totalLength])
    }

    var udp: UDPDatagram? {
        guard let header = ipv4, header.protocolNumber == IPv4Header.protocolUDP else { return nil }
        return ipv4Payload.withUnsafeBytes { try? UDPDatagram.parse($0, source: header.source, destination: header.destination) }
    }

    var icmp: ICMPMessage? {
        guard let header = ipv4, header.protocolNumber == IPv4Header.protocolICMP else { return nil }
        return ipv4Payload.withUnsafeBytes { try? ICMPMessage.parse($0) }
    }
}

/// A tiny deterministic generator for robustness tests.
struct TestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        var x = state
        x ^= x >> 33
        return x
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
