import XCTest
import Wire
@testable import Network

final class IPv4Tests: XCTestCase {
    private func parse(_ bytes: [UInt8]) -> Result<IPv4Header, IPv4Header.ParseError> {
        bytes.withUnsafeBytes { buffer in
            do throws(IPv4Header.ParseError) { return .success(try IPv4Header.parse(buffer)) } catch { return .failure(error) }
        }
    }

    func testHeaderParsesValidDatagramWithEthernetPadding() throws {
        let datagram = ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: 17, payload: [1, 2, 3, 4], identification: 7)
        let header = try parse(datagram + [0, 0, 0]).get()
        XCTAssertEqual(header.totalLength, 24)
        XCTAssertEqual(header.source, gatewayIP)
        XCTAssertEqual(header.destination, ourIP)
        XCTAssertEqual(header.identification, 7)
        XCTAssertFalse(header.isFragment)
    }

    func testHeaderRejectsMalformedInput() {
        let good = ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: 17, payload: [1, 2, 3, 4])
        XCTAssertEqual(parse(Array(good[0 ..< 19])), .failure(.truncated))
        var version = good
        version[0] = 0x65
        XCTAssertEqual(parse(version), .failure(.badVersion))
        var shortIHL = good
        shortIHL[0] = 0x44
        XCTAssertEqual(parse(shortIHL), .failure(.badHeaderLength))
        var longIHL = good
        longIHL[0] = 0x4F
        XCTAssertEqual(parse(longIHL), .failure(.badHeaderLength))
        var tooLong = good
        tooLong.storeBigEndian(200, at: 2)
        XCTAssertEqual(parse(tooLong), .failure(.badTotalLength))
        var tooShort = good
        tooShort.storeBigEndian(12, at: 2)
        XCTAssertEqual(parse(tooShort), .failure(.badTotalLength))
        var checksum = good
        checksum[15] ^= 1
        XCTAssertEqual(parse(checksum), .failure(.badChecksum))
        XCTAssertEqual(IPv4Header.ParseError.badChecksum.message, "IPv4 header checksum wrong")
    }

    func testStackCountsBadPacketsAndForeignDestinations() {
        let (stack, _) = makeStack()
        var bad = ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: 17, payload: [0, 0, 0, 0, 0, 0, 0, 0])
        bad[10] ^= 0xFF
        stack.receive(frame: ethernet(bad), now: 1)
        XCTAssertEqual(stack.statistics.ipv4.droppedBadChecksum, 1)
        stack.receive(frame: ethernet(ipv4Datagram(from: gatewayIP, to: IPv4Address(10, 0, 2, 99), protocolNumber: 17,
                                                   payload: [0, 0, 0, 0, 0, 0, 0, 0])), now: 1)
        XCTAssertEqual(stack.statistics.ipv4.droppedNotForUs, 1)
        stack.receive(frame: ethernet(ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: 17, payload: [], ttl: 0)), now: 1)
        XCTAssertEqual(stack.statistics.ipv4.droppedMalformed, 1)
        stack.receive(frame: ethernet(ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: 99, payload: [])), now: 1)
        XCTAssertEqual(stack.statistics.ipv4.droppedUnknownProtocol, 1)
    }

    func testSendSetsDontFragmentAndIncrementsIdentification() {
        let (stack, interface) = makeStack()
        XCTAssertTrue(stack.sendIPv4(protocol: 6, to: remoteIP, payload: [1, 2, 3]))
        XCTAssertTrue(stack.sendIPv4(protocol: 6, to: remoteIP, payload: [4]))
        let frames = interface.takeSent().compactMap { SentFrame($0) }
        XCTAssertEqual(frames.count, 2)
        XCTAssertEqual(frames[0].ethernet.destination, peerMAC, "off-link goes to the gateway")
        XCTAssertEqual(frames[0].ipv4?.dontFragment, true)
        XCTAssertEqual(frames[0].ipv4?.destination, remoteIP)
        XCTAssertEqual(frames[0].ipv4Payload, [1, 2, 3])
        XCTAssertEqual(frames[1].ipv4.map { $0.identification &- frames[0].ipv4!.identification }, 1)
        XCTAssertFalse(stack.sendIPv4(protocol: 6, to: remoteIP, payload: [UInt8](repeating: 0, count: 1481)), "larger than the MTU")
    }

    func testNoRouteWithoutGatewayAndNotConfigured() {
        let interface = FakeInterface()
        let stack = NetworkStack.create(interface: interface)
        XCTAssertFalse(stack.sendIPv4(protocol: 6, to: remoteIP, payload: []))
        stack.configure(address: ourIP, subnetMask: IPv4Address(255, 255, 255, 0), gateway: nil, dnsServers: [])
        XCTAssertFalse(stack.sendIPv4(protocol: 6, to: remoteIP, payload: []))
        XCTAssertEqual(stack.statistics.ipv4.droppedNoRoute, 1)
    }

    func testTCPHookReceivesSegments() {
        let (stack, _) = makeStack()
        var received: [(IPv4Address, [UInt8])] = []
        stack.tcpReceive = { segment, source, _, _ in received.append((source, Array(segment))) }
        stack.receive(frame: ethernet(ipv4Datagram(from: remoteIP, to: ourIP, protocolNumber: 6, payload: [9, 8, 7]) + [0, 0]), now: 1)
        XCTAssertEqual(received.count, 1)
        XCTAssertEqual(received.first?.0, remoteIP)
        XCTAssertEqual(received.first?.1, [9, 8, 7], "padding after total length is not part of the segment")
    }

    // MARK: reassembly

    /// A UDP datagram to port 5000 split into fragments of `size` bytes (multiples of 8).
    private func fragments(payload: [UInt8], size: Int, identification: UInt16 = 77) -> (udp: [UInt8], frames: [[UInt8]]) {
        let udp = UDPDatagram(sourcePort: 9, destinationPort: 5000, payload: payload).bytes(source: remoteIP, destination: ourIP)
        var frames: [[UInt8]] = []
        var offset = 0
        while offset < udp.count {
            let end = min(udp.count, offset + size)
            frames.append(ethernet(ipv4Datagram(from: remoteIP, to: ourIP, protocolNumber: 17, payload: Array(udp[offset ..< end]),
                                                identification: identification, moreFragments: end < udp.count,
                                                fragmentOffset: offset)))
            offset = end
        }
        return (udp, frames)
    }

    private func pattern(_ count: Int) -> [UInt8] { (0 ..< count).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) } }

    func testReassemblyInOrder() throws {
        let (stack, _) = makeStack()
        let socket = try stack.openUDP(port: 5000)
        let payload = pattern(3000)
        let (_, frames) = fragments(payload: payload, size: 1480)
        XCTAssertEqual(frames.count, 3)
        for frame in frames { stack.receive(frame: frame, now: 5) }
        XCTAssertTrue(socket.receive()?.payload == payload, "reassembled payload")
        XCTAssertEqual(stack.statistics.ipv4.reassembled, 1)
    }

    func testReassemblyOutOfOrderWithDuplicates() throws {
        let (stack, _) = makeStack()
        let socket = try stack.openUDP(port: 5000)
        let payload = pattern(1000)
        let (_, frames) = fragments(payload: payload, size: 128)
        var order = Array(frames.indices.reversed())
        order.insert(3, at: 2)   // an exact duplicate is harmless
        for index in order { stack.receive(frame: frames[index], now: 5) }
        XCTAssertTrue(socket.receive()?.payload == payload, "reassembled payload")
        XCTAssertNil(socket.receive(), "delivered once")
    }

    func testOverlappingFragmentsThatDisagreeDiscardTheDatagram() throws {
        let (stack, _) = makeStack()
        let socket = try stack.openUDP(port: 5000)
        let payload = pattern(64)
        let (udp, frames) = fragments(payload: payload, size: 32)
        stack.receive(frame: frames[0], now: 1)
        // Overlaps bytes 16..<48 with different data.
        var forged = Array(udp[16 ..< 48])
        forged[0] ^= 0xFF
        stack.receive(frame: ethernet(ipv4Datagram(from: remoteIP, to: ourIP, protocolNumber: 17, payload: forged,
                                                   identification: 77, moreFragments: true, fragmentOffset: 16)), now: 1)
        for frame in frames.dropFirst() { stack.receive(frame: frame, now: 1) }
        XCTAssertNil(socket.receive())
        XCTAssertGreaterThanOrEqual(stack.statistics.ipv4.reassemblyFailures, 1)
    }

    func testOverlapThatAgreesIsAccepted() throws {
        let (stack, _) = makeStack()
        let socket = try stack.openUDP(port: 5000)
        let payload = pattern(64)
        let (udp, frames) = fragments(payload: payload, size: 32)
        stack.receive(frame: frames[0], now: 1)
        stack.receive(frame: ethernet(ipv4Datagram(from: remoteIP, to: ourIP, protocolNumber: 17, payload: Array(udp[16 ..< 48]),
                                                   identification: 77, moreFragments: true, fragmentOffset: 16)), now: 1)
        for frame in frames.dropFirst() { stack.receive(frame: frame, now: 1) }
        XCTAssertTrue(socket.receive()?.payload == payload)
    }

    func testIncompleteReassemblyTimesOut() throws {
        let (stack, _) = makeStack()
        let socket = try stack.openUDP(port: 5000)
        let (_, frames) = fragments(payload: pattern(100), size: 64)
        stack.receive(frame: frames[0], now: 1_000)
        stack.poll(now: 1_000 + FragmentReassembler.timeout)
        XCTAssertEqual(stack.statistics.ipv4.reassemblyFailures, 1)
        stack.receive(frame: frames[1], now: 32_000)
        XCTAssertNil(socket.receive(), "the first half was forgotten")
    }

    func testOversizedDatagramIsRefused() {
        var reassembler = FragmentReassembler()
        let chunk = [UInt8](repeating: 1, count: 1024)
        var header = try! ipv4Datagram(from: remoteIP, to: ourIP, protocolNumber: 17, payload: chunk, moreFragments: true,
                                       fragmentOffset: 65_528 - 1024).withUnsafeBytes { buffer throws(IPv4Header.ParseError) in
            try IPv4Header.parse(buffer)
        }
        XCTAssertEqual(chunk.withUnsafeBytes { reassembler.add(header: header, payload: $0, now: 0) }, .discarded)
        header.fragmentOffset = 65_528
        header.moreFragments = false
        XCTAssertEqual(chunk.withUnsafeBytes { reassembler.add(header: header, payload: $0, now: 0) }, .discarded)
        XCTAssertEqual(reassembler.inProgress, 0)
    }

    func testConcurrentReassembliesAreBounded() {
        var reassembler = FragmentReassembler()
        let chunk = [UInt8](repeating: 1, count: 8)
        for identification in 0 ..< 100 {
            let header = IPv4Header(headerLength: 20, totalLength: 28, identification: UInt16(identification), dontFragment: false,
                                    moreFragments: true, fragmentOffset: 0, ttl: 64, protocolNumber: 17, source: remoteIP,
                                    destination: ourIP)
            _ = chunk.withUnsafeBytes { reassembler.add(header: header, payload: $0, now: UInt64(identification)) }
        }
        XCTAssertEqual(reassembler.inProgress, FragmentReassembler.maximumReassemblies)
    }
}
