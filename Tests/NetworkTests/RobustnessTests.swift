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

    /// Random bytes, some shaped to pass a parser's first gates (a valid IPv4
    /// header checksum, an ARP preamble, a right ICMP checksum, a UDP length), into
    /// every parser. Each verdict is checked against the rules the parser claims,
    /// computed here independently: accepted input really satisfies them and
    /// the parsed fields are the bytes; rejected input really breaks the rule
    /// named by the error, whose message says so.
    func testRandomBytesIntoEveryParser() {
        var random = TestRandom(state: 99)
        var accepted: [String: Int] = [:]
        for _ in 0 ..< 20_000 {
            var bytes = (0 ..< random.below(300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            switch random.below(5) {
            case 1 where bytes.count >= 20: shapeIPv4(&bytes, &random)
            case 2 where bytes.count >= 28: bytes.replaceSubrange(0 ..< 8, with: [0, 1, 8, 0, 6, 4, 0, UInt8(1 + random.below(2))])
            case 3 where bytes.count >= 8: storeChecksum(&bytes, over: 0 ..< bytes.count, at: 2)
            case 4 where bytes.count >= 8:
                let length = 8 + random.below(bytes.count - 7)
                bytes[4] = UInt8(length >> 8); bytes[5] = UInt8(length & 0xFF); bytes[6] = 0; bytes[7] = 0
            default: break
            }
            bytes.withUnsafeBytes { buffer in
                checkEthernet(buffer, &accepted)
                checkARP(buffer, &accepted)
                checkIPv4(buffer, &accepted)
                checkICMP(buffer, &accepted)
                checkUDP(buffer, &accepted)
                do throws(DHCPMessage.ParseError) {
                    _ = try DHCPMessage.parse(buffer)
                    accepted["dhcp", default: 0] += 1
                } catch {
                    XCTAssertFalse(error.message.isEmpty)
                }
                do throws(DNSMessage.ParseError) {
                    let response = try DNSMessage.parse(buffer)
                    XCTAssertTrue(buffer[2] & 0x80 != 0, "only responses are accepted")
                    XCTAssertEqual(response.identifier, UInt16(buffer[0]) << 8 | UInt16(buffer[1]))
                    accepted["dns", default: 0] += 1
                } catch {
                    if buffer.count < 12 { XCTAssertEqual(error, .truncated) }
                    else if buffer[2] & 0x80 == 0 { XCTAssertEqual(error, .notAResponse) }
                    XCTAssertFalse(error.message.isEmpty)
                }
            }
        }
        // Every parser's acceptance path was reached, not only its rejections.
        for parser in ["ethernet", "arp", "ipv4", "icmp", "udp"] {
            XCTAssertGreaterThan(accepted[parser, default: 0], 100, "\(parser): \(accepted)")
        }
        // DNS-shaped garbage: a response header followed by random names and pointers.
        var names = 0
        for _ in 0 ..< 20_000 {
            var bytes: [UInt8] = [0, 1, 0x81, 0x80, 0, UInt8(random.below(3)), 0, UInt8(random.below(4)), 0, 0, 0, 0]
            bytes += (0 ..< random.below(60)).map { _ in
                random.below(3) == 0 ? UInt8(0xC0) : UInt8(truncatingIfNeeded: random.next() % 40)
            }
            let result = bytes.withUnsafeBytes { buffer in
                Result { () throws(DNSMessage.ParseError) in try DNSMessage.parse(buffer) }
            }
            switch result {
            case .success(let response):
                XCTAssertEqual(response.identifier, 1)
                XCTAssertLessThanOrEqual(response.answers.count, Int(bytes[7]))
                if let name = response.questionName {
                    XCTAssertLessThanOrEqual(name.count, 255, "a name is at most 255 bytes")
                    names += 1
                }
            case .failure(let error):
                XCTAssertNotEqual(error, .notAResponse)
                XCTAssertFalse(error.message.isEmpty)
            }
        }
        XCTAssertGreaterThan(names, 100)
    }

    /// An IPv4 header of a random legal length whose total length and checksum are right.
    private func shapeIPv4(_ bytes: inout [UInt8], _ random: inout TestRandom) {
        let headerLength = 4 * min(5 + random.below(11), bytes.count / 4)
        bytes[0] = 0x40 | UInt8(headerLength / 4)
        let total = headerLength + random.below(bytes.count - headerLength + 1)
        bytes[2] = UInt8(total >> 8); bytes[3] = UInt8(total & 0xFF)
        storeChecksum(&bytes, over: 0 ..< headerLength, at: 10)
    }

    /// The ones'-complement sum of 16-bit big-endian words (RFC 1071), written
    /// here rather than taken from `Wire` so that it judges the parsers.
    private func onesComplementSum(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index < bytes.count {
            sum += UInt32(bytes[index]) << 8 | (index + 1 < bytes.count ? UInt32(bytes[index + 1]) : 0)
            index += 2
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return UInt16(sum)
    }

    private func storeChecksum(_ bytes: inout [UInt8], over range: Range<Int>, at offset: Int) {
        bytes[offset] = 0; bytes[offset + 1] = 0
        let sum = ~bytes.withUnsafeBytes { onesComplementSum(UnsafeRawBufferPointer(rebasing: $0[range])) }
        bytes[offset] = UInt8(sum >> 8); bytes[offset + 1] = UInt8(sum & 0xFF)
    }

    private func be16(_ buffer: UnsafeRawBufferPointer, _ offset: Int) -> Int { Int(buffer[offset]) << 8 | Int(buffer[offset + 1]) }

    private func checkEthernet(_ buffer: UnsafeRawBufferPointer, _ accepted: inout [String: Int]) {
        let header = EthernetHeader.parse(buffer)
        XCTAssertEqual(header != nil, buffer.count >= EthernetHeader.size)
        guard let header else { return }
        XCTAssertEqual(Int(header.etherType), be16(buffer, 12))
        XCTAssertEqual(header.destination.array, Array(buffer[0 ..< 6]))
        XCTAssertEqual(header.source.array, Array(buffer[6 ..< 12]))
        accepted["ethernet", default: 0] += 1
    }

    private func checkARP(_ buffer: UnsafeRawBufferPointer, _ accepted: inout [String: Int]) {
        let packet = ARPPacket.parse(buffer)
        let wellFormed = buffer.count >= ARPPacket.size && Array(buffer[0 ..< 6]) == [0, 1, 8, 0, 6, 4]
            && (1 ... 2).contains(be16(buffer, 6))
        XCTAssertEqual(packet != nil, wellFormed)
        guard let packet else { return }
        XCTAssertEqual(packet.bytes, Array(buffer[0 ..< ARPPacket.size]), "fields are the bytes")
        accepted["arp", default: 0] += 1
    }

    private func checkIPv4(_ buffer: UnsafeRawBufferPointer, _ accepted: inout [String: Int]) {
        do throws(IPv4Header.ParseError) {
            let header = try IPv4Header.parse(buffer)
            XCTAssertEqual(buffer[0] >> 4, 4)
            XCTAssertEqual(header.headerLength, Int(buffer[0] & 0x0F) * 4)
            XCTAssertTrue(header.headerLength >= 20 && header.headerLength <= buffer.count)
            XCTAssertTrue(header.totalLength >= header.headerLength && header.totalLength <= buffer.count)
            XCTAssertEqual(onesComplementSum(UnsafeRawBufferPointer(rebasing: buffer[0 ..< header.headerLength])), 0xFFFF)
            XCTAssertEqual(header.protocolNumber, buffer[9])
            XCTAssertEqual(header.source.value, UInt32(be16(buffer, 12)) << 16 | UInt32(be16(buffer, 14)))
            accepted["ipv4", default: 0] += 1
        } catch {
            XCTAssertFalse(error.message.isEmpty)
            let expected: IPv4Header.ParseError
            let headerLength = buffer.isEmpty ? 0 : Int(buffer[0] & 0x0F) * 4
            if buffer.count < 20 { expected = .truncated }
            else if buffer[0] >> 4 != 4 { expected = .badVersion }
            else if headerLength < 20 || headerLength > buffer.count { expected = .badHeaderLength }
            else if be16(buffer, 2) < headerLength || be16(buffer, 2) > buffer.count { expected = .badTotalLength }
            else { expected = .badChecksum }
            XCTAssertEqual(error, expected)
            if expected == .badChecksum {
                XCTAssertNotEqual(onesComplementSum(UnsafeRawBufferPointer(rebasing: buffer[0 ..< headerLength])), 0xFFFF)
            }
        }
    }

    private func checkICMP(_ buffer: UnsafeRawBufferPointer, _ accepted: inout [String: Int]) {
        do throws(ICMPMessage.ParseError) {
            let message = try ICMPMessage.parse(buffer)
            XCTAssertEqual(onesComplementSum(buffer), 0xFFFF)
            XCTAssertEqual(message.type, buffer[0])
            XCTAssertEqual(message.body, Array(buffer[8...]))
            XCTAssertEqual(message.bytes, Array(buffer), "re-encoding gives the same bytes")
            accepted["icmp", default: 0] += 1
        } catch {
            XCTAssertEqual(error, buffer.count < 8 ? .truncated : .badChecksum)
            if buffer.count >= 8 { XCTAssertNotEqual(onesComplementSum(buffer), 0xFFFF) }
        }
    }

    private func checkUDP(_ buffer: UnsafeRawBufferPointer, _ accepted: inout [String: Int]) {
        do throws(UDPDatagram.ParseError) {
            let datagram = try UDPDatagram.parse(buffer, source: remoteIP, destination: ourIP)
            let length = be16(buffer, 4)
            XCTAssertTrue(length >= 8 && length <= buffer.count)
            XCTAssertEqual(datagram.payload, Array(buffer[8 ..< length]))
            XCTAssertEqual(Int(datagram.sourcePort), be16(buffer, 0))
            accepted["udp", default: 0] += 1
        } catch {
            XCTAssertFalse(error.message.isEmpty)
            if buffer.count < 8 { XCTAssertEqual(error, .truncated) }
            else if be16(buffer, 4) < 8 || be16(buffer, 4) > buffer.count { XCTAssertEqual(error, .badLength) }
            else { XCTAssertEqual(error, .badChecksum) }
        }
    }
}
