import XCTest
import Platform
import VirtIO
import Drivers

typealias TestNet = VirtioNet<TestPlatform, ModelTransport>

/// A virtio-net driver on a model network device, with everything it received.
final class NetFixture {
    static let line = 48 + 31
    let platform: TestPlatform
    let backend: ModelNetBackend
    let net: TestNet
    var received: [(frame: [UInt8], checksumValid: Bool)] = []
    var linkEvents: [Bool] = []

    init(_ options: ModelNetOptions = ModelNetOptions(), disabled: Features = [], receiveBuffers: Int = 256,
         transmitBuffers: Int = 128, driverInterrupt: Int? = NetFixture.line,
         fallbackMAC: [UInt8] = [0x01, 0x11, 0x22, 0x33, 0x44, 0x55],
         configure: (ModelNetBackend) -> Void = { _ in }) throws {
        platform = TestPlatform()
        backend = ModelNetBackend(platform: platform, options: options)
        configure(backend)
        let transport = try platform.transport(at: slot31)
        net = try TestNet.create(platform: platform, transport: transport, interrupt: driverInterrupt,
                                 fallbackMAC: fallbackMAC, disabled: disabled, receiveBuffers: receiveBuffers,
                                 transmitBuffers: transmitBuffers)
        if let driverInterrupt {
            let net = self.net
            _ = platform.registerInterrupt(driverInterrupt) { [weak net] in net?.handleInterrupt() }
        }
        net.receive = { [unowned self] bytes, valid in self.received.append((Array(bytes), valid)) }
        net.linkChanged = { [unowned self] up in self.linkEvents.append(up) }
    }

    var device: ModelDevice { backend.device }

    /// Lets the device run and the driver take its interrupt (as the event loop would).
    func settle() {
        platform.asHandler { net.handleInterrupt() }
        platform.runDevices()
        platform.asHandler { net.handleInterrupt() }
    }

    func assertNoViolations(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(device.violations, [], "device model saw protocol violations", file: file, line: line)
    }

    /// A recognisable Ethernet frame of `length` bytes.
    static func frame(_ length: Int, seed: Int = 0) -> [UInt8] {
        var bytes = (0..<length).map { UInt8(truncatingIfNeeded: ($0 &* 7) &+ seed &* 31 &+ 1) }
        let header: [UInt8] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]
        for i in 0..<min(14, length) { bytes[i] = header[i] }
        return bytes
    }

    /// An IPv4/UDP frame whose UDP checksum field holds the pseudo-header sum, as a
    /// stack leaves it for offload; returns it with the checksum's (start, offset).
    static func udpFrame(payload: [UInt8]) -> (frame: [UInt8], start: Int, offset: Int) {
        let udpLength = 8 + payload.count
        var ip: [UInt8] = [0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 2, 15, 10, 0, 2, 2]
        let totalLength = 20 + udpLength
        ip[2] = UInt8(totalLength >> 8); ip[3] = UInt8(truncatingIfNeeded: totalLength)
        var pseudo: UInt32 = 0x0a00 + 0x020f + 0x0a00 + 0x0202 + 17 + UInt32(udpLength)
        while pseudo > 0xffff { pseudo = (pseudo & 0xffff) + (pseudo >> 16) }
        let udp: [UInt8] = [0x30, 0x39, 0x00, 0x35, UInt8(udpLength >> 8), UInt8(truncatingIfNeeded: udpLength),
                            UInt8(pseudo >> 8), UInt8(truncatingIfNeeded: pseudo)]
        let frame = frame(14) + ip + udp + payload
        return (frame, 14 + 20, 6)
    }

    /// The ones' complement sum over an IPv4/UDP frame's pseudo header and UDP
    /// datagram, computed independently of the driver: 0xffff when the checksum is right.
    static func udpChecksumSum(_ frame: [UInt8]) -> UInt16 {
        let udp = Array(frame[34...])
        var sum: UInt32 = 0x0a00 + 0x020f + 0x0a00 + 0x0202 + 17 + UInt32(udp.count)
        var i = 0
        while i < udp.count {
            sum += UInt32(udp[i]) << 8 | (i + 1 < udp.count ? UInt32(udp[i + 1]) : 0)
            i += 2
        }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return UInt16(sum)
    }
}

/// Runs `body`, returning the NetDriverError it throws (nil if none).
func netError(_ body: () throws -> Void) -> NetDriverError? {
    do {
        try body()
        return nil
    } catch {
        return error as? NetDriverError
    }
}
