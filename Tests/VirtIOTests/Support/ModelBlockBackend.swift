import Platform
import VirtIO

/// How the model block device is built: what it offers and its limits.
struct ModelBlockOptions {
    var version: UInt32 = 2
    /// Disk size in 512-byte sectors.
    var sectors: UInt64 = 4096
    var queueSize = 128
    var interrupt: Int? = 48 + 31
    var readOnly = false
    var flush = true
    var indirect = true
    var eventIndex = true
    /// SIZE_MAX (bytes per data segment) if offered.
    var sizeMax: UInt32? = nil
    /// SEG_MAX if offered (QEMU offers queue size - 2).
    var segMax: UInt32? = 126
    /// BLK_SIZE if offered.
    var blockSize: UInt32? = nil
    var topology: (physicalBlockExponent: UInt8, alignmentOffset: UInt8, minimumIOSize: UInt16, optimalIOSize: UInt32)? = nil
    var discard: (maximumSectors: UInt32, maximumSegments: UInt32, alignment: UInt32)? = nil
    var writeZeroes: (maximumSectors: UInt32, maximumSegments: UInt32, mayUnmap: Bool)? = nil
    var serial = "LUMEN-DISK-0001"
}

/// A discard/write-zeroes segment as the device read it.
struct ModelBlockRange: Equatable {
    var sector: UInt64
    var count: UInt32
    var flags: UInt32
}

/// One request the model block device served.
struct ModelBlockCommand {
    var type: UInt32
    var sector: UInt64
    /// Data bytes (in or out).
    var dataBytes: Int
    var dataSegmentLengths: [UInt32]
    /// Whether the chain came through an indirect table.
    var indirect: Bool
    var ranges: [ModelBlockRange]
    var status: UInt8
    var sectors: UInt64 { UInt64(dataBytes / 512) }
}

/// Makes a request whose range overlaps `sectors` (and whose type is in `types`,
/// any type when empty) fail with `status` instead of being carried out.
struct ModelBlockFault {
    var sectors: Range<UInt64>
    var status: UInt8
    var types: [UInt32] = []
}

/// A virtio-blk device (type 2) on top of `ModelDevice`: an in-memory disk served
/// through the model's used-length hook, the configuration space of §5.2.4, and
/// the checks QEMU makes (plus the driver-side rules it would punish): request
/// framing, SEG_MAX / SIZE_MAX, discard and write-zeroes limits, range and block
/// alignment. Anything the driver must never do is recorded as a device violation.
/// Completion timing, order, stalls and hostility are the `ModelDevice`'s knobs.
final class ModelBlockBackend {
    static let typeIn: UInt32 = 0
    static let typeOut: UInt32 = 1
    static let typeFlush: UInt32 = 4
    static let typeGetID: UInt32 = 8
    static let typeDiscard: UInt32 = 11
    static let typeWriteZeroes: UInt32 = 13
    static let statusOK: UInt8 = 0
    static let statusIOError: UInt8 = 1
    static let statusUnsupported: UInt8 = 2

    // Feature bits, spelled out here so the model does not borrow the driver's constants.
    static let featureSizeMax = Features(bit: 1)
    static let featureSegMax = Features(bit: 2)
    static let featureReadOnly = Features(bit: 5)
    static let featureBlockSize = Features(bit: 6)
    static let featureFlush = Features(bit: 9)
    static let featureTopology = Features(bit: 10)
    static let featureDiscard = Features(bit: 13)
    static let featureWriteZeroes = Features(bit: 14)

    /// Unowned: the device owns its backend (through the used-length hook), so the
    /// backend lives exactly as long as the device the platform holds.
    unowned let device: ModelDevice
    let options: ModelBlockOptions
    var disk: [UInt8]
    var faults: [ModelBlockFault] = []
    /// Status for flushes (nil: OK).
    var flushStatus: UInt8? = nil
    /// Status byte to answer every request with instead of serving it (nil: serve).
    var forcedStatus: UInt8? = nil
    /// Leave the status byte unwritten.
    var skipsStatus = false
    private(set) var commands: [ModelBlockCommand] = []
    /// Writes that reached a read-only disk (must stay 0).
    private(set) var writesToReadOnlyDisk = 0
    private(set) var flushes = 0

