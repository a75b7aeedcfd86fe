// libFuzzer target for Lumen's IPv4 stack (module Network, everything but TCP/HTTP
// at the protocol level; TCP segments reach a hook that only counts them).
//
// Built by scripts/fuzz-net together with Sources/Network/**/*.swift into one
// module (no SwiftPM target), with
//   swiftc -sanitize=fuzzer,address -parse-as-library ...
//
// The stack is put in a state where every parser has something to match
// (DHCP selecting, or configured with a DNS query and a ping in flight), then fed
// records from the input:
//   byte 0        scenario: bit 0 = DHCP client running (else static configuration),
//                 bit 1 = every frame comes as if the device vouched for its TCP/UDP
//                 checksum (offload), so broken datagrams reach the parsers behind it
//   then records  [kind][length][length bytes]
//     kind % 8 == 0   the bytes are a raw Ethernet frame
//     kind % 8 == 1-6 a well-formed seed frame (1 ARP request, 2 ARP reply, 3 DHCP offer/ack
//                     answering the client's last message, 4 DNS answer to the pending query,
//                     5 ICMP echo request, 6 a UDP datagram in fragments: bytes pick which one)
//                     mutated by the bytes, read as (offset, xor) pairs; offset 0xFF
//                     truncates the frame to the second byte's length instead
//     kind % 8 == 7   time passes: first byte × 250 ms, then poll
// Seeds are built here, not read from files, so mutations start from frames that
// reach deep into the stack. A trap, an ASan report or a 10 s hang is a failure;
// afterwards the stack must still answer a ping (liveness).

import Wire

final class FuzzInterface: NetworkInterface {
    let macAddress = MACAddress(0x52, 0x54, 0x00, 0x12, 0x34, 0x56)
    let mtu = 1500
    var sent: [[UInt8]] = []

    func transmit(_ frame: [UInt8]) -> Bool {
        sent.append(frame)
        if sent.count > 64 { sent.removeFirst(sent.count - 64) }
        return true
    }
}

let fuzzPeerMAC = MACAddress(0x52, 0x55, 0x0A, 0x00, 0x02, 0x02)
let fuzzOurIP = IPv4Address(10, 0, 2, 15)
let fuzzGateway = IPv4Address(10, 0, 2, 2)
let fuzzDNS = IPv4Address(10, 0, 2, 3)

func fuzzEthernet(_ payload: [UInt8], type: UInt16 = EthernetHeader.typeIPv4, to destination: MACAddress? = nil) -> [UInt8] {
    EthernetHeader.build(destination: destination ?? MACAddress(0x52, 0x54, 0x00, 0x12, 0x34, 0x56), source: fuzzPeerMAC,
                         etherType: type, payload: payload)
}

func fuzzDatagram(from source: IPv4Address, to destination: IPv4Address, protocolNumber: UInt8, payload: [UInt8],
                  identification: UInt16 = 1, flags: UInt16 = 0) -> [UInt8] {
    var datagram = IPv4Header.buildDatagram(source: source, destination: destination, protocolNumber: protocolNumber,
                                            identification: identification, dontFragment: false, payload: payload)
    datagram.storeBigEndian(flags, at: 6)
    datagram.storeBigEndian(0, at: 10)
    var checksum = InternetChecksum()
    checksum.add(Array(datagram[0 ..< 20]))
    datagram.storeBigEndian(checksum.value, at: 10)
    return datagram
}

func fuzzUDP(from source: IPv4Address, port: UInt16, to destination: IPv4Address, port destinationPort: UInt16, payload: [UInt8]) -> [UInt8] {
    UDPDatagram(sourcePort: port, destinationPort: destinationPort, payload: payload).bytes(source: source, destination: destination)
}

/// The last UDP datagram the stack sent to `port`, decoded.
func lastSentUDP(_ interface: FuzzInterface, toPort port: UInt16) -> (source: UInt16, payload: [UInt8])? {
    for frame in interface.sent.reversed() where frame.count > 42 {
        let result: (UInt16, [UInt8])? = frame.withUnsafeBytes { bytes in
            guard bytes.bigEndianUInt16(at: 12) == EthernetHeader.typeIPv4, bytes[23] == 17,
                  bytes.bigEndianUInt16(at: 36) == port, let source = bytes.bigEndianUInt16(at: 34) else { return nil }
            return (source, Array(bytes[42...]))
        }
        if let result { return result }
    }
    return nil
}

