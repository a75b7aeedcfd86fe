import XCTest
@testable import Network

/// Two real TCPLayers talking through a simulated link that loses,
/// duplicates and reorders packets.
final class TCPTransferTests: XCTestCase {
    final class LossyLink {
        struct Packet { var deliverAt: UInt64; var bytes: [UInt8]; var source: IPv4Address; var destination: IPv4Address }
        var random: TCPTestRandom
        var inFlight: [Packet] = []
        let lossPercent: Int
        let duplicatePercent: Int
        var delivered = 0
        var dropped = 0
        init(seed: UInt64, lossPercent: Int, duplicatePercent: Int) {
            random = TCPTestRandom(seed: seed)
            self.lossPercent = lossPercent
            self.duplicatePercent = duplicatePercent
        }
        func enqueue(_ bytes: [UInt8], _ source: IPv4Address, _ destination: IPv4Address, now: UInt64) {
            if random.below(100) < lossPercent { dropped += 1; return }
            let copies = random.below(100) < duplicatePercent ? 2 : 1
            for _ in 0..<copies {
                // 10..29 ms of delay: later packets often overtake earlier ones.
                inFlight.append(Packet(deliverAt: now + 10 + UInt64(random.below(20)), bytes: bytes,
                                       source: source, destination: destination))
            }
        }
        func due(now: UInt64) -> [Packet] {
            var ready: [Packet] = []
            var waiting: [Packet] = []
            for packet in inFlight { if packet.deliverAt <= now { ready.append(packet) } else { waiting.append(packet) } }
            inFlight = waiting
            delivered += ready.count
            return ready
        }
    }

    struct Host {
        let address: IPv4Address
        let layer: TCPLayer
    }

    func makeHosts(link: LossyLink, clock: @escaping () -> UInt64) -> (Host, Host) {
        let a = IPv4Address(10, 0, 0, 1), b = IPv4Address(10, 0, 0, 2)
        var seedA: UInt32 = 7, seedB: UInt32 = 99
        let layerA = TCPLayer(localAddress: { a }, random: { seedA = seedA &* 1_664_525 &+ 1_013_904_223; return seedA })
        let layerB = TCPLayer(localAddress: { b }, random: { seedB = seedB &* 1_664_525 &+ 1_013_904_223; return seedB })
        layerA.send = { bytes, source, destination in link.enqueue(bytes, source, destination, now: clock()); return true }
        layerB.send = { bytes, source, destination in link.enqueue(bytes, source, destination, now: clock()); return true }
        return (Host(address: a, layer: layerA), Host(address: b, layer: layerB))
    }

    @discardableResult
    func run(transferring size: Int, lossPercent: Int, duplicatePercent: Int, seed: UInt64) -> Bool {
        let link = LossyLink(seed: seed, lossPercent: lossPercent, duplicatePercent: duplicatePercent)
        var now: UInt64 = 0
        let (client, server) = makeHosts(link: link, clock: { now })
        guard let listener = server.layer.listen(port: 80) else { XCTFail("listen"); return false }
        let sender = client.layer.connect(to: server.address, port: 80, now: now)
        let payload = tcpTestBytes(size, seed: 3)
        var offset = 0
        var received: [UInt8] = []
        received.reserveCapacity(size)
        var serverConnection: TCPConnection? = nil
        var closed = false
        var steps = 0
        while steps < 2_000_000 {
            steps += 1
            now += 1
            for packet in link.due(now: now) {
                let layer = packet.destination == server.address ? server.layer : client.layer
                layer.receive(segment: packet.bytes, source: packet.source, destination: packet.destination, now: now)
            }
            client.layer.poll(now: now)
            server.layer.poll(now: now)
            if serverConnection == nil { serverConnection = listener.accept() }
            if sender.isWritable && offset < size {
                offset += sender.send(Array(payload[offset..<min(size, offset + 64 * 1024)]))
            }
            if offset == size && !closed { sender.close(); closed = true }
            if let connection = serverConnection {
                while connection.availableBytes > 0 { received += connection.receive(maximum: 100_000) }
                if connection.isFinishedReceiving { break }
            }
            XCTAssertNil(sender.error)
            if sender.error != nil { break }
        }
        XCTAssertEqual(received.count, size)
        XCTAssertTrue(received == payload, "byte-identical after the lossy link")
        XCTAssertTrue(serverConnection?.isFinishedReceiving ?? false)
        if lossPercent > 0 { XCTAssertGreaterThan(sender.statistics.retransmissions, 0) }
        XCTAssertEqual(serverConnection?.state, .closeWait)
        return received == payload && sender.error == nil
    }

