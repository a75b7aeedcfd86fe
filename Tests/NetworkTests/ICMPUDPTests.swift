import XCTest
import Wire
@testable import Network

final class ICMPUDPTests: XCTestCase {
    func testEchoRequestIsAnsweredByteExact() {
        let (stack, interface) = makeStack()
        let request = ICMPMessage.echo(request: true, identifier: 0xBEEF, sequence: 3, payload: Array("lumen ping".utf8)).bytes
        stack.receive(frame: ethernet(ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: 1, payload: request)), now: 1)
        let sent = interface.takeSent()
        XCTAssertEqual(sent.count, 1)
        guard let frame = SentFrame(sent[0]), let header = frame.ipv4 else { return XCTFail("no IPv4 reply") }
        XCTAssertEqual(frame.ethernet.destination, peerMAC)
        XCTAssertEqual(header.destination, gatewayIP)
        XCTAssertEqual(header.source, ourIP)
        // The reply is the request with type 0 and the checksum adjusted by exactly 8 << 8.
        var expected = request
        expected[0] = 0
        let checksum = UInt16(request[2]) << 8 | UInt16(request[3])
        let adjusted = UInt32(checksum) + 0x0800
        expected.storeBigEndian(UInt16(truncatingIfNeeded: adjusted + (adjusted >> 16)), at: 2)
        XCTAssertEqual(frame.ipv4Payload, expected)
    }

    func testBroadcastPingIsIgnoredAndBadChecksumCounted() {
        let (stack, interface) = makeStack()
        let request = ICMPMessage.echo(request: true, identifier: 1, sequence: 1, payload: []).bytes
        stack.receive(frame: ethernet(ipv4Datagram(from: gatewayIP, to: .broadcast, protocolNumber: 1, payload: request),
                                      to: .broadcast), now: 1)
        XCTAssertTrue(interface.takeSent().isEmpty)
        var bad = request
        bad[5] ^= 1
        stack.receive(frame: ethernet(ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: 1, payload: bad)), now: 1)
        stack.receive(frame: ethernet(ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: 1, payload: [8, 0, 0])), now: 1)
        XCTAssertEqual(stack.statistics.icmp.droppedBadChecksum, 1)
        XCTAssertEqual(stack.statistics.icmp.droppedMalformed, 1)
        XCTAssertTrue(interface.takeSent().isEmpty)
    }

    func testPingClientReportsRoundTrip() {
        let (stack, interface) = makeStack()
        let session = stack.ping(to: remoteIP, identifier: 42, sequence: 7, payload: [1, 2, 3], now: 1_000)
        XCTAssertFalse(session.isComplete)
        guard let request = SentFrame(interface.takeSent()[0])?.icmp else { return XCTFail("no echo request") }
        XCTAssertEqual(request.type, ICMPMessage.typeEchoRequest)
        XCTAssertEqual(request.identifier, 42)
        XCTAssertEqual(request.sequence, 7)
        let reply = ICMPMessage.echo(request: false, identifier: 42, sequence: 7, payload: [1, 2, 3]).bytes
        stack.receive(frame: ethernet(ipv4Datagram(from: remoteIP, to: ourIP, protocolNumber: 1, payload: reply, ttl: 55)), now: 1_023)
        XCTAssertEqual(session.result, .success(PingReply(from: remoteIP, sequence: 7, roundTripMilliseconds: 23, ttl: 55, payloadSize: 3)))
    }

    func testPingTimesOut() {
        let (stack, _) = makeStack()
        let session = stack.ping(to: remoteIP, identifier: 1, sequence: 1, payload: [], now: 0, timeout: 1_000)
        stack.poll(now: 999)
        XCTAssertFalse(session.isComplete)
        stack.poll(now: 1_000)
        XCTAssertEqual(session.result, .failure(.timeout))
    }

    func testDestinationUnreachableIsReportedToPingAndSocket() throws {
        let (stack, interface) = makeStack()
        let session = stack.ping(to: remoteIP, identifier: 5, sequence: 6, payload: [], now: 0)
        let socket = try stack.openUDP(port: 4444)
        try stack.send(socket, to: remoteIP, port: 9999, payload: [1, 2, 3])
        let sent = interface.takeSent()
        for (index, frame) in sent.enumerated() {
            let quoted = Array(frame[14 ..< min(frame.count, 14 + 28)])
            let code: UInt8 = index == 0 ? 1 : 3
            let icmp = ICMPMessage(type: 3, code: code, restOfHeader: 0, body: quoted).bytes
            stack.receive(frame: ethernet(ipv4Datagram(from: gatewayIP, to: ourIP, protocolNumber: 1, payload: icmp)), now: 5)
        }
        XCTAssertEqual(session.result, .failure(.destinationUnreachable(code: 1, reporter: gatewayIP)))
        let error = socket.takeError()
        XCTAssertEqual(error, .destinationUnreachable(code: 3, reporter: gatewayIP))
        XCTAssertEqual(error?.message, "destination unreachable (port unreachable) reported by 10.0.2.2")
    }

    func testUDPRoundTrip() throws {
        let (stack, interface) = makeStack()
        let socket = try stack.openUDP(port: 7000)
        stack.receive(frame: udpFrame(from: remoteIP, port: 1234, to: ourIP, port: 7000, payload: Array("hello".utf8)), now: 1)
        let datagram = socket.receive()
        XCTAssertEqual(datagram, ReceivedDatagram(source: remoteIP, sourcePort: 1234, destination: ourIP, payload: Array("hello".utf8)))
        try stack.send(socket, to: datagram!.source, port: datagram!.sourcePort, payload: Array("world".utf8))
        let frame = SentFrame(interface.takeSent()[0])
        XCTAssertEqual(frame?.udp, UDPDatagram(sourcePort: 7000, destinationPort: 1234, payload: Array("world".utf8)),
                       "parses back with a valid checksum")
        XCTAssertNotEqual(frame?.ipv4Payload[6 ..< 8].elementsEqual([0, 0]), true, "checksum computed")
    }

    func testUDPChecksumAndLengthChecks() throws {
        let (stack, _) = makeStack()
        let socket = try stack.openUDP(port: 7000)
        var noChecksum = UDPDatagram(sourcePort: 1, destinationPort: 7000, payload: [5]).bytes(source: remoteIP, destination: ourIP)
        noChecksum[6] = 0
        noChecksum[7] = 0
        stack.receive(frame: ethernet(ipv4Datagram(from: remoteIP, to: ourIP, protocolNumber: 17, payload: noChecksum)), now: 1)
        XCTAssertEqual(socket.receive()?.payload, [5], "checksum 0 means none")
        var corrupt = UDPDatagram(sourcePort: 1, destinationPort: 7000, payload: [5]).bytes(source: remoteIP, destination: ourIP)
        corrupt[8] = 6
        stack.receive(frame: ethernet(ipv4Datagram(from: remoteIP, to: ourIP, protocolNumber: 17, payload: corrupt)), now: 1)
        var badLength = UDPDatagram(sourcePort: 1, destinationPort: 7000, payload: [5]).bytes(source: remoteIP, destination: ourIP)
        badLength.storeBigEndian(40, at: 4)
        stack.receive(frame: ethernet(ipv4Datagram(from: remoteIP, to: ourIP, protocolNumber: 17, payload: badLength)), now: 1)
        stack.receive(frame: ethernet(ipv4Datagram(from: remoteIP, to: ourIP, protocolNumber: 17, payload: [0, 1, 2])), now: 1)
        XCTAssertNil(socket.receive())
        XCTAssertEqual(stack.statistics.udp.droppedBadChecksum, 1)
        XCTAssertEqual(stack.statistics.udp.droppedMalformed, 2)
    }

    func testReceiveQueueIsBoundedAndPortsExclusive() throws {
        let (stack, _) = makeStack()
        let socket = try stack.openUDP(port: 7000, queueLimit: 4)
        for index in 0 ..< 10 {
            stack.receive(frame: udpFrame(from: remoteIP, port: 1, to: ourIP, port: 7000, payload: [UInt8(index)]), now: 1)
        }
        XCTAssertEqual(socket.queuedCount, 4)
        XCTAssertEqual(stack.statistics.udp.droppedQueueFull, 6)
        XCTAssertThrowsError(try stack.openUDP(port: 7000))
        stack.close(socket)
        XCTAssertThrowsError(try stack.send(socket, to: remoteIP, port: 1, payload: []))
        XCTAssertNoThrow(try stack.openUDP(port: 7000))
    }

    func testClosedPortAnswersPortUnreachable() {
        let (stack, interface) = makeStack()
        stack.receive(frame: udpFrame(from: remoteIP, port: 1, to: ourIP, port: 9, payload: [1, 2]), now: 1)
        let icmp = SentFrame(interface.takeSent()[0])?.icmp
        XCTAssertEqual(icmp?.type, 3)
        XCTAssertEqual(icmp?.code, 3)
        XCTAssertEqual(stack.statistics.udp.droppedNoSocket, 1)
    }

    func testPingToOurselvesLoopsBack() {
        let (stack, _) = makeStack()
        let session = stack.ping(to: ourIP, identifier: 1, sequence: 1, payload: [1], now: 10)
        XCTAssertEqual(session.result, .success(PingReply(from: ourIP, sequence: 1, roundTripMilliseconds: 0, ttl: 64, payloadSize: 1)))
    }
}
