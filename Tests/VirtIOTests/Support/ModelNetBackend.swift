import Platform
import VirtIO

/// How the model network device presents itself.
struct ModelNetOptions {
    var version: UInt32 = 2
    /// The MAC in config space (nil: no VIRTIO_NET_F_MAC).
    var mac: [UInt8]? = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]
    var status = true
    var linkUp = true
    var checksum = true
    var guestChecksum = true
    var mergeable = false
    var controlQueue = true
    var controlReceive = true
    var controlMACAddress = false
    /// Legacy only: lets the driver put the header and the frame in one descriptor.
    var anyLayout = false
    var indirect = true
    var eventIndex = true
    /// Features the model offers beyond the above (e.g. TSO bits the driver must refuse).
    var extraFeatures: Features = []
    var queueSize = 256
    var interrupt: Int? = 48 + 31
}

/// A frame the driver transmitted, as the device read it.
struct ModelNetFrame {
    var header: [UInt8]
    var frame: [UInt8]
    var descriptorCount: Int
    var flags: UInt8 { header.first ?? 0 }
    var gsoType: UInt8 { header.count > 1 ? header[1] : 0 }
    var checksumStart: UInt16 { ModelNetBackend.le16(header, 6) }
    var checksumOffset: UInt16 { ModelNetBackend.le16(header, 8) }
    var bufferCount: UInt16 { ModelNetBackend.le16(header, 10) }
}

/// A control command the device received (and acked with `ack`).
struct ModelNetControlCommand: Equatable {
    var commandClass: UInt8
    var command: UInt8
    var data: [UInt8]
    var dataSegments: Int
    var ack: UInt8
}

/// virtio-net's device side on a `ModelDevice` (type 1, queues rx 0, tx 1, ctrl 2):
/// frames injected into the posted receive buffers (one buffer each, or spread over
/// several with MRG_RXBUF), transmitted frames captured with their headers, control
/// commands recorded and acked, and a link status that can change with a
/// configuration interrupt.
final class ModelNetBackend {
    static let featureChecksum = Features(bit: 0)
    static let featureGuestChecksum = Features(bit: 1)
    static let featureMAC = Features(bit: 5)
    static let featureGuestTSO4 = Features(bit: 7)
    static let featureHostTSO4 = Features(bit: 11)
    static let featureMergeable = Features(bit: 15)
    static let featureStatus = Features(bit: 16)
    static let featureControlQueue = Features(bit: 17)
    static let featureControlReceive = Features(bit: 18)
    static let featureControlMACAddress = Features(bit: 23)

    unowned let device: ModelDevice
    let options: ModelNetOptions
    private(set) var transmitted: [ModelNetFrame] = []
    private(set) var controlCommands: [ModelNetControlCommand] = []
    /// The ack byte to answer control commands with (0: VIRTIO_NET_OK).
    var controlAck: UInt8 = 0
    /// With MRG_RXBUF, put at most this many bytes in each receive buffer (nil: fill them).
    var mergeChunk: Int? = nil
    /// Frames the device had to drop because the driver had no receive buffer posted.
    private(set) var droppedForNoBuffer = 0
    /// MAC written into config space by the driver (legacy).
    var configMAC: [UInt8] { Array(device.config[0..<6]) }

    init(platform: TestPlatform, at base: UInt64 = slot31, options: ModelNetOptions = ModelNetOptions()) {
        self.options = options
        var features = options.extraFeatures
        if options.version == 2 { features.insert(.version1) }
        if options.version == 1 && options.anyLayout { features.insert(.anyLayout) }
        if options.indirect { features.insert(.ringIndirectDescriptors) }
        if options.eventIndex { features.insert(.ringEventIndex) }
        if options.mac != nil { features.insert(ModelNetBackend.featureMAC) }
        if options.status { features.insert(ModelNetBackend.featureStatus) }
        if options.checksum { features.insert(ModelNetBackend.featureChecksum) }
        if options.guestChecksum { features.insert(ModelNetBackend.featureGuestChecksum) }
        if options.mergeable { features.insert(ModelNetBackend.featureMergeable) }
        if options.controlQueue { features.insert(ModelNetBackend.featureControlQueue) }
        if options.controlReceive { features.insert(ModelNetBackend.featureControlReceive) }
        if options.controlMACAddress { features.insert(ModelNetBackend.featureControlMACAddress) }
        let queues = options.controlQueue ? [options.queueSize, options.queueSize, 64] : [options.queueSize, options.queueSize]
        device = platform.addDevice(at: base, version: options.version, deviceID: DeviceType.network, features: features,
                                    queueSizes: queues, interrupt: options.interrupt, configSize: 12)
        if let mac = options.mac { for (i, byte) in mac.prefix(6).enumerated() { device.config[i] = byte } }
        device.config[6] = options.linkUp ? 1 : 0
        device.fillsWithPattern = false
        device.heldQueues = [0]
        device.usedLength = { request in self.serve(request) }
    }

    static func le16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        guard offset + 1 < bytes.count else { return 0 }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private func violation(_ text: String) { device.violation("virtio-net: " + text) }

    /// The header length the negotiated features imply.
    var headerLength: Int { !device.isLegacy || device.negotiated(ModelNetBackend.featureMergeable) ? 12 : 10 }
    private var separateHeader: Bool { device.isLegacy && !device.negotiated(.anyLayout) }

    /// Receive buffers the device holds right now (taking newly posted ones).
    var postedReceiveBuffers: Int {
        device.fetch(0)
        return device.queues[0].pending.count
    }

    // MARK: - Link

    /// Changes the link status bit and raises a configuration-change interrupt.
    func setLink(up: Bool) {
        device.config[6] = up ? 1 : 0
        device.raiseInterrupt(.configurationChange)
    }

