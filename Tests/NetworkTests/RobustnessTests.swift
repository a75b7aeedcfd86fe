import XCTest
@testable import Network

/// Thousands of random and mutated frames: nothing may trap or hang, and the
/// stack must still work afterwards.
final class RobustnessTests: XCTestCase {
    /// Well-formed frames that reach every parser.
    private func seeds(_ interface: FakeInterface) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        frames.append(arpFrame(operation: ARPPacket.request, senderMAC: peerMAC, senderIP: gatewayIP, targetMAC: .zero, targetIP: ourIP))
        frames.append(arpFrame(operation: ARPPacket.reply, senderMAC: otherMAC, senderIP: neighbourIP, targetMAC: ourMAC, targetIP: ourIP))
        let echo = ICMPMessage.echo(request: true, identifier: 1, sequence: 2, payload: [1, 2, 3, 4]).bytes
        frames.append(ethernet(ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: 1, payload: echo)))
        let reply = ICMPMessage.echo(request: false, identifier: 9, sequence: 1, payload: []).bytes
        frames.append(ethernet(ipv4Datagram(from: remoteIP, to: ourIP, protocolNumber: 1, payload: reply)))
        let unreachable = ICMPMessage(type: 3, code: 3, restOfHeader: 0,
                                      body: Array(ipv4Datagram(from: ourIP, to: remoteIP, protocolNumber: 17,
                                                               payload: [0x10, 0x00, 0, 53, 0, 8, 0, 0]))).bytes
        frames.append(ethernet(ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: 1, payload: unreachable)))
        var offer = DHCPMessage(operation: 2, transactionID: 1, clientMAC: ourMAC, messageType: .offer)
        offer.yourAddress = ourIP
        offer.serverIdentifier = gatewayIP
        offer.routers = [gatewayIP]
        offer.dnsServers = [dnsIP]
        offer.leaseTime = 100
        frames.append(udpFrame(from: gatewayIP, port: 67, to: .broadcast, port: 68, payload: offer.bytes, macDestination: .broadcast))
        let question = interface.sent.compactMap { SentFrame($0)?.udp }.first { $0.destinationPort == 53 }
        let query = question?.payload ?? DNSMessage.query(identifier: 1, name: Array("example.com".utf8))
        var answer = Array(query.prefix(2)) + [0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0] + Array(query.dropFirst(12))
        answer += [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4]
        frames.append(udpFrame(from: dnsIP, port: 53, to: ourIP, port: question?.sourcePort ?? 1, payload: answer))
        let udp = UDPDatagram(sourcePort: 1, destinationPort: 7000, payload: [UInt8](repeating: 7, count: 40))
            .bytes(source: remoteIP, destination: ourIP)
        frames.append(ethernet(ipv4Datagram(from: remoteIP, to: ourIP, protocolNumber: 17, payload: Array(udp[0 ..< 16]),
                                            identification: 5, moreFragments: true)))
        frames.append(ethernet(ipv4Datagram(from: remoteIP, to: ourIP, protocolNumber: 17, payload: Array(udp[16...]),
                                            identification: 5, fragmentOffset: 16)))
        return frames
    }

    private func mutate(_ frame: [UInt8], _ random: inout TestRandom) -> [UInt8] {
        var out = frame
        switch random.below(5) {
        case 0:
            for _ in 0 ... random.below(4) where !out.isEmpty { out[random.below(out.count)] ^= UInt8(1 + random.below(255)) }
        case 1:
            out = Array(out.prefix(random.below(out.count + 1)))
        case 2:
            out += (0 ..< random.below(64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        case 3:
            // Length and offset fields set to extremes.
            for position in [16, 17, 20, 21, 38, 39] where position < out.count { out[position] = random.below(2) == 0 ? 0xFF : 0 }
        default:
            if out.count > 40 { out[random.below(out.count - 34) + 34] = UInt8(truncatingIfNeeded: random.next()) }
        }
        return out
    }

    func testThousandsOfMutatedFramesDoNotBreakTheStack() throws {
        var random = TestRandom(state: 12345)
        for round in 0 ..< 4 {
            let (stack, interface) = makeStack()
            stack.tcpReceive = { _, _, _, _ in }
            if round == 1 { stack.startDHCP(now: 0) }
            _ = try stack.openUDP(port: 7000, queueLimit: 8)
            _ = stack.resolve("example.com", now: 0)
            _ = stack.ping(to: remoteIP, identifier: 9, sequence: 1, payload: [], now: 0)
            stack.receive(frame: arpFrame(operation: ARPPacket.request, senderMAC: otherMAC, senderIP: dnsIP,
                                          targetMAC: .zero, targetIP: ourIP), now: 0)
            let seedFrames = seeds(interface)
            var now: UInt64 = 0
            for step in 0 ..< 5_000 {
                let frame: [UInt8]
                if random.below(4) == 0 {
                    frame = (0 ..< random.below(120)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                } else {
                    frame = mutate(seedFrames[random.below(seedFrames.count)], &random)
                }
                stack.receive(frame: frame, now: now)
                if step % 50 == 0 {
                    now += UInt64(random.below(5_000))
                    stack.poll(now: now)
                }
                if interface.sent.count > 1000 { interface.sent.removeAll() }
            }
            XCTAssertGreaterThan(stack.statistics.ethernet.received, 4_999)
            // Still alive: a well-formed ping is answered (after the gateway re-announces itself).
            if stack.localAddress == ourIP {
                stack.receive(frame: seedFrames[0], now: now)
                interface.sent.removeAll()
                stack.receive(frame: seedFrames[2], now: now)
                XCTAssertEqual(interface.sent.compactMap { SentFrame($0)?.icmp?.type }, [0], "round \(round) answers pings")
            }
        }
    }

    func testRandomBytesIntoEveryParser() {
        var random = TestRandom(state: 99)
        for _ in 0 ..< 20_000 {
            let bytes = (0 ..< random.below(300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            bytes.withUnsafeBytes { buffer in
                _ = EthernetHeader.parse(buffer)
                _ = ARPPacket.parse(buffer)
                _ = try? IPv4Header.parse(buffer)
                _ = try? ICMPMessage.parse(buffer)
                _ = try? UDPDatagram.parse(buffer, source: remoteIP, destination: ourIP)
                _ = try? DHCPMessage.parse(buffer)
                _ = try? DNSMessage.parse(buffer)
            }
        }
        // DNS-shaped garbage: a response header followed by random names and pointers.
        for _ in 0 ..< 20_000 {
            var bytes: [UInt8] = [0, 1, 0x81, 0x80, 0, UInt8(random.below(3)), 0, UInt8(random.below(4)), 0, 0, 0, 0]
            bytes += (0 ..< random.below(60)).map { _ in
                random.below(3) == 0 ? UInt8(0xC0) : UInt8(truncatingIfNeeded: random.next() % 40)
            }
            _ = bytes.withUnsafeBytes { try? DNSMessage.parse($0) }
        }
    }
}
