import XCTest
import Wire
@testable import Network

/// Checksum offload (virtio-net CSUM / GUEST_CSUM) as the stack uses it: TCP
/// and UDP go out with the pseudo-header sum for the device to finish, and a
/// checksum the device vouches for is not summed again.
final class ChecksumOffloadTests: XCTestCase {
    private func offloadingStack() -> (NetworkStack<FakeInterface>, FakeInterface) {
        let (stack, interface) = makeStack()
        interface.offloadsChecksums = true
        return (stack, interface)
    }

    func testUDPLeavesWithThePseudoHeaderSumAndTheDeviceFinishesIt() throws {
        let (stack, interface) = offloadingStack()
        let socket = try stack.openUDP(port: 4000)
        try stack.send(socket, to: gatewayIP, port: 9, payload: Array("offloaded".utf8))
        let frames = interface.takeSent()
        XCTAssertEqual(frames.count, 1)
        XCTAssertEqual(interface.offloads, [ChecksumOffload(start: 34, offset: 6)])
        var frame = frames[0]
        // As sent: the field holds the folded pseudo-header sum, so the datagram does not verify yet.
        var pseudo = InternetChecksum()
        pseudo.addPseudoHeader(source: ourIP, destination: gatewayIP, protocol: IPv4Header.protocolUDP, length: 8 + 9)
        XCTAssertEqual(UInt16(frame[40]) << 8 | UInt16(frame[41]), pseudo.partialValue)
        XCTAssertNil(SentFrame(frame)?.udp, "a partial checksum must not verify")
        // Finished as a device would, it is an ordinary, valid datagram.
        XCTAssertTrue(interface.offloads[0].complete(&frame))
        XCTAssertEqual(SentFrame(frame)?.udp?.payload, Array("offloaded".utf8))
        XCTAssertEqual(stack.statistics.ipv4.checksumsOffloaded, 1)
    }

    func testTCPSegmentsLeaveWithPartialChecksumsThatComplete() throws {
        let encoded = TCPSegment(sourcePort: 1234, destinationPort: 80, sequenceNumber: 7, acknowledgmentNumber: 9,
                                 flags: [.ack, .psh], window: 100, payload: Array("GET / HTTP/1.1\r\n".utf8))
        let partial = encoded.encode(source: ourIP, destination: gatewayIP, partialChecksum: true)
        let full = encoded.encode(source: ourIP, destination: gatewayIP)
        let (stack, interface) = offloadingStack()
        XCTAssertTrue(stack.sendIPv4(protocol: IPv4Header.protocolTCP, to: gatewayIP, payload: partial))
        XCTAssertEqual(interface.offloads, [ChecksumOffload(start: 34, offset: 16)])
        var frame = interface.takeSent()[0]
        XCTAssertTrue(interface.offloads[0].complete(&frame))
        XCTAssertEqual(Array(frame[34...]), full, "finishing the partial checksum gives the software one")
    }

    func testICMPAndARPAreNeverOffloaded() {
        let (stack, interface) = offloadingStack()
        _ = stack.ping(to: gatewayIP, identifier: 1, sequence: 1, payload: [1, 2, 3], now: 0)
        XCTAssertFalse(interface.takeSent().isEmpty)
        XCTAssertTrue(interface.offloads.isEmpty)
    }

    func testWithoutOffloadTheStackSumsEverything() throws {
        let (stack, interface) = makeStack()
        let socket = try stack.openUDP(port: 4000)
        try stack.send(socket, to: gatewayIP, port: 9, payload: [1, 2, 3])
        XCTAssertNotNil(SentFrame(interface.takeSent()[0])?.udp)
        XCTAssertTrue(interface.offloads.isEmpty)
        XCTAssertEqual(stack.statistics.ipv4.checksumsOffloaded, 0)
    }

    /// A device that verified the checksum says so; the stack then takes the
    /// datagram as it is (here with a checksum that would not verify).
    func testAVerifiedChecksumIsTrustedAndAnUnverifiedOneChecked() throws {
        let (stack, _) = makeStack()
        let socket = try stack.openUDP(port: 7000)
        var frame = udpFrame(from: gatewayIP, port: 5, to: ourIP, port: 7000, payload: [42])
        frame[40] ^= 0x5A  // break the UDP checksum
        stack.receive(frame: frame, now: 1)
        XCTAssertNil(socket.receive())
        XCTAssertEqual(stack.statistics.udp.droppedBadChecksum, 1)
        stack.receive(frame: frame, now: 2, checksumVerified: true)
        XCTAssertEqual(socket.receive()?.payload, [42])
        XCTAssertEqual(stack.statistics.ipv4.checksumsTrusted, 1)
    }

