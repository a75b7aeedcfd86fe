import XCTest
@testable import Network

/// Data transfer, loss and teardown against a scripted peer.
final class TCPDataTests: XCTestCase {
    func testDataBothWays() {
        let peer = TCPScriptedPeer()
        let (connection, iss) = peer.establish()
        let port = connection.localPort
        XCTAssertEqual(connection.send(Array("hello".utf8)), 5)
        let out = peer.take()
        XCTAssertEqual(out.count, 1)
        XCTAssertEqual(out.first?.payload, Array("hello".utf8))
        XCTAssertEqual(out.first?.sequenceNumber, iss &+ 1)
        // The peer's data crosses the 32-bit sequence wrap (ISS 0xFFFFFF00).
        let reply = tcpTestBytes(600)
        peer.inject(.ack, seq: peer.peerISS &+ 1, ack: iss &+ 6, payload: reply, to: port)
        XCTAssertEqual(connection.availableBytes, 600)
        XCTAssertTrue(connection.isReadable)
        XCTAssertTrue(connection.receive(maximum: 1000) == reply, "received bytes match")
        XCTAssertEqual(connection.unacknowledgedBytes, 0)
        XCTAssertTrue(peer.take().isEmpty, "a single segment's ACK is delayed")
        peer.advance(by: 50)
        let delayed = peer.take()
        XCTAssertEqual(delayed.count, 1)
        XCTAssertEqual(delayed.first?.acknowledgmentNumber, peer.peerISS &+ 601)
        XCTAssertEqual(connection.statistics.bytesReceived, 600)
        XCTAssertEqual(connection.statistics.bytesSent, 5)
    }

    func testLostSegmentIsRetransmittedAfterTimeout() {
        let peer = TCPScriptedPeer()
        let (connection, iss) = peer.establish()
        _ = connection.send(tcpTestBytes(100))
        _ = peer.take()  // "lost"
        // The handshake measured a ~0 ms round trip, so the RTO is the 200 ms floor.
        peer.advance(by: 150)
        XCTAssertTrue(peer.take().isEmpty, "nothing before the RTO")
        peer.advance(by: 60)
        let resent = peer.take()
        XCTAssertEqual(resent.count, 1)
        XCTAssertEqual(resent.first?.sequenceNumber, iss &+ 1)
        XCTAssertTrue(resent.first?.payload == tcpTestBytes(100))
        XCTAssertEqual(connection.statistics.retransmissions, 1)
        // Backoff: the next retransmission comes twice as late.
        peer.advance(by: 350)
        XCTAssertTrue(peer.take().isEmpty)
        peer.advance(by: 60)
        XCTAssertEqual(peer.take().count, 1)
        peer.inject(.ack, seq: peer.peerISS &+ 1, ack: iss &+ 101, to: connection.localPort)
        XCTAssertEqual(connection.unacknowledgedBytes, 0)
        peer.advance(by: 10_000)
        XCTAssertTrue(peer.take().isEmpty, "no retransmission once acknowledged")
    }

    func testThreeDuplicateAcksTriggerFastRetransmit() {
        let peer = TCPScriptedPeer()
        let (connection, iss) = peer.establish()
        let port = connection.localPort
        // Grow the congestion window first.
        _ = connection.send(tcpTestBytes(1460 * 3))
        XCTAssertEqual(peer.take().count, 3, "initial window: 3 segments of 1460 (RFC 5681)")
        peer.inject(.ack, seq: peer.peerISS &+ 1, ack: iss &+ 1 &+ 1460 * 3, to: port)
        _ = connection.send(tcpTestBytes(1460 * 6))
        let burst = peer.take()
        XCTAssertEqual(burst.count, 4, "slow start grew the window by one segment")
        let burstBytes = burst.reduce(0) { $0 + $1.payload.count }
        let base = iss &+ 1 &+ 1460 * 3
        // Segment 0 lost; each later arrival makes the peer repeat its ACK.
        for _ in 0..<3 { peer.inject(.ack, seq: peer.peerISS &+ 1, ack: base, to: port) }
        let fast = peer.take()
        XCTAssertEqual(fast.first?.sequenceNumber, base, "fast retransmit without waiting for the RTO")
        XCTAssertEqual(fast.filter { $0.sequenceNumber == base }.count, 1)
        XCTAssertEqual(connection.statistics.fastRetransmissions, 1)
        peer.inject(.ack, seq: peer.peerISS &+ 1, ack: base &+ UInt32(burstBytes), to: port)
        XCTAssertEqual(connection.unacknowledgedBytes, 1460 * 6 - burstBytes)
    }

