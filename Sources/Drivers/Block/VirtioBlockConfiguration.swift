import VirtIO

/// virtio-blk feature bits (VirtIO 1.2 §5.2.3).
extension Features {
    /// `size_max` is valid: no data segment may be longer.
    public static let blockSizeMax = Features(bit: 1)
    /// `seg_max` is valid: no request may have more data segments.
    public static let blockSegmentMax = Features(bit: 2)
    public static let blockGeometry = Features(bit: 4)
    /// The disk is read-only.
    public static let blockReadOnly = Features(bit: 5)
    /// `blk_size` is valid: the logical block size.
    public static let blockBlockSize = Features(bit: 6)
    /// VIRTIO_BLK_T_FLUSH works; without it the device writes through.
    public static let blockFlush = Features(bit: 9)
    /// The topology fields are valid.
    public static let blockTopology = Features(bit: 10)
    public static let blockConfigWriteCache = Features(bit: 11)
    public static let blockDiscard = Features(bit: 13)
    public static let blockWriteZeroes = Features(bit: 14)
}

/// Physical layout hints (VIRTIO_BLK_F_TOPOLOGY).
public struct BlockTopology: Equatable {
    /// log2(physical block / logical block).
    public var physicalBlockExponent: UInt8
    /// Offset of the first aligned logical block.
    public var alignmentOffset: UInt8
    /// Suggested minimum I/O size, in logical blocks.
    public var minimumIOSize: UInt16
    /// Optimal (and suggested maximum) I/O size, in logical blocks.
    public var optimalIOSize: UInt32
}

/// What one DISCARD request may carry (VIRTIO_BLK_F_DISCARD), already made usable:
/// a device value of 0 means "no limit" for sectors (as Linux reads it) and 1 for
/// segments, and a 0 alignment means the logical block.
public struct BlockDiscardLimits: Equatable {
    public var maximumSectors: UInt32
    public var maximumSegments: UInt32
    /// Split large discards on multiples of this many sectors.
    public var sectorAlignment: UInt32
}

/// What one WRITE_ZEROES request may carry (VIRTIO_BLK_F_WRITE_ZEROES), made usable as above.
public struct BlockWriteZeroesLimits: Equatable {
    public var maximumSectors: UInt32
    public var maximumSegments: UInt32
    /// Whether the driver may let the device deallocate the zeroed range.
    public var mayUnmap: Bool
}

/// The virtio-blk configuration space (§5.2.4), read once at start-up (and the
/// capacity again on a configuration-change interrupt). Fields whose feature was
/// not negotiated are nil. Values come from the device, so every one is checked
/// before it is used: nonsense falls back to the plain 512-byte disk.
public struct VirtioBlockConfiguration: Equatable {
    /// Disk size in 512-byte sectors, whatever the block size.
    public var capacity: UInt64
    /// Longest data segment in bytes (nil: no limit).
    public var sizeMax: UInt32?
    /// Most data segments in one request (nil: no limit but the queue's).
    public var segMax: UInt32?
    /// `blk_size` as the device reported it.
    public var reportedBlockSize: UInt32?
    public var topology: BlockTopology?
    public var discard: BlockDiscardLimits?
    public var writeZeroes: BlockWriteZeroesLimits?
    public var readOnly: Bool
    public var flush: Bool

    /// Field offsets (§5.2.4).
    enum Offset {
        static let capacity = 0
        static let sizeMax = 8
        static let segMax = 12
        static let blockSize = 20
        static let physicalBlockExponent = 24
        static let alignmentOffset = 25
        static let minimumIOSize = 26
        static let optimalIOSize = 28
        static let maximumDiscardSectors = 36
        static let maximumDiscardSegments = 40
        static let discardSectorAlignment = 44
        static let maximumWriteZeroesSectors = 48
        static let maximumWriteZeroesSegments = 52
        static let writeZeroesMayUnmap = 56
    }

    public init(capacity: UInt64, sizeMax: UInt32? = nil, segMax: UInt32? = nil, reportedBlockSize: UInt32? = nil,
                topology: BlockTopology? = nil, discard: BlockDiscardLimits? = nil,
                writeZeroes: BlockWriteZeroesLimits? = nil, readOnly: Bool = false, flush: Bool = false) {
        self.capacity = capacity
        self.sizeMax = sizeMax
        self.segMax = segMax
        self.reportedBlockSize = reportedBlockSize
        self.topology = topology
        self.discard = discard
        self.writeZeroes = writeZeroes
        self.readOnly = readOnly
        self.flush = flush
    }

    /// Reads the fields `features` (the negotiated ones) make valid.
    public static func read<T: VirtioTransport>(from transport: T, features: Features) -> VirtioBlockConfiguration {
        var configuration = VirtioBlockConfiguration(capacity: transport.configRead64(Offset.capacity))
        if features.contains(.blockSizeMax) { configuration.sizeMax = transport.configRead32(Offset.sizeMax) }
        if features.contains(.blockSegmentMax) { configuration.segMax = transport.configRead32(Offset.segMax) }
        if features.contains(.blockBlockSize) { configuration.reportedBlockSize = transport.configRead32(Offset.blockSize) }
        if features.contains(.blockTopology) {
            configuration.topology = BlockTopology(
                physicalBlockExponent: transport.configRead8(Offset.physicalBlockExponent),
                alignmentOffset: transport.configRead8(Offset.alignmentOffset),
                minimumIOSize: transport.configRead16(Offset.minimumIOSize),
                optimalIOSize: transport.configRead32(Offset.optimalIOSize))
        }
        let blockSectors = UInt32(configuration.logicalBlockSize / 512)
        if features.contains(.blockDiscard) {
            let sectors = transport.configRead32(Offset.maximumDiscardSectors)
            let segments = transport.configRead32(Offset.maximumDiscardSegments)
            let alignment = transport.configRead32(Offset.discardSectorAlignment)
            configuration.discard = BlockDiscardLimits(maximumSectors: sectors == 0 ? .max : sectors,
                                                       maximumSegments: max(segments, 1),
                                                       sectorAlignment: alignment == 0 ? blockSectors : alignment)
        }
        if features.contains(.blockWriteZeroes) {
            let sectors = transport.configRead32(Offset.maximumWriteZeroesSectors)
            let segments = transport.configRead32(Offset.maximumWriteZeroesSegments)
            configuration.writeZeroes = BlockWriteZeroesLimits(maximumSectors: sectors == 0 ? .max : sectors,
                                                               maximumSegments: max(segments, 1),
                                                               mayUnmap: transport.configRead8(Offset.writeZeroesMayUnmap) != 0)
        }
        configuration.readOnly = features.contains(.blockReadOnly)
        configuration.flush = features.contains(.blockFlush)
        return configuration
    }

    /// The logical block size in bytes: `blk_size` when it is a power of two from
    /// 512 to 64 KiB, else 512. Every request's start and length are multiples of it
    /// (QEMU fails a request that is not aligned to its logical block size).
    public var logicalBlockSize: Int {
        guard let reported = reportedBlockSize, reported >= 512, reported <= 65536,
              reported & (reported - 1) == 0 else { return 512 }
        return Int(reported)
    }

    /// Most bytes one data segment may hold (`size_max`, 0 treated as no limit).
    public var maximumSegmentBytes: Int {
        guard let sizeMax, sizeMax > 0 else { return Int(UInt32.max) }
        return Int(sizeMax)
    }

    /// Most data segments in one request (`seg_max`, at least 1).
    public var maximumSegments: Int {
        guard let segMax else { return Int(UInt32.max) }
        return max(Int(segMax), 1)
    }
}
