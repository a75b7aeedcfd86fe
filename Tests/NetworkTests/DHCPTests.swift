import XCTest
@testable import Network

/// A scripted DHCP server in the style of QEMU's slirp: offers 10.0.2.15.
final class DHCPTests: XCTestCase {
    private let serverIP = IPv4Address(10, 0, 2, 2)

    private func reply(_ type: DHCPMessage.MessageType, to request: DHCPMessage, lease: UInt32 = 86_400) -> [UInt8] {
        var message = DHCPMessage(operation: 2, transactionID: request.transactionID, clientMAC: request.clientMAC, messageType: type)
        if type != .nak {
            message.yourAddress = ourIP
            message.subnetMask = IPv4Address(255, 255, 255, 0)
            message.routers = [gatewayIP]
            message.dnsServers = [dnsIP]
            message.leaseTime = lease
        }
        message.serverIdentifier = serverIP
        return udpFrame(from: serverIP, port: 67, to: .broadcast, port: 68, payload: message.bytes, macDestination: .broadcast)
    }

    /// The DHCP messages among the sent frames, with the IPv4 destination each went to.
    /// ARP requests among them are answered for the server first (its cache entry has long expired at T1).
    private func dhcpSent(_ interface: FakeInterface, stack: NetworkStack<FakeInterface>? = nil) -> [(DHCPMessage, IPv4Address)] {
        var frames = interface.takeSent()
        if let stack {
            for frame in frames {
                guard let arp = SentFrame(frame)?.arp, arp.operation == ARPPacket.request, arp.targetIP == serverIP else { continue }
                stack.receive(frame: arpFrame(operation: ARPPacket.reply, senderMAC: peerMAC, senderIP: serverIP,
                                              targetMAC: ourMAC, targetIP: ourIP), now: 0)
            }
            frames += interface.takeSent()
        }
        return frames.compactMap { bytes in
            guard let frame = SentFrame(bytes), let udp = frame.udp, udp.destinationPort == 67, let header = frame.ipv4,
                  let message = udp.payload.withUnsafeBytes({ try? DHCPMessage.parse($0) }) else { return nil }
            return (message, header.destination)
        }
    }

    private func bind() -> (NetworkStack<FakeInterface>, FakeInterface) {
        let interface = FakeInterface()
        let stack = NetworkStack.create(interface: interface, seed: 7)
        stack.startDHCP(now: 0)
        let discover = dhcpSent(interface)[0].0
        stack.receive(frame: reply(.offer, to: discover), now: 10)
        let request = dhcpSent(interface)[0].0
        stack.receive(frame: reply(.ack, to: request), now: 20)
        // The server (also the gateway) asks for us, so its MAC is known when renewing.
        stack.receive(frame: arpFrame(operation: ARPPacket.request, senderMAC: peerMAC, senderIP: serverIP,
                                      targetMAC: .zero, targetIP: ourIP), now: 30)
        _ = interface.takeSent()
        return (stack, interface)
    }

    func testFullExchangeConfiguresTheStack() {
        let interface = FakeInterface()
        let stack = NetworkStack.create(interface: interface, seed: 7)
        XCTAssertEqual(stack.dhcpState, .idle)
        stack.startDHCP(now: 0)
        XCTAssertEqual(stack.dhcpState, .selecting)
        let sent = dhcpSent(interface)
        XCTAssertEqual(sent.count, 1)
        let discover = sent[0].0
        XCTAssertEqual(discover.messageType, .discover)
        XCTAssertEqual(sent[0].1, .broadcast)
        XCTAssertEqual(discover.clientMAC, ourMAC)

        stack.receive(frame: reply(.offer, to: discover), now: 10)
        XCTAssertEqual(stack.dhcpState, .requesting)
        let request = dhcpSent(interface)
        XCTAssertEqual(request.count, 1)
        XCTAssertEqual(request[0].0.messageType, .request)
        XCTAssertEqual(request[0].0.requestedAddress, ourIP)
        XCTAssertEqual(request[0].0.serverIdentifier, serverIP)
        XCTAssertEqual(request[0].0.transactionID, discover.transactionID)

        stack.receive(frame: reply(.ack, to: request[0].0), now: 20)
        XCTAssertEqual(stack.dhcpState, .bound)
        XCTAssertEqual(stack.localAddress, ourIP)
        XCTAssertEqual(stack.subnetMask, IPv4Address(255, 255, 255, 0))
        XCTAssertEqual(stack.gateway, gatewayIP)
        XCTAssertEqual(stack.dnsServers, [dnsIP])
        XCTAssertEqual(stack.dhcpLease?.leaseTime, 86_400)
        // Gratuitous ARP announces the new address.
        XCTAssertEqual(interface.sent.compactMap { SentFrame($0)?.arp?.targetIP }, [ourIP])
    }