    func testDuplicateAndReorderedSegmentsAreDeliveredOnceInOrder() {
        let peer = TCPScriptedPeer()
        let (connection, iss) = peer.establish()
        let port = connection.localPort
        let data = tcpTestBytes(3000)
        let start = peer.peerISS &+ 1
        let pieces = [(1000, 2000), (0, 1000), (2000, 3000), (0, 1000), (500, 1500)]
        var duplicateAcks = 0
        for (from, to) in pieces {
            peer.inject(.ack, seq: start &+ UInt32(from), ack: iss &+ 1, payload: Array(data[from..<to]), to: port)
            if from == 1000 { duplicateAcks = peer.take().filter { $0.acknowledgmentNumber == start }.count }
        }
        XCTAssertEqual(duplicateAcks, 1, "out-of-order data is answered with an immediate duplicate ACK")
        XCTAssertEqual(connection.availableBytes, 3000)
        XCTAssertTrue(connection.receive(maximum: 10_000) == data, "reassembled in order, once")
        XCTAssertEqual(connection.statistics.outOfOrderSegmentsReceived, 1)
        XCTAssertGreaterThanOrEqual(connection.statistics.duplicateSegmentsReceived, 1)
    }

    /// Outside a batch every second segment is acknowledged; inside one (an
    /// interrupt's worth of frames) the in-order data gets one ACK at the end,
    /// at most every `batchAckSegments`, and a hole is still reported at once.
    func testReceiveBatchAcknowledgesOnceAtItsEnd() {
        let peer = TCPScriptedPeer()
        let (connection, iss) = peer.establish()
        let port = connection.localPort
        let data = tcpTestBytes(1000 * 50)
        var next = peer.peerISS &+ 1
        func deliver(_ count: Int) {
            for _ in 0 ..< count {
                let offset = Int(next &- (peer.peerISS &+ 1))
                peer.inject(.ack, seq: next, ack: iss &+ 1, payload: Array(data[offset ..< offset + 1000]), to: port)
                next = next &+ 1000
            }
        }
        deliver(6)
        XCTAssertEqual(peer.take().count, 3, "unbatched: an ACK per two segments")
        peer.layer.beginReceiveBatch()
        deliver(10)
        XCTAssertTrue(peer.take().isEmpty, "no ACK while the batch is being processed")
        peer.layer.endReceiveBatch()
        let batchAcks = peer.take()
        XCTAssertEqual(batchAcks.count, 1)
        XCTAssertEqual(batchAcks.first?.acknowledgmentNumber, next, "the one ACK covers the whole batch")
        peer.layer.beginReceiveBatch()
        deliver(20)
        let bounded = peer.take()
        XCTAssertEqual(bounded.count, 1, "a long batch still acknowledges every \(TCPConfiguration().batchAckSegments) segments")
        next = next &+ 1000  // a segment lost: the next one leaves a hole
        deliver(1)
        XCTAssertEqual(peer.take().count, 1, "out-of-order data is answered at once, batch or not")
        peer.layer.endReceiveBatch()
        XCTAssertTrue(peer.take().allSatisfy { $0.acknowledgmentNumber == next &- 2000 })
        XCTAssertEqual(connection.availableBytes, 36_000)
        // After a loss, a sender grows its window per ACK: the next segments are
        // acknowledged the ordinary way even inside a batch (quick-ACK mode).
        let hole = next &- 2000
        let offset = Int(hole &- (peer.peerISS &+ 1))
        peer.inject(.ack, seq: hole, ack: iss &+ 1, payload: Array(data[offset ..< offset + 1000]), to: port)
        XCTAssertEqual(peer.take().last?.acknowledgmentNumber, next, "the filled hole is acknowledged at once")
        peer.layer.beginReceiveBatch()
        deliver(4)
        XCTAssertEqual(peer.take().count, 2, "quick ACKs: every second segment, batch or not")
        peer.layer.endReceiveBatch()
    }