    // MARK: - Receive

    /// The header bytes for an injected frame.
    func header(flags: UInt8, checksumStart: UInt16, checksumOffset: UInt16, buffers: UInt16) -> [UInt8] {
        var header: [UInt8] = [flags, 0, 0, 0, 0, 0,
                               UInt8(truncatingIfNeeded: checksumStart), UInt8(truncatingIfNeeded: checksumStart >> 8),
                               UInt8(truncatingIfNeeded: checksumOffset), UInt8(truncatingIfNeeded: checksumOffset >> 8)]
        if headerLength == 12 { header += [UInt8(truncatingIfNeeded: buffers), UInt8(truncatingIfNeeded: buffers >> 8)] }
        return header
    }

    /// Delivers `frame` into the driver's receive buffers and interrupts as the driver
    /// asked. False (and counted) when no (or not enough) buffers are posted.
    @discardableResult
    func inject(_ frame: [UInt8], flags: UInt8 = 0, checksumStart: UInt16 = 0, checksumOffset: UInt16 = 0) -> Bool {
        device.fetch(0)
        let pending = device.queues[0].pending
        let total = headerLength + frame.count
        var plan: [(request: ModelRequest, bytes: Int)] = []
        var left = total
        for request in pending where left > 0 {
            let room = min(request.writableBytes, device.negotiated(ModelNetBackend.featureMergeable) ? (mergeChunk ?? Int.max) : Int.max)
            let take = min(room, left)
            if plan.isEmpty && take < headerLength { break }
            plan.append((request, take))
            left -= take
            if !device.negotiated(ModelNetBackend.featureMergeable) { break }
        }
        guard left == 0, !plan.isEmpty else {
            if !pending.isEmpty && !device.negotiated(ModelNetBackend.featureMergeable) {
                violation("a receive buffer of \(pending[0].writableBytes) bytes cannot hold a \(total)-byte packet")
            }
            droppedForNoBuffer += 1
            return false
        }
        let bytes = header(flags: flags, checksumStart: checksumStart, checksumOffset: checksumOffset,
                           buffers: UInt16(plan.count)) + frame
        var position = 0
        var entries: [(id: UInt32, length: UInt32)] = []
        for (request, count) in plan {
            checkReceiveFraming(request)
            device.memory.scatter(bytes[position ..< position + count], into: request.buffers.filter { $0.writable })
            entries.append((UInt32(request.head), UInt32(count)))
            position += count
        }
        device.queues[0].pending.removeFirst(plan.count)
        device.publishHeld(0, entries: entries)
        return true
    }

    /// Completes the next receive buffer with `bytes` written into it and a used
    /// length of `usedLength` (for malformed completions). False without a buffer.
    @discardableResult
    func injectRaw(_ bytes: [UInt8], usedLength: UInt32) -> Bool {
        device.fetch(0)
        guard let request = device.queues[0].pending.first else { return false }
        device.memory.scatter(bytes[...], into: request.buffers.filter { $0.writable })
        device.queues[0].pending.removeFirst()
        device.publishHeld(0, entries: [(UInt32(request.head), usedLength)])
        return true
    }

    private func checkReceiveFraming(_ request: ModelRequest) {
        if request.buffers.contains(where: { !$0.writable }) { violation("a receive buffer with device-readable parts") }
        if separateHeader && request.buffers.first?.length != UInt32(headerLength) {
            violation("legacy without ANY_LAYOUT: the receive header must have a descriptor of its own")
        }
    }

    // MARK: - Transmit and control

    private func serve(_ request: ModelRequest) -> UInt32 {
        switch request.queue {
        case 1: transmit(request); return 0
        case 2: return control(request)
        default: return UInt32(request.writableBytes)
        }
    }

    private func transmit(_ request: ModelRequest) {
        if request.buffers.contains(where: { $0.writable }) { violation("a transmit buffer with device-writable parts") }
        if separateHeader && request.buffers.first?.length != UInt32(headerLength) {
            violation("legacy without ANY_LAYOUT: the transmit header must have a descriptor of its own")
        }
        let bytes = device.memory.gather(request.buffers)
        guard bytes.count >= headerLength else {
            violation("a \(bytes.count)-byte transmit buffer is shorter than the header")
            return
        }
        let frame = ModelNetFrame(header: Array(bytes.prefix(headerLength)), frame: Array(bytes.dropFirst(headerLength)),
                                  descriptorCount: request.buffers.count)
        if frame.gsoType != 0 { violation("GSO type \(frame.gsoType) without a GSO feature") }
        if frame.flags & 1 != 0 && !device.negotiated(ModelNetBackend.featureChecksum) { violation("NEEDS_CSUM without CSUM") }
        if headerLength == 12 && frame.bufferCount != 0 { violation("num_buffers \(frame.bufferCount) on transmit (must be 0)") }
        transmitted.append(frame)
    }

    private func control(_ request: ModelRequest) -> UInt32 {
        let readable = request.buffers.filter { !$0.writable }
        let writable = request.buffers.filter { $0.writable }
        guard let first = readable.first, first.length == 2, writable.count == 1, writable[0].length == 1 else {
            violation("control command framing: 2-byte header, data, 1-byte ack expected")
            return 0
        }
        let header = device.memory.gather([first])
        let data = device.memory.gather(Array(readable.dropFirst()))
        if !device.negotiated(ModelNetBackend.featureControlQueue) { violation("control command without CTRL_VQ") }
        controlCommands.append(ModelNetControlCommand(commandClass: header[0], command: header[1], data: data,
                                                      dataSegments: readable.count - 1, ack: controlAck))
        device.memory.pointer(to: writable[0].address, length: 1)?.storeBytes(of: controlAck, as: UInt8.self)
        return 1
    }

    // MARK: - Guest memory

}
