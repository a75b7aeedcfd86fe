import XCTest
@testable import Network

/// Deterministic pseudo-random numbers (SplitMix64) so lossy runs are reproducible.
struct TCPTestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Plays the remote end by hand: every segment our layer sends is decoded into
/// `outbox`; the test writes the peer's segments with `inject`.
final class TCPScriptedPeer {
    static let localIP = IPv4Address(10, 0, 2, 15)
    static let peerIP = IPv4Address(10, 0, 2, 2)
    let layer: TCPLayer
    var outbox: [TCPSegment] = []
    var now: UInt64 = 1_000
    let peerPort: UInt16 = 80
    /// The peer's initial sequence number.
    let peerISS: UInt32 = 0xFFFF_FF00  // close to the wrap on purpose
    var badChecksums = 0

    init(configuration: TCPConfiguration = TCPConfiguration()) {
        var counter: UInt32 = 0x1234_5678
        layer = TCPLayer(localAddress: { TCPScriptedPeer.localIP }, random: {
            counter = counter &* 1_103_515_245 &+ 12345
            return counter
        }, configuration: configuration)
        layer.send = { [unowned self] bytes, source, destination in
            let ok = bytes.withUnsafeBytes { TCPSegment.checksumVerifies($0, source: source, destination: destination) }
            if !ok { self.badChecksums += 1 }
            if let segment = bytes.withUnsafeBytes({ TCPSegment.parse($0) }) { self.outbox.append(segment) }
            return true
        }
    }

    func take() -> [TCPSegment] {
        let segments = outbox
        outbox = []
        return segments
    }

    func inject(_ flags: TCPFlags, seq: UInt32, ack: UInt32 = 0, window: UInt16 = 65535, payload: [UInt8] = [],
                mss: UInt16? = nil, windowScale: UInt8? = nil, to localPort: UInt16) {
        let segment = TCPSegment(sourcePort: peerPort, destinationPort: localPort, sequenceNumber: seq,
                                 acknowledgmentNumber: ack, flags: flags, window: window, maximumSegmentSize: mss,
                                 windowScale: windowScale, payload: payload)
        let bytes = segment.encode(source: TCPScriptedPeer.peerIP, destination: TCPScriptedPeer.localIP)
        layer.receive(segment: bytes, source: TCPScriptedPeer.peerIP, destination: TCPScriptedPeer.localIP, now: now)
    }

    func advance(by milliseconds: UInt64) {
        now += milliseconds
        layer.poll(now: now)
    }

    /// Active open completed by the scripted peer. Returns the connection and our ISS.
    func establish(peerWindow: UInt16 = 65535, peerMSS: UInt16? = 1460, peerWindowScale: UInt8? = nil)
        -> (connection: TCPConnection, iss: UInt32) {
        let connection = layer.connect(to: TCPScriptedPeer.peerIP, port: peerPort, now: now)
        let syn = take()[0]
        inject([.syn, .ack], seq: peerISS, ack: syn.sequenceNumber &+ 1, window: peerWindow, mss: peerMSS,
               windowScale: peerWindowScale, to: connection.localPort)
        _ = take()  // the handshake's final ACK
        return (connection, syn.sequenceNumber)
    }
}

func tcpTestBytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    for i in 0..<count { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ Int(seed) &+ i >> 8) }
    return bytes
}