    func testZeroWindowProbeThenWindowUpdate() {
        let peer = TCPScriptedPeer()
        let (connection, iss) = peer.establish(peerWindow: 1000)
        let port = connection.localPort
        _ = connection.send(tcpTestBytes(3000))
        XCTAssertEqual(peer.take().reduce(0) { $0 + $1.payload.count }, 1000)
        // The peer takes the 1000 bytes but its buffer is now full.
        peer.inject(.ack, seq: peer.peerISS &+ 1, ack: iss &+ 1001, window: 0, to: port)
        XCTAssertTrue(peer.take().isEmpty)
        // RTO floor is 200 ms after a ~0 ms handshake; probes back off from there.
        peer.advance(by: 150)
        XCTAssertTrue(peer.take().isEmpty)
        peer.advance(by: 60)
        let probe = peer.take()
        XCTAssertEqual(probe.count, 1, "persist timer sends a window probe")
        XCTAssertEqual(probe.first?.payload.count, 1)
        XCTAssertEqual(probe.first?.sequenceNumber, iss &+ 1001)
        // Still closed: the probe is not accepted; the next probe backs off.
        peer.inject(.ack, seq: peer.peerISS &+ 1, ack: iss &+ 1001, window: 0, to: port)
        peer.advance(by: 350)
        XCTAssertTrue(peer.take().isEmpty)
        peer.advance(by: 60)
        XCTAssertEqual(peer.take().count, 1)
        for _ in 0..<30 {
            peer.advance(by: 60_000)
            peer.inject(.ack, seq: peer.peerISS &+ 1, ack: iss &+ 1001, window: 0, to: port)
        }
        XCTAssertEqual(peer.take().count, 30, "probing continues at the 60 s cap")
        XCTAssertNotEqual(connection.state, .closed, "zero window never times the connection out")
        // Window update: the rest flows.
        peer.inject(.ack, seq: peer.peerISS &+ 1, ack: iss &+ 1001, window: 5000, to: port)
        XCTAssertEqual(peer.take().reduce(0) { $0 + $1.payload.count }, 2000)
        peer.inject(.ack, seq: peer.peerISS &+ 1, ack: iss &+ 3001, window: 5000, to: port)
        XCTAssertEqual(connection.unacknowledgedBytes, 0)
    }

    func testOurZeroWindowAndWindowUpdate() {
        var configuration = TCPConfiguration()
        configuration.bufferSize = 4096
        let peer = TCPScriptedPeer(configuration: configuration)
        let (connection, iss) = peer.establish()
        let port = connection.localPort
        let start = peer.peerISS &+ 1
        peer.inject(.ack, seq: start, ack: iss &+ 1, payload: tcpTestBytes(4096), to: port)
        peer.advance(by: 100)
        XCTAssertEqual(peer.take().last?.window, 0, "full buffer advertises a zero window")
        peer.inject(.ack, seq: start &+ 4096, ack: iss &+ 1, payload: [9], to: port)
        XCTAssertEqual(connection.availableBytes, 4096, "data beyond the window is not taken")
        XCTAssertEqual(peer.take().last?.acknowledgmentNumber, start &+ 4096)
        _ = connection.receive(maximum: 4096)
        let update = peer.take()
        XCTAssertEqual(update.count, 1, "reading opens the window and says so")
        XCTAssertGreaterThan(Int(update.first?.window ?? 0) << Int(connection.receiveWindowShift), 2000)
    }

