import XCTest
import Wire
@testable import Network

final class TCPHandshakeTests: XCTestCase {
    func testActiveOpenSendsSynWithOptionsAndCompletes() {
        let peer = TCPScriptedPeer()
        let connection = peer.layer.connect(to: TCPScriptedPeer.peerIP, port: 80, now: peer.now)
        XCTAssertEqual(connection.state, .synSent)
        let syn = peer.take()
        XCTAssertEqual(syn.count, 1)
        XCTAssertEqual(syn[0].flags, .syn)
        XCTAssertEqual(syn[0].maximumSegmentSize, 1460)
        XCTAssertEqual(syn[0].windowScale, 7)
        XCTAssertEqual(syn[0].destinationPort, 80)
        peer.inject([.syn, .ack], seq: peer.peerISS, ack: syn[0].sequenceNumber &+ 1, mss: 1000, windowScale: 2,
                    to: connection.localPort)
        XCTAssertEqual(connection.state, .established)
        let ack = peer.take()
        XCTAssertEqual(ack.count, 1)
        XCTAssertEqual(ack[0].flags, .ack)
        XCTAssertEqual(ack[0].acknowledgmentNumber, peer.peerISS &+ 1)
        XCTAssertEqual(connection.sendMSS, 1000, "the peer's smaller MSS is respected")
        XCTAssertEqual(connection.sendWindowShift, 2)
        XCTAssertEqual(connection.receiveWindowShift, 7)
        XCTAssertEqual(peer.badChecksums, 0)
        XCTAssertTrue(connection.isWritable)
    }

    func testPassiveOpenAcceptsAfterHandshake() {
        let peer = TCPScriptedPeer()
        let listener = peer.layer.listen(port: 8080)!
        XCTAssertNil(peer.layer.listen(port: 8080), "one listener per port")
        peer.inject(.syn, seq: 100, window: 8192, mss: 536, to: 8080)
        let synAck = peer.take()
        XCTAssertEqual(synAck.count, 1)
        XCTAssertEqual(synAck[0].flags, [.syn, .ack])
        XCTAssertEqual(synAck[0].acknowledgmentNumber, 101)
        XCTAssertNil(synAck[0].windowScale, "no window scaling unless the peer offered it")
        XCTAssertNil(listener.accept(), "not accepted before the handshake completes")
        peer.inject(.ack, seq: 101, ack: synAck[0].sequenceNumber &+ 1, window: 8192, to: 8080)
        let connection = listener.accept()
        XCTAssertNotNil(connection)
        XCTAssertEqual(connection?.state, .established)
        XCTAssertEqual(connection?.sendMSS, 536)
        XCTAssertEqual(connection?.remotePort, 80)
    }

    func testLostSynAckIsResentWhenPeerRepeatsSyn() {
        let peer = TCPScriptedPeer()
        _ = peer.layer.listen(port: 8080)
        peer.inject(.syn, seq: 100, to: 8080)
        let first = peer.take()
        peer.inject(.syn, seq: 100, to: 8080)
        let again = peer.take()
        XCTAssertEqual(again.count, 1)
        XCTAssertEqual(again[0].flags, [.syn, .ack])
        XCTAssertEqual(again[0].sequenceNumber, first[0].sequenceNumber)
    }

    func testBacklogIsBounded() {
        let peer = TCPScriptedPeer()
        let listener = peer.layer.listen(port: 8080, backlog: 2)!
        for i in 0..<3 {
            let segment = TCPSegment(sourcePort: UInt16(1000 + i), destinationPort: 8080, sequenceNumber: 7,
                                     acknowledgmentNumber: 0, flags: .syn, window: 1000)
            peer.layer.receive(segment: segment.encode(source: TCPScriptedPeer.peerIP, destination: TCPScriptedPeer.localIP),
                               source: TCPScriptedPeer.peerIP, destination: TCPScriptedPeer.localIP, now: peer.now)
        }
        XCTAssertEqual(peer.take().count, 2, "the third SYN is dropped while the backlog is full")
        XCTAssertNil(listener.accept())
    }

    func testSimultaneousOpen() {
        let peer = TCPScriptedPeer()
        let connection = peer.layer.connect(to: TCPScriptedPeer.peerIP, port: 80, now: peer.now)
        let syn = peer.take()[0]
        peer.inject(.syn, seq: peer.peerISS, mss: 1460, to: connection.localPort)
        XCTAssertEqual(connection.state, .synReceived)
        let synAck = peer.take()
        XCTAssertEqual(synAck.count, 1)
        XCTAssertEqual(synAck[0].flags, [.syn, .ack])
        XCTAssertEqual(synAck[0].sequenceNumber, syn.sequenceNumber, "same ISS")
        peer.inject(.ack, seq: peer.peerISS &+ 1, ack: syn.sequenceNumber &+ 1, to: connection.localPort)
        XCTAssertEqual(connection.state, .established)
    }