func seedFrame(_ kind: Int, choice: UInt8, interface: FuzzInterface) -> [UInt8] {
    switch kind {
    case 1:
        let packet = ARPPacket(operation: ARPPacket.request, senderMAC: fuzzPeerMAC, senderIP: fuzzGateway, targetMAC: .zero,
                               targetIP: fuzzOurIP)
        return fuzzEthernet(packet.bytes, type: EthernetHeader.typeARP, to: .broadcast)
    case 2:
        let packet = ARPPacket(operation: ARPPacket.reply, senderMAC: fuzzPeerMAC, senderIP: IPv4Address(10, 0, 2, choice),
                               targetMAC: interface.macAddress, targetIP: fuzzOurIP)
        return fuzzEthernet(packet.bytes, type: EthernetHeader.typeARP)
    case 3:
        let request = lastSentUDP(interface, toPort: 67).flatMap { sent in sent.payload.withUnsafeBytes { try? DHCPMessage.parse($0) } }
        var message = DHCPMessage(operation: 2, transactionID: request?.transactionID ?? 0, clientMAC: interface.macAddress,
                                  messageType: choice & 1 == 0 ? .offer : (choice & 2 == 0 ? .ack : .nak))
        message.yourAddress = fuzzOurIP
        message.subnetMask = IPv4Address(255, 255, 255, 0)
        message.routers = [fuzzGateway]
        message.dnsServers = [fuzzDNS]
        message.leaseTime = UInt32(choice) * 10
        message.serverIdentifier = fuzzGateway
        return fuzzEthernet(fuzzDatagram(from: fuzzGateway, to: .broadcast, protocolNumber: 17,
                                         payload: fuzzUDP(from: fuzzGateway, port: 67, to: .broadcast, port: 68, payload: message.bytes)),
                            to: .broadcast)
    case 4:
        let query = lastSentUDP(interface, toPort: 53)
        let question = query?.payload ?? DNSMessage.query(identifier: 0, name: Array("example.com".utf8))
        var response = Array(question.prefix(2))
        response += [0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0]
        response += question.dropFirst(12)
        // CNAME to a compressed name, then its A record.
        response += [0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3, 0x77, 0x77, 0x77, 0xC0, 12]
        response += [0xC0, UInt8(truncatingIfNeeded: question.count), 0, 1, 0, 1, 0, 0, 0, choice, 0, 4, 93, 184, 216, 34]
        return fuzzEthernet(fuzzDatagram(from: fuzzDNS, to: fuzzOurIP, protocolNumber: 17,
                                         payload: fuzzUDP(from: fuzzDNS, port: 53, to: fuzzOurIP, port: query?.source ?? 53,
                                                          payload: response)))
    case 5:
        let echo = ICMPMessage.echo(request: choice & 1 == 0, identifier: 7, sequence: UInt16(choice & 3),
                                    payload: [UInt8](repeating: choice, count: Int(choice % 64)))
        return fuzzEthernet(fuzzDatagram(from: fuzzGateway, to: fuzzOurIP, protocolNumber: 1, payload: echo.bytes))
    default:
        let udp = fuzzUDP(from: fuzzGateway, port: 9, to: fuzzOurIP, port: 7000, payload: [UInt8](repeating: 0x5A, count: 40))
        let part = Int(choice % 3)
        let start = part * 16
        let end = part == 2 ? udp.count : start + 16
        let flags = UInt16(start / 8) | (part == 2 ? 0 : 0x2000)
        return fuzzEthernet(fuzzDatagram(from: fuzzGateway, to: fuzzOurIP, protocolNumber: 17, payload: Array(udp[start ..< end]),
                                         identification: 99, flags: flags))
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func lumenNetworkFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 1 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let interface = FuzzInterface()
    let stack = NetworkStack.create(interface: interface, seed: UInt32(input[0]))
    var tcpSegments = 0
    stack.tcpReceive = { segment, _, _, _ in tcpSegments += segment.count }
    var now: UInt64 = 1_000
    if input[0] & 1 != 0 {
        stack.startDHCP(now: now)
    } else {
        stack.configure(address: fuzzOurIP, subnetMask: IPv4Address(255, 255, 255, 0), gateway: fuzzGateway, dnsServers: [fuzzDNS])
        let arp = ARPPacket(operation: ARPPacket.reply, senderMAC: fuzzPeerMAC, senderIP: fuzzGateway,
                            targetMAC: interface.macAddress, targetIP: fuzzOurIP)
        stack.receive(frame: fuzzEthernet(arp.bytes, type: EthernetHeader.typeARP), now: now)
        _ = try? stack.openUDP(port: 7000, queueLimit: 4)
        _ = stack.resolve("example.com", now: now)
        _ = stack.ping(to: fuzzGateway, identifier: 7, sequence: 1, payload: [1, 2, 3], now: now)
    }
    let trusted = input[0] & 2 != 0
    var offset = 1
    while offset + 2 <= size {
        let kind = Int(input[offset] % 8)
        let length = Int(input[offset + 1])
        let start = offset + 2
        let end = min(size, start + length)
        let bytes = Array(input[start ..< end])
        offset = end
        switch kind {
        case 0:
            stack.receive(frame: bytes, now: now, checksumVerified: trusted)
        case 7:
            now += UInt64(bytes.first ?? 1) * 250
            stack.poll(now: now)
        default:
            var frame = seedFrame(kind, choice: bytes.first ?? 0, interface: interface)
            var index = 1
            while index + 1 < bytes.count {
                let position = Int(bytes[index])
                if position == 0xFF {
                    frame = Array(frame.prefix(Int(bytes[index + 1])))
                } else if position < frame.count {
                    frame[position] ^= bytes[index + 1]
                }
                index += 2
            }
            stack.receive(frame: frame, now: now, checksumVerified: trusted)
        }
    }
    // Liveness: whatever happened, a configured stack still answers a ping.
    if stack.isConfigured && stack.localAddress == fuzzOurIP {
        // The gateway asks for us first: that refreshes its cache entry and flushes anything queued for it.
        stack.receive(frame: seedFrame(1, choice: 0, interface: interface), now: now)
        interface.sent.removeAll()
        let echo = ICMPMessage.echo(request: true, identifier: 1, sequence: 1, payload: [1])
        stack.receive(frame: fuzzEthernet(fuzzDatagram(from: fuzzGateway, to: fuzzOurIP, protocolNumber: 1, payload: echo.bytes,
                                                       identification: 4321)), now: now)
        let answered = interface.sent.contains { $0.count >= 35 && $0[23] == 1 && $0[34] == 0 }
        let arpPending = interface.sent.contains { $0.count >= 14 && $0[12] == 0x08 && $0[13] == 0x06 }
        if !answered && !arpPending { fatalError("network invariant: configured stack did not answer a ping") }
    }
    return 0
}