    func testRepliesWithWrongTransactionAreIgnored() {
        let interface = FakeInterface()
        let stack = NetworkStack.create(interface: interface, seed: 7)
        stack.startDHCP(now: 0)
        var discover = dhcpSent(interface)[0].0
        discover.transactionID &+= 1
        stack.receive(frame: reply(.offer, to: discover), now: 10)
        XCTAssertEqual(stack.dhcpState, .selecting)
        XCTAssertEqual(stack.statistics.dhcp.droppedUnmatched, 1)
    }

    func testDiscoverIsRetransmittedWithExponentialBackoff() {
        let interface = FakeInterface()
        let stack = NetworkStack.create(interface: interface, seed: 7)
        stack.startDHCP(now: 0)
        var times: [UInt64] = [0]
        _ = interface.takeSent()
        var now: UInt64 = 0
        while now < 200_000 {
            now += 500
            stack.poll(now: now)
            if !dhcpSent(interface).isEmpty { times.append(now) }
        }
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        XCTAssertEqual(Array(gaps.prefix(5)), [4_000, 8_000, 16_000, 32_000, 64_000])
        XCTAssertTrue(gaps.dropFirst(4).allSatisfy { $0 == 64_000 }, "capped at 64 s")
    }

    func testRenewalAtT1IsUnicastThenRebindingBroadcast() {
        let (stack, interface) = bind()
        _ = interface.takeSent()
        stack.poll(now: 20 + 43_200_000 - 1)
        XCTAssertTrue(dhcpSent(interface).isEmpty)
        stack.poll(now: 20 + 43_200_000)
        XCTAssertEqual(stack.dhcpState, .renewing)
        let renew = dhcpSent(interface, stack: stack)
        XCTAssertEqual(renew.count, 1)
        XCTAssertEqual(renew[0].0.messageType, .request)
        XCTAssertEqual(renew[0].0.clientAddress, ourIP)
        XCTAssertEqual(renew[0].1, serverIP, "renewal goes to the server")
        // No answer: at T2 (7/8 of the lease) the client broadcasts.
        stack.poll(now: 20 + 75_600_000)
        XCTAssertEqual(stack.dhcpState, .rebinding)
        let rebind = dhcpSent(interface)
        XCTAssertEqual(rebind.last?.1, .broadcast)
        XCTAssertEqual(stack.localAddress, ourIP, "still usable while rebinding")
        // The ACK extends the lease.
        stack.receive(frame: reply(.ack, to: rebind.last!.0), now: 20 + 75_600_100)
        XCTAssertEqual(stack.dhcpState, .bound)
        XCTAssertEqual(stack.dhcpLease?.expiresAt, 20 + 75_600_100 + 86_400_000)
    }