    func testLocalCloseFirstThroughTimeWait() {
        var configuration = TCPConfiguration()
        configuration.maximumSegmentLifetime = 1000
        let peer = TCPScriptedPeer(configuration: configuration)
        let (connection, iss) = peer.establish()
        let port = connection.localPort
        _ = connection.send(Array("bye".utf8))
        connection.close()
        XCTAssertEqual(connection.state, .finWait1)
        XCTAssertFalse(connection.isWritable)
        XCTAssertEqual(connection.send([1]), 0)
        let out = peer.take()
        XCTAssertTrue(out.last?.flags.contains(.fin) ?? false, "FIN follows the data")
        peer.inject(.ack, seq: peer.peerISS &+ 1, ack: iss &+ 5, to: port)
        XCTAssertEqual(connection.state, .finWait2)
        peer.inject([.ack, .fin], seq: peer.peerISS &+ 1, ack: iss &+ 5, payload: Array("ok".utf8), to: port)
        XCTAssertEqual(connection.state, .timeWait)
        XCTAssertEqual(peer.take().last?.acknowledgmentNumber, peer.peerISS &+ 4)
        XCTAssertFalse(connection.isFinishedReceiving, "data still unread")
        XCTAssertTrue(connection.receive(maximum: 10) == Array("ok".utf8))
        XCTAssertTrue(connection.isFinishedReceiving)
        // A retransmitted FIN in TIME-WAIT is acknowledged again.
        peer.advance(by: 1500)
        peer.inject([.ack, .fin], seq: peer.peerISS &+ 3, ack: iss &+ 5, to: port)
        XCTAssertEqual(peer.take().count, 1)
        peer.advance(by: 1900)
        XCTAssertEqual(connection.state, .timeWait, "TIME-WAIT restarted by the repeated FIN")
        peer.advance(by: 200)
        XCTAssertEqual(connection.state, .closed)
        XCTAssertNil(connection.error)
        XCTAssertTrue(peer.layer.connections.isEmpty)
    }

    func testPeerClosesFirst() {
        let peer = TCPScriptedPeer()
        let (connection, iss) = peer.establish()
        let port = connection.localPort
        peer.inject([.ack, .fin], seq: peer.peerISS &+ 1, ack: iss &+ 1, to: port)
        XCTAssertEqual(connection.state, .closeWait)
        XCTAssertTrue(connection.isFinishedReceiving)
        XCTAssertEqual(peer.take().last?.acknowledgmentNumber, peer.peerISS &+ 2)
        XCTAssertEqual(connection.send(Array("last words".utf8)), 10, "half-close: we can still send")
        connection.close()
        XCTAssertEqual(connection.state, .lastAck)
        let out = peer.take()
        XCTAssertEqual(out.reduce(0) { $0 + $1.payload.count }, 10)
        XCTAssertTrue(out.last?.flags.contains(.fin) ?? false)
        peer.inject(.ack, seq: peer.peerISS &+ 2, ack: iss &+ 12, to: port)
        XCTAssertEqual(connection.state, .closed)
        XCTAssertNil(connection.error)
    }

    func testSimultaneousCloseGoesThroughClosing() {
        let peer = TCPScriptedPeer()
        let (connection, iss) = peer.establish()
        let port = connection.localPort
        connection.close()
        _ = peer.take()
        peer.inject([.ack, .fin], seq: peer.peerISS &+ 1, ack: iss &+ 1, to: port)
        XCTAssertEqual(connection.state, .closing)
        peer.inject(.ack, seq: peer.peerISS &+ 2, ack: iss &+ 2, to: port)
        XCTAssertEqual(connection.state, .timeWait)
    }

