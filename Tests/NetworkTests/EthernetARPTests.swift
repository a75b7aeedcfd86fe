import XCTest
@testable import Network

final class EthernetARPTests: XCTestCase {
    func testEthernetHeaderParsesAndRejectsTruncated() {
        let frame = ethernet([1, 2, 3])
        let header = frame.withUnsafeBytes { EthernetHeader.parse($0) }
        XCTAssertEqual(header, EthernetHeader(destination: ourMAC, source: peerMAC, etherType: EthernetHeader.typeIPv4))
        XCTAssertNil(Array(frame[0 ..< 13]).withUnsafeBytes { EthernetHeader.parse($0) })
    }

    func testFramesNotForUsAreDroppedAndCounted() {
        let (stack, _) = makeStack()
        let before = stack.statistics.ethernet.droppedNotForUs
        stack.receive(frame: udpFrame(from: gatewayIP, port: 1, to: ourIP, port: 2, payload: [], macDestination: otherMAC), now: 1)
        stack.receive(frame: udpFrame(from: gatewayIP, port: 1, to: ourIP, port: 2, payload: [],
                                      macDestination: MACAddress(0x01, 0x00, 0x5E, 0, 0, 0xFB)), now: 1)
        XCTAssertEqual(stack.statistics.ethernet.droppedNotForUs, before + 2)
        stack.receive(frame: [1, 2, 3], now: 1)
        XCTAssertEqual(stack.statistics.ethernet.droppedTooShort, 1)
        stack.receive(frame: ethernet([0, 0], type: 0x86DD), now: 1)
        XCTAssertEqual(stack.statistics.ethernet.droppedUnknownType, 1)
    }

    func testJoinedMulticastIsAccepted() throws {
        let (stack, _) = makeStack()
        let group = IPv4Address(224, 0, 0, 251)
        let mac = MACAddress(0x01, 0x00, 0x5E, 0, 0, 0xFB)
        stack.joinMulticast(mac)
        let socket = try stack.openUDP(port: 5353)
        stack.receive(frame: udpFrame(from: gatewayIP, port: 5353, to: group, port: 5353, payload: [7], macDestination: mac), now: 1)
        XCTAssertEqual(socket.receive()?.payload, [7])
    }

    func testARPPacketParsing() {
        let packet = ARPPacket(operation: ARPPacket.request, senderMAC: peerMAC, senderIP: gatewayIP, targetMAC: .zero, targetIP: ourIP)
        let bytes = packet.bytes
        XCTAssertEqual(bytes.count, 28)
        XCTAssertEqual(bytes.withUnsafeBytes { ARPPacket.parse($0) }, packet)
        XCTAssertNil(Array(bytes[0 ..< 27]).withUnsafeBytes { ARPPacket.parse($0) }, "truncated")
        var badHardware = bytes
        badHardware[1] = 6
        XCTAssertNil(badHardware.withUnsafeBytes { ARPPacket.parse($0) }, "not Ethernet")
        var badOperation = bytes
        badOperation[7] = 9
        XCTAssertNil(badOperation.withUnsafeBytes { ARPPacket.parse($0) }, "unknown operation")
        var badLength = bytes
        badLength[5] = 16
        XCTAssertNil(badLength.withUnsafeBytes { ARPPacket.parse($0) }, "protocol size")
    }

    func testAnswersRequestForOurAddressAndLearnsSender() {
        let (stack, interface) = makeStack(resolvedGateway: false)
        stack.receive(frame: arpFrame(operation: ARPPacket.request, senderMAC: otherMAC, senderIP: neighbourIP,
                                      targetMAC: .zero, targetIP: ourIP), now: 10)
        let sent = interface.takeSent()
        XCTAssertEqual(sent.count, 1)
        let reply = SentFrame(sent[0])
        XCTAssertEqual(reply?.ethernet.destination, otherMAC)
        XCTAssertEqual(reply?.arp, ARPPacket(operation: ARPPacket.reply, senderMAC: ourMAC, senderIP: ourIP,
                                             targetMAC: otherMAC, targetIP: neighbourIP))
        XCTAssertEqual(stack.arpTable.map { $0.address }, [neighbourIP])
        // A request for someone else is not answered and teaches us nothing.
        stack.receive(frame: arpFrame(operation: ARPPacket.request, senderMAC: peerMAC, senderIP: gatewayIP,
                                      targetMAC: .zero, targetIP: IPv4Address(10, 0, 2, 77)), now: 10)
        XCTAssertTrue(interface.takeSent().isEmpty)
        XCTAssertEqual(stack.arpTable.count, 1)
    }