    /// Adds the device to `platform` at `base`; the disk starts filled with `ModelDevice.patternByte`.
    init(platform: TestPlatform, at base: UInt64 = slot31, options: ModelBlockOptions = ModelBlockOptions()) {
        self.options = options
        var features: Features = []
        if options.version == 2 { features.insert(.version1) }
        if options.indirect { features.insert(.ringIndirectDescriptors) }
        if options.eventIndex { features.insert(.ringEventIndex) }
        if options.readOnly { features.insert(ModelBlockBackend.featureReadOnly) }
        if options.flush { features.insert(ModelBlockBackend.featureFlush) }
        if options.sizeMax != nil { features.insert(ModelBlockBackend.featureSizeMax) }
        if options.segMax != nil { features.insert(ModelBlockBackend.featureSegMax) }
        if options.blockSize != nil { features.insert(ModelBlockBackend.featureBlockSize) }
        if options.topology != nil { features.insert(ModelBlockBackend.featureTopology) }
        if options.discard != nil { features.insert(ModelBlockBackend.featureDiscard) }
        if options.writeZeroes != nil { features.insert(ModelBlockBackend.featureWriteZeroes) }
        device = platform.addDevice(at: base, version: options.version, deviceID: DeviceType.block, features: features,
                                    queueSizes: [options.queueSize], interrupt: options.interrupt, configSize: 64)
        disk = (0..<Int(options.sectors) * 512).map { ModelDevice.patternByte(UInt64($0)) }

        device.setConfig64(options.sectors, at: 0)
        setConfig32(options.sizeMax ?? 0, at: 8)
        setConfig32(options.segMax ?? 0, at: 12)
        setConfig32(options.blockSize ?? 0, at: 20)
        if let topology = options.topology {
            device.config[24] = topology.physicalBlockExponent
            device.config[25] = topology.alignmentOffset
            device.config[26] = UInt8(truncatingIfNeeded: topology.minimumIOSize)
            device.config[27] = UInt8(truncatingIfNeeded: topology.minimumIOSize >> 8)
            setConfig32(topology.optimalIOSize, at: 28)
        }
        if let discard = options.discard {
            setConfig32(discard.maximumSectors, at: 36)
            setConfig32(discard.maximumSegments, at: 40)
            setConfig32(discard.alignment, at: 44)
        }
        if let writeZeroes = options.writeZeroes {
            setConfig32(writeZeroes.maximumSectors, at: 48)
            setConfig32(writeZeroes.maximumSegments, at: 52)
            device.config[56] = writeZeroes.mayUnmap ? 1 : 0
        }
        device.fillsWithPattern = false
        // The model calls this as it completes each request; it returns the used length.
        device.usedLength = { request in self.serve(request) }
    }