    func testLargeTransferThroughLossyReorderingLink() {
        run(transferring: 4 * 1024 * 1024, lossPercent: 5, duplicatePercent: 1, seed: 2024)
    }

    func testTransferThroughCleanLink() {
        run(transferring: 1024 * 1024, lossPercent: 0, duplicatePercent: 0, seed: 1)
    }

    func testTransferThroughVeryLossyLink() {
        run(transferring: 200 * 1024, lossPercent: 20, duplicatePercent: 5, seed: 77)
    }

    func testEchoBothDirectionsThenOrderlyCloseOnBothSides() {
        let link = LossyLink(seed: 9, lossPercent: 3, duplicatePercent: 3)
        var now: UInt64 = 0
        let (client, server) = makeHosts(link: link, clock: { now })
        guard let listener = server.layer.listen(port: 7) else { return XCTFail("listen") }
        let connection = client.layer.connect(to: server.address, port: 7, now: now)
        let message = tcpTestBytes(300_000, seed: 11)
        var offset = 0
        var echoed: [UInt8] = []
        var accepted: TCPConnection? = nil
        var pendingEcho: [UInt8] = []
        for _ in 0..<600_000 {
            now += 1
            for packet in link.due(now: now) {
                let layer = packet.destination == server.address ? server.layer : client.layer
                layer.receive(segment: packet.bytes, source: packet.source, destination: packet.destination, now: now)
            }
            client.layer.poll(now: now)
            server.layer.poll(now: now)
            if accepted == nil { accepted = listener.accept() }
            if offset < message.count && connection.isWritable {
                offset += connection.send(Array(message[offset..<min(message.count, offset + 8192)]))
                if offset == message.count { connection.close() }
            }
            if let peer = accepted {
                pendingEcho += peer.receive(maximum: 65536)
                if !pendingEcho.isEmpty {
                    let n = peer.send(pendingEcho)
                    pendingEcho.removeFirst(n)
                }
                if peer.isFinishedReceiving && pendingEcho.isEmpty && peer.state == .closeWait { peer.close() }
            }
            echoed += connection.receive(maximum: 65536)
            if connection.state == .timeWait && accepted?.state == .closed { break }
        }
        XCTAssertTrue(echoed == message, "echo is byte-identical (\(echoed.count) of \(message.count) bytes)")
        XCTAssertTrue(connection.isFinishedReceiving)
        XCTAssertEqual(connection.state, .timeWait, "the side that closed first waits")
        XCTAssertEqual(accepted?.state, .closed)
        XCTAssertNil(connection.error)
        XCTAssertNil(accepted?.error)
        XCTAssertTrue(server.layer.connections.isEmpty)
        // TIME-WAIT lasts 2 × MSL (10 s by default), then the connection is forgotten.
        now += 20_001
        client.layer.poll(now: now)
        XCTAssertEqual(connection.state, .closed)
        XCTAssertTrue(client.layer.connections.isEmpty)
    }

    func testClosingListenerRefusesNewConnections() {
        let link = LossyLink(seed: 1, lossPercent: 0, duplicatePercent: 0)
        var now: UInt64 = 0
        let (client, server) = makeHosts(link: link, clock: { now })
        let listener = server.layer.listen(port: 80)
        listener?.close()
        let connection = client.layer.connect(to: server.address, port: 80, now: now)
        for _ in 0..<200 {
            now += 1
            for packet in link.due(now: now) {
                let layer = packet.destination == server.address ? server.layer : client.layer
                layer.receive(segment: packet.bytes, source: packet.source, destination: packet.destination, now: now)
            }
        }
        XCTAssertEqual(connection.error, .connectionRefused)
        XCTAssertNotNil(server.layer.listen(port: 80), "the port can be listened on again")
    }
}