    func testResetByPeerAndResetValidation() {
        let peer = TCPScriptedPeer()
        let (connection, iss) = peer.establish()
        let port = connection.localPort
        peer.inject(.rst, seq: peer.peerISS &+ 50_000_000, to: port)
        XCTAssertEqual(connection.state, .established, "RST outside the window is ignored")
        peer.inject(.rst, seq: peer.peerISS &+ 10, to: port)
        XCTAssertEqual(connection.state, .established, "RST in the window but not at RCV.NXT ...")
        XCTAssertEqual(peer.take().last?.flags, .ack, "... earns a challenge ACK")
        peer.inject(.rst, seq: peer.peerISS &+ 1, ack: iss &+ 1, to: port)
        XCTAssertEqual(connection.state, .closed)
        XCTAssertEqual(connection.error, .connectionReset)
        XCTAssertEqual(connection.error?.message, "connection reset by peer")
        XCTAssertFalse(connection.isWritable)
    }

    func testAbortSendsReset() {
        let peer = TCPScriptedPeer()
        let (connection, iss) = peer.establish()
        _ = connection.send(tcpTestBytes(10))
        _ = peer.take()
        connection.abort()
        let out = peer.take()
        XCTAssertEqual(out.count, 1)
        XCTAssertTrue(out.first?.flags.contains(.rst) ?? false)
        XCTAssertEqual(out.first?.sequenceNumber, iss &+ 11)
        XCTAssertEqual(connection.state, .closed)
    }

    func testUnacknowledgedDataEventuallyTimesOut() {
        var configuration = TCPConfiguration()
        configuration.dataRetries = 3
        let peer = TCPScriptedPeer(configuration: configuration)
        let (connection, _) = peer.establish()
        _ = connection.send(tcpTestBytes(10))
        for _ in 0..<200 where connection.state != .closed { peer.advance(by: 1000) }
        XCTAssertEqual(connection.state, .closed)
        XCTAssertEqual(connection.error, .timedOut)
        XCTAssertTrue(peer.take().last?.flags.contains(.rst) ?? false)
    }

    func testSendBufferIsBounded() {
        var configuration = TCPConfiguration()
        configuration.bufferSize = 8192
        let peer = TCPScriptedPeer(configuration: configuration)
        let (connection, _) = peer.establish(peerWindow: 0)
        XCTAssertEqual(connection.send(tcpTestBytes(10_000)), 8192)
        XCTAssertFalse(connection.isWritable)
        XCTAssertEqual(connection.send([1]), 0)
    }

    func testRandomSegmentsAndCallsNeverTrap() {
        var random = TCPTestRandom(seed: 1234)
        for round in 0..<40 {
            let peer = TCPScriptedPeer()
            let (connection, iss) = peer.establish(peerWindowScale: round % 2 == 0 ? 14 : nil)
            _ = peer.layer.listen(port: 8080)
            for _ in 0..<300 {
                let flags = TCPFlags(rawValue: UInt8(truncatingIfNeeded: random.next()) & 0x3F)
                let seq = peer.peerISS &+ UInt32(truncatingIfNeeded: random.below(6000)) &- 1000
                let ack = iss &+ UInt32(truncatingIfNeeded: random.below(6000)) &- 1000
                let payload = tcpTestBytes(random.below(3) == 0 ? random.below(2000) : 0)
                let port = random.below(10) == 0 ? UInt16(8080) : connection.localPort
                peer.inject(flags, seq: seq, ack: ack, window: UInt16(truncatingIfNeeded: random.next()), payload: payload,
                            mss: random.below(4) == 0 ? UInt16(random.below(3)) : nil, to: port)
                switch random.below(8) {
                case 0: _ = connection.send(tcpTestBytes(random.below(5000)))
                case 1: _ = connection.receive(maximum: random.below(5000))
                case 2: peer.advance(by: UInt64(random.below(3000)))
                case 3: if random.below(20) == 0 { connection.close() }
                default: break
                }
                _ = peer.take()
            }
            XCTAssertEqual(peer.badChecksums, 0)
        }
    }
}