    func setConfig32(_ value: UInt32, at offset: Int) {
        for i in 0..<4 { device.config[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }

    /// The disk's bytes for `count` sectors from `sector`.
    func sectors(_ sector: UInt64, _ count: Int) -> [UInt8] {
        Array(disk[Int(sector) * 512 ..< (Int(sector) + count) * 512])
    }

    /// The logical block size: as advertised when it makes sense, else 512 (a
    /// device advertising nonsense still works in sectors).
    var blockBytes: Int {
        guard let size = options.blockSize, size >= 512, size & (size - 1) == 0 else { return 512 }
        return Int(size)
    }

    private func negotiated(_ feature: Features) -> Bool { device.negotiated(feature) }

    private func violation(_ text: String) { device.violation("virtio-blk: " + text) }

    private static func little<T: FixedWidthInteger>(_ bytes: [UInt8], _ offset: Int, _: T.Type) -> T {
        var value: T = 0
        for i in 0..<(T.bitWidth / 8) where offset + i < bytes.count { value |= T(bytes[offset + i]) << (8 * i) }
        return value
    }

    /// Serves one request (the `usedLength` hook): returns the used length.
    func serve(_ request: ModelRequest) -> UInt32 {
        let readable = request.buffers.filter { !$0.writable }
        let writable = request.buffers.filter { $0.writable }
        // Lumen's framing, which legacy devices without ANY_LAYOUT require: the
        // header alone in the first descriptor, the status byte alone in the last.
        guard let headerBuffer = readable.first, headerBuffer.length == 16 else {
            violation("the request header must be one 16-byte device-readable descriptor")
            return 0
        }
        guard let statusBuffer = writable.last, statusBuffer.length == 1 else {
            violation("the status must be one 1-byte device-writable descriptor, last")
            return UInt32(request.writableBytes)
        }
        let header = device.memory.gather([headerBuffer])
        let type = ModelBlockBackend.little(header, 0, UInt32.self)
        let sector = ModelBlockBackend.little(header, 8, UInt64.self)
        let dataOut = Array(readable.dropFirst())
        let dataIn = Array(writable.dropLast())
        var command = ModelBlockCommand(type: type, sector: sector, dataBytes: 0, dataSegmentLengths: [],
                                        indirect: request.indirectTable != nil, ranges: [], status: 0)
        let status = forcedStatus ?? execute(type: type, sector: sector, dataOut: dataOut, dataIn: dataIn, command: &command)
        command.status = status
        commands.append(command)
        if !skipsStatus, let pointer = device.memory.pointer(to: statusBuffer.address, length: 1) {
            pointer.storeBytes(of: status, as: UInt8.self)
        }
        return UInt32(request.writableBytes)
    }

    private func fault(_ type: UInt32, _ range: Range<UInt64>) -> UInt8? {
        faults.first { ($0.types.isEmpty || $0.types.contains(type)) && $0.sectors.overlaps(range) }?.status
    }

    /// QEMU's `virtio_blk_sect_range_ok`: inside the disk and aligned to the logical block.
    private func rangeIsValid(_ sector: UInt64, bytes: Int) -> Bool {
        let blockSectors = UInt64(blockBytes / 512)
        guard bytes % blockBytes == 0, sector % blockSectors == 0 else { return false }
        let (end, overflow) = sector.addingReportingOverflow(UInt64(bytes / 512))
        return !overflow && end <= options.sectors
    }

    private func checkSegments(_ buffers: [ModelBuffer]) {
        if let segMax = options.segMax, segMax > 0, buffers.count > Int(segMax) {
            violation("\(buffers.count) data segments, SEG_MAX is \(segMax)")
        }
        if let sizeMax = options.sizeMax, sizeMax > 0, let long = buffers.first(where: { $0.length > sizeMax }) {
            violation("a \(long.length)-byte segment, SIZE_MAX is \(sizeMax)")
        }
    }

    private func execute(type: UInt32, sector: UInt64, dataOut: [ModelBuffer], dataIn: [ModelBuffer],
                         command: inout ModelBlockCommand) -> UInt8 {
        switch type {
        case ModelBlockBackend.typeIn, ModelBlockBackend.typeOut:
            let reading = type == ModelBlockBackend.typeIn
            let data = reading ? dataIn : dataOut
            if !(reading ? dataOut : dataIn).isEmpty { violation("a \(reading ? "read" : "write") with data in the wrong direction") }
            checkSegments(data)
            let bytes = data.reduce(0) { $0 + Int($1.length) }
            command.dataBytes = bytes
            command.dataSegmentLengths = data.map(\.length)
            if bytes == 0 || bytes % 512 != 0 { violation("a transfer of \(bytes) bytes") }
            guard rangeIsValid(sector, bytes: bytes) else { return ModelBlockBackend.statusIOError }
            let range = sector ..< sector + UInt64(bytes / 512)
            if let status = fault(type, range) { return status }
            let start = Int(sector) * 512
            if reading {
                device.memory.scatter(disk[start ..< start + bytes], into: data)
            } else {
                if options.readOnly {
                    writesToReadOnlyDisk += 1
                    return ModelBlockBackend.statusIOError
                }
                disk.replaceSubrange(start ..< start + bytes, with: device.memory.gather(data))
            }
            return ModelBlockBackend.statusOK

        case ModelBlockBackend.typeFlush:
            if !negotiated(ModelBlockBackend.featureFlush) { violation("FLUSH without VIRTIO_BLK_F_FLUSH") }
            if !dataOut.isEmpty || !dataIn.isEmpty { violation("a flush with data") }
            flushes += 1
            return flushStatus ?? ModelBlockBackend.statusOK

        case ModelBlockBackend.typeGetID:
            let room = dataIn.reduce(0) { $0 + Int($1.length) }
            command.dataBytes = room
            command.dataSegmentLengths = dataIn.map(\.length)
            if room != 20 { violation("GET_ID with \(room) bytes (20 expected)") }
            // QEMU: the serial, NUL-terminated only when shorter than 20 bytes.
            let serial = Array(options.serial.utf8.prefix(20)) + [0]
            device.memory.scatter(serial.prefix(min(serial.count, room, 20))[...], into: dataIn)
            if let status = fault(type, 0 ..< UInt64.max) { return status }
            return ModelBlockBackend.statusOK

        case ModelBlockBackend.typeDiscard, ModelBlockBackend.typeWriteZeroes:
            let zeroes = type == ModelBlockBackend.typeWriteZeroes
            let feature = zeroes ? ModelBlockBackend.featureWriteZeroes : ModelBlockBackend.featureDiscard
            let records = device.memory.gather(dataOut)
            command.dataSegmentLengths = dataOut.map(\.length)
            guard negotiated(feature) else {
                violation((zeroes ? "WRITE_ZEROES" : "DISCARD") + " without its feature")
                return ModelBlockBackend.statusUnsupported
            }
            if !dataIn.isEmpty { violation("discard/write-zeroes with device-writable data") }
            guard !records.isEmpty, records.count % 16 == 0 else {
                violation("discard/write-zeroes data of \(records.count) bytes")
                return ModelBlockBackend.statusIOError
            }
            let maximumSegments = zeroes ? options.writeZeroes?.maximumSegments ?? 1 : options.discard?.maximumSegments ?? 1
            let maximumSectors = zeroes ? options.writeZeroes?.maximumSectors ?? 0 : options.discard?.maximumSectors ?? 0
            // QEMU treats more segments than it allows as a broken driver (virtio_error).
            if records.count / 16 > Int(max(maximumSegments, 1)) {
                violation("\(records.count / 16) segments, the limit is \(maximumSegments)")
            }
            var ranges: [ModelBlockRange] = []
            for index in 0 ..< records.count / 16 {
                ranges.append(ModelBlockRange(sector: ModelBlockBackend.little(records, 16 * index, UInt64.self),
                                              count: ModelBlockBackend.little(records, 16 * index + 8, UInt32.self),
                                              flags: ModelBlockBackend.little(records, 16 * index + 12, UInt32.self)))
            }
            command.ranges = ranges
            for range in ranges {
                if maximumSectors != 0 && range.count > maximumSectors { return ModelBlockBackend.statusIOError }
                guard range.count > 0, rangeIsValid(range.sector, bytes: Int(range.count) * 512) else {
                    return ModelBlockBackend.statusIOError
                }
                if range.flags & ~1 != 0 { return ModelBlockBackend.statusUnsupported }
                if !zeroes && range.flags & 1 != 0 { return ModelBlockBackend.statusUnsupported }
                if zeroes && range.flags & 1 != 0 && !(options.writeZeroes?.mayUnmap ?? false) {
                    violation("write-zeroes with UNMAP although write_zeroes_may_unmap is 0")
                }
                if let status = fault(type, range.sector ..< range.sector + UInt64(range.count)) { return status }
            }
            if options.readOnly {
                writesToReadOnlyDisk += 1
                return ModelBlockBackend.statusIOError
            }
            for range in ranges {
                let start = Int(range.sector) * 512
                let fill: UInt8 = 0
                disk.replaceSubrange(start ..< start + Int(range.count) * 512,
                                     with: repeatElement(fill, count: Int(range.count) * 512))
            }
            return ModelBlockBackend.statusOK

        default:
            return ModelBlockBackend.statusUnsupported
        }
    }
}