    /// The stack says when it next has work, so an idle machine can sleep until
    /// then: DHCP's retransmission while asking, the renewal at T1 once bound,
    /// the rebinding time while renewing; soon while a query is pending;
    /// nothing at all before DHCP starts.
    func testNextDeadlineFollowsDHCPAndPendingWork() {
        let interface = FakeInterface()
        let idle = NetworkStack.create(interface: interface, seed: 7)
        XCTAssertNil(idle.nextDeadline(now: 0), "nothing is due")
        idle.startDHCP(now: 0)
        XCTAssertEqual(idle.nextDeadline(now: 0), 4_000, "the DISCOVER's retransmission")

        let (stack, bound) = bind()
        XCTAssertEqual(stack.nextDeadline(now: 100), 20 + 43_200_000, "the renewal at T1")
        stack.poll(now: 20 + 43_200_000)
        _ = dhcpSent(bound, stack: stack)
        XCTAssertEqual(stack.dhcpState, .renewing)
        let deadline = stack.nextDeadline(now: 20 + 43_200_000) ?? 0
        XCTAssertGreaterThan(deadline, 20 + 43_200_000)
        XCTAssertLessThanOrEqual(deadline, 20 + 75_600_000, "no later than rebinding at T2")

        _ = stack.resolve("example.test", now: 20 + 43_200_000)
        XCTAssertEqual(stack.nextDeadline(now: 20 + 43_200_000), 20 + 43_200_000 + NetworkStack<FakeInterface>.busyPollMilliseconds,
                       "a pending DNS query wants polls soon")
    }

    func testRenewalACKKeepsAddress() {
        let (stack, interface) = bind()
        stack.poll(now: 43_200_020)
        let renew = dhcpSent(interface, stack: stack)[0].0
        stack.receive(frame: reply(.ack, to: renew, lease: 600), now: 43_200_100)
        XCTAssertEqual(stack.dhcpState, .bound)
        XCTAssertEqual(stack.localAddress, ourIP)
        XCTAssertEqual(stack.dhcpLease?.renewAt, 43_200_100 + 300_000)
    }

    func testExpiredLeaseDropsAddressAndNAKRestarts() {
        let (stack, interface) = bind()
        stack.poll(now: 20 + 86_400_000)
        XCTAssertEqual(stack.dhcpState, .selecting)
        XCTAssertFalse(stack.isConfigured)
        let discover = dhcpSent(interface).last!.0
        XCTAssertEqual(discover.messageType, .discover)
        stack.receive(frame: reply(.offer, to: discover), now: 86_400_100)
        let request = dhcpSent(interface)[0].0
        stack.receive(frame: reply(.nak, to: request), now: 86_400_200)
        XCTAssertEqual(stack.dhcpState, .selecting)
        XCTAssertEqual(stack.statistics.dhcp.naks, 1)
    }

    func testMessageParserRejectsMalformedAndSurvivesAbsurdOptions() {
        var message = DHCPMessage(operation: 2, transactionID: 9, clientMAC: ourMAC, messageType: .offer)
        message.yourAddress = ourIP
        let bytes = message.bytes
        XCTAssertEqual(bytes.withUnsafeBytes { try? DHCPMessage.parse($0) }?.messageType, .offer)
        XCTAssertNil(Array(bytes[0 ..< 239]).withUnsafeBytes { try? DHCPMessage.parse($0) })
        var cookie = bytes
        cookie[236] = 0
        XCTAssertNil(cookie.withUnsafeBytes { try? DHCPMessage.parse($0) })
        // Options with lengths that lie: wrong sizes ignored, overruns end parsing.
        var absurd = Array(bytes[0 ..< 240])
        absurd += [53, 1, 2, 1, 3, 1, 2, 3, 3, 7, 1, 2, 3, 4, 5, 6, 7, 6, 0, 51, 2, 0, 0, 54, 200, 1, 2]
        let parsed = absurd.withUnsafeBytes { try? DHCPMessage.parse($0) }
        XCTAssertEqual(parsed?.messageType, .offer)
        XCTAssertNil(parsed?.subnetMask)
        XCTAssertEqual(parsed?.routers, [])
        XCTAssertNil(parsed?.leaseTime)
        XCTAssertNil(parsed?.serverIdentifier)
    }
}