    func testConnectionRefused() {
        let peer = TCPScriptedPeer()
        let connection = peer.layer.connect(to: TCPScriptedPeer.peerIP, port: 80, now: peer.now)
        let syn = peer.take()[0]
        peer.inject([.rst, .ack], seq: 0, ack: syn.sequenceNumber &+ 1, to: connection.localPort)
        XCTAssertEqual(connection.state, .closed)
        XCTAssertEqual(connection.error, .connectionRefused)
        XCTAssertEqual(connection.error?.message, "connection refused")
        XCTAssertTrue(peer.layer.connections.isEmpty)
        XCTAssertTrue(connection.isReadable, "a closed connection does not block readers")
    }

    func testSynRetriesThenTimesOut() {
        var configuration = TCPConfiguration()
        configuration.synRetries = 3
        let peer = TCPScriptedPeer(configuration: configuration)
        let connection = peer.layer.connect(to: TCPScriptedPeer.peerIP, port: 80, now: peer.now)
        _ = peer.take()
        var resendTimes: [UInt64] = []
        let start = peer.now
        for _ in 0..<20_000 where connection.state != .closed {
            peer.advance(by: 10)
            if !peer.take().isEmpty { resendTimes.append(peer.now - start) }
        }
        XCTAssertEqual(resendTimes, [1000, 3000, 7000], "SYN resent with exponential backoff")
        XCTAssertEqual(connection.state, .closed)
        XCTAssertEqual(connection.error, .timedOut)
    }

    func testSegmentToClosedPortIsAnsweredWithReset() {
        let peer = TCPScriptedPeer()
        peer.inject(.syn, seq: 500, to: 9999)
        let reply = peer.take()
        XCTAssertEqual(reply.count, 1)
        XCTAssertEqual(reply[0].flags, [.rst, .ack])
        XCTAssertEqual(reply[0].acknowledgmentNumber, 501)
        peer.inject(.ack, seq: 500, ack: 777, to: 9999)
        let second = peer.take()
        XCTAssertEqual(second[0].flags, .rst)
        XCTAssertEqual(second[0].sequenceNumber, 777)
        peer.inject(.rst, seq: 500, to: 9999)
        XCTAssertTrue(peer.take().isEmpty, "never answer a RST with a RST")
    }

    func testWindowScalingArithmetic() {
        let peer = TCPScriptedPeer()
        // The peer advertises 1000 << 2 = 4000 bytes after the handshake.
        let (connection, iss) = peer.establish(peerWindow: 65535, peerMSS: 1000, peerWindowScale: 2)
        peer.inject(.ack, seq: peer.peerISS &+ 1, ack: iss &+ 1, window: 1000, to: connection.localPort)
        XCTAssertEqual(connection.send(tcpTestBytes(10_000)), 10_000)
        let sent = peer.take().reduce(0) { $0 + $1.payload.count }
        XCTAssertEqual(sent, 4000, "exactly the scaled window is used")
        // Our own advertisement is scaled by 7: 256 KiB >> 7 = 2048.
        peer.inject(.ack, seq: peer.peerISS &+ 1, ack: iss &+ 1, window: 1000, payload: [1], to: connection.localPort)
        peer.advance(by: 100)
        let ack = peer.take().last!
        XCTAssertEqual(ack.window, UInt16((256 * 1024 - 1) >> 7))
    }

    func testMalformedSegmentsAreDroppedWithoutTrapping() {
        let peer = TCPScriptedPeer()
        _ = peer.layer.listen(port: 8080)
        let good = TCPSegment(sourcePort: 80, destinationPort: 8080, sequenceNumber: 1, acknowledgmentNumber: 0,
                              flags: .syn, window: 100).encode(source: TCPScriptedPeer.peerIP, destination: TCPScriptedPeer.localIP)
        var badChecksum = good
        badChecksum[16] ^= 0xFF
        var badOffset = good
        badOffset[12] = 0xF0  // 60-byte header in a 20-byte segment
        var smallOffset = good
        smallOffset[12] = 0x20
        let truncated = Array(good[0..<12])
        for bytes in [badChecksum, badOffset, smallOffset, truncated, []] {
            peer.layer.receive(segment: bytes, source: TCPScriptedPeer.peerIP, destination: TCPScriptedPeer.localIP, now: peer.now)
        }
        XCTAssertTrue(peer.take().isEmpty)
        XCTAssertEqual(peer.layer.malformedSegments, 5)
        // Random garbage with a valid checksum must not trap either.
        var random = TCPTestRandom(seed: 42)
        for _ in 0..<2000 {
            var bytes = (0..<random.below(80)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if bytes.count >= 20 {
                bytes[16] = 0; bytes[17] = 0
                var sum = InternetChecksum()
                sum.addPseudoHeader(source: TCPScriptedPeer.peerIP, destination: TCPScriptedPeer.localIP, protocol: 6, length: bytes.count)
                sum.add(bytes)
                bytes.storeBigEndian(sum.value, at: 16)
            }
            peer.layer.receive(segment: bytes, source: TCPScriptedPeer.peerIP, destination: TCPScriptedPeer.localIP, now: peer.now)
        }
        XCTAssertEqual(peer.badChecksums, 0)
    }
}