    func testGratuitousARPOnConfiguration() {
        let interface = FakeInterface()
        let stack = NetworkStack.create(interface: interface)
        stack.configure(address: ourIP, subnetMask: IPv4Address(255, 255, 255, 0), gateway: gatewayIP, dnsServers: [])
        let sent = interface.takeSent()
        XCTAssertEqual(sent.count, 1)
        let frame = SentFrame(sent[0])
        XCTAssertEqual(frame?.ethernet.destination, .broadcast)
        XCTAssertEqual(frame?.arp?.senderIP, ourIP)
        XCTAssertEqual(frame?.arp?.targetIP, ourIP)
    }

    func testResolutionQueuesPacketsAndSendsThemOnReply() throws {
        let (stack, interface) = makeStack(resolvedGateway: false)
        let socket = try stack.openUDP(port: 4000)
        try stack.send(socket, to: neighbourIP, port: 7, payload: [1])
        try stack.send(socket, to: neighbourIP, port: 7, payload: [2])
        var sent = interface.takeSent()
        XCTAssertEqual(sent.count, 1, "one ARP request, the datagrams wait")
        XCTAssertEqual(SentFrame(sent[0])?.arp?.targetIP, neighbourIP)
        XCTAssertEqual(SentFrame(sent[0])?.arp?.operation, ARPPacket.request)
        stack.receive(frame: arpFrame(operation: ARPPacket.reply, senderMAC: otherMAC, senderIP: neighbourIP,
                                      targetMAC: ourMAC, targetIP: ourIP), now: 100)
        sent = interface.takeSent()
        XCTAssertEqual(sent.count, 2)
        XCTAssertEqual(sent.compactMap { SentFrame($0)?.udp?.payload }, [[1], [2]])
        XCTAssertTrue(sent.allSatisfy { SentFrame($0)?.ethernet.destination == otherMAC })
        // Now cached: the next datagram goes straight out.
        try stack.send(socket, to: neighbourIP, port: 7, payload: [3])
        XCTAssertEqual(interface.takeSent().count, 1)
    }

    func testOffLinkTrafficResolvesTheGateway() throws {
        let (stack, interface) = makeStack(resolvedGateway: false)
        let socket = try stack.openUDP()
        try stack.send(socket, to: remoteIP, port: 53, payload: [9])
        XCTAssertEqual(SentFrame(interface.takeSent()[0])?.arp?.targetIP, gatewayIP)
    }

    func testUnansweredResolutionRetriesThenReportsHostUnreachable() throws {
        let (stack, interface) = makeStack(resolvedGateway: false)
        let socket = try stack.openUDP(port: 4000)
        try stack.send(socket, to: neighbourIP, port: 7, payload: [1])
        let ping = stack.ping(to: neighbourIP, identifier: 1, sequence: 1, payload: [], now: 0, timeout: 60_000)
        XCTAssertEqual(interface.takeSent().count, 1)
        stack.poll(now: 1_000)
        stack.poll(now: 2_000)
        XCTAssertEqual(interface.takeSent().compactMap { SentFrame($0)?.arp?.targetIP }, [neighbourIP, neighbourIP])
        XCTAssertNil(socket.pendingError)
        stack.poll(now: 3_000)
        XCTAssertTrue(interface.takeSent().isEmpty)
        XCTAssertEqual(socket.takeError(), .hostUnreachable(neighbourIP))
        XCTAssertEqual(ping.result, .failure(.hostUnreachable(neighbourIP)))
        XCTAssertEqual(stack.statistics.arp.resolutionFailures, 1)
        XCTAssertEqual(NetworkError.hostUnreachable(neighbourIP).message, "host 10.0.2.9 unreachable (no ARP reply)")
    }

    func testPendingQueueIsBounded() throws {
        let (stack, _) = makeStack(resolvedGateway: false)
        let socket = try stack.openUDP()
        for index in 0 ..< ARPCache.maximumPacketsPerAddress {
            try stack.send(socket, to: neighbourIP, port: 7, payload: [UInt8(index)])
        }
        XCTAssertThrowsError(try stack.send(socket, to: neighbourIP, port: 7, payload: [0]))
        XCTAssertEqual(stack.statistics.arp.queueOverflows, 1)
    }

    func testCacheEntriesExpireAndTableIsBounded() {
        let (stack, _) = makeStack()
        XCTAssertEqual(stack.arpTable.count, 1)
        stack.poll(now: ARPCache.entryLifetime + 1)
        XCTAssertTrue(stack.arpTable.isEmpty)
        for index in 0 ..< 200 {
            stack.receive(frame: arpFrame(operation: ARPPacket.request, senderMAC: otherMAC,
                                          senderIP: IPv4Address(10, 0, 2, UInt8(20 + index % 200)),
                                          targetMAC: .zero, targetIP: ourIP), now: ARPCache.entryLifetime + 2)
        }
        XCTAssertEqual(stack.arpTable.count, ARPCache.maximumEntries)
    }
}