    func testVerifiedFlagReachesTCPAndTheIPv4HeaderIsStillChecked() {
        let (stack, _) = makeStack()
        var verifiedFlags: [Bool] = []
        stack.tcpReceive = { _, _, _, verified in verifiedFlags.append(verified) }
        let segment = TCPSegment(sourcePort: 80, destinationPort: 1234, sequenceNumber: 1, acknowledgmentNumber: 0,
                                 flags: .syn, window: 100).encode(source: gatewayIP, destination: ourIP)
        let frame = ethernet(ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: IPv4Header.protocolTCP, payload: segment))
        stack.receive(frame: frame, now: 1, checksumVerified: true)
        stack.receive(frame: frame, now: 2)
        XCTAssertEqual(verifiedFlags, [true, false])
        var badHeader = frame
        badHeader[14 + 10] ^= 0xFF
        stack.receive(frame: badHeader, now: 3, checksumVerified: true)
        XCTAssertEqual(verifiedFlags.count, 2, "DATA_VALID says nothing of the IPv4 header")
        XCTAssertEqual(stack.statistics.ipv4.droppedBadChecksum, 1)
    }

    /// No device checks a checksum across fragments: after reassembly the stack sums it.
    func testReassembledDatagramsAreAlwaysSummed() throws {
        let (stack, _) = makeStack()
        let socket = try stack.openUDP(port: 7000)
        var udp = UDPDatagram(sourcePort: 5, destinationPort: 7000, payload: Array(repeating: 9, count: 40))
            .bytes(source: gatewayIP, destination: ourIP)
        udp[7] ^= 0x01
        let first = ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: IPv4Header.protocolUDP,
                                 payload: Array(udp[0 ..< 24]), moreFragments: true)
        let second = ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: IPv4Header.protocolUDP,
                                  payload: Array(udp[24...]), fragmentOffset: 24)
        stack.receive(frame: ethernet(first), now: 1, checksumVerified: true)
        stack.receive(frame: ethernet(second), now: 2, checksumVerified: true)
        XCTAssertNil(socket.receive())
        XCTAssertEqual(stack.statistics.udp.droppedBadChecksum, 1)
    }

    /// Two stacks through a "device" that finishes offloaded checksums: TCP
    /// connects and carries data with one side offloading.
    func testTCPBetweenAnOffloadingStackAndASummingOne() {
        let client = TCPLayer(localAddress: { ourIP }, random: { 7 })
        let server = TCPLayer(localAddress: { gatewayIP }, random: { 11 })
        client.partialChecksums = true
        var wire: [(bytes: [UInt8], toServer: Bool)] = []
        client.send = { segment, _, _ in
            var frame = ethernet(ipv4Datagram(from: ourIP, to: gatewayIP, protocolNumber: IPv4Header.protocolTCP,
                                              payload: segment))
            guard ChecksumOffload(start: 34, offset: 16).complete(&frame) else { return false }
            wire.append((Array(frame[34...]), true))
            return true
        }
        server.send = { segment, _, _ in wire.append((segment, false)); return true }
        let listener = server.listen(port: 80)
        let connection = client.connect(to: gatewayIP, port: 80, now: 0)
        var now: UInt64 = 0
        var sentData = false
        for _ in 0 ..< 50 {
            let pending = wire
            wire.removeAll()
            for (bytes, toServer) in pending {
                if toServer {
                    server.receive(segment: bytes, source: ourIP, destination: gatewayIP, now: now)
                } else {
                    client.receive(segment: bytes, source: gatewayIP, destination: ourIP, now: now)
                }
            }
            if connection.state == .established, !sentData {
                _ = connection.send(Array("hello".utf8))
                sentData = true
            }
            now += 10
            client.poll(now: now)
            server.poll(now: now)
        }
        let accepted = listener?.accept()
        XCTAssertEqual(accepted?.receive(maximum: 100), Array("hello".utf8))
        XCTAssertEqual(server.malformedSegments, 0)
    }

    func testMACAddressParsing() {
        XCTAssertEqual(MACAddress("01:00:5e:00:00:FB"), MACAddress(0x01, 0x00, 0x5E, 0x00, 0x00, 0xFB))
        XCTAssertEqual(MACAddress("52-54-00-12-34-56"), ourMAC)
        for bad in ["", "01:00:5e:00:00", "01:00:5e:00:00:fb:1", "1:00:5e:00:00:fb", "01:00:5e:00:00:fg", "01::5e:00:00:fb"] {
            XCTAssertNil(MACAddress(bad), bad)
        }
    }

    /// The eight-bytes-at-a-time sum against RFC 1071's word-by-word one, at
    /// every length and alignment, with words that carry (0xFFFF runs).
    func testWideSumEqualsTheWordByWordSum() {
        var random = TestRandom(state: 99)
        for length in 0 ..< 200 {
            for start in 0 ..< 3 {
                var bytes = (0 ..< length + start).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                if length % 7 == 0 { for i in bytes.indices { bytes[i] = 0xFF } }
                let piece = Array(bytes[start...])
                var reference: UInt64 = 0
                var index = 0
                while index + 1 < piece.count {
                    reference += UInt64(piece[index]) << 8 | UInt64(piece[index + 1])
                    index += 2
                }
                if index < piece.count { reference += UInt64(piece[index]) << 8 }
                while reference > 0xFFFF { reference = (reference & 0xFFFF) + (reference >> 16) }
                var sum = InternetChecksum()
                bytes.withUnsafeBytes { sum.add(UnsafeRawBufferPointer(rebasing: $0[start...])) }
                // 0 and 0xFFFF are the same number in ones' complement.
                let expected = ~UInt16(reference)
                XCTAssertTrue(sum.value == expected || (sum.value == 0 && expected == 0xFFFF) || (sum.value == 0xFFFF && expected == 0),
                              "length \(length) at +\(start): \(sum.value) vs \(expected)")
            }
        }
        // RFC 1071's example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
        var example = InternetChecksum()
        example.add([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7] + [UInt8](repeating: 0, count: 16))
        XCTAssertEqual(example.partialValue, 0xDDF2)
    }
}
