/// What a block request asks the disk to do (virtio-blk request types, §5.2.6).
public enum BlockOperation: Equatable {
    case read
    case write
    case flush
    case discard
    case writeZeroes
    /// Read the device's serial number (VIRTIO_BLK_T_GET_ID, 20 bytes).
    case getID

    public var name: String {
        switch self {
        case .read: return "read"
        case .write: return "write"
        case .flush: return "flush"
        case .discard: return "discard"
        case .writeZeroes: return "write-zeroes"
        case .getID: return "get-id"
        }
    }

    /// The request type in the header.
    var typeCode: UInt32 {
        switch self {
        case .read: return 0
        case .write: return 1
        case .flush: return 4
        case .getID: return 8
        case .discard: return 11
        case .writeZeroes: return 13
        }
    }

    /// Whether the request changes what is on the disk (refused on a read-only disk,
    /// and waited for by a later flush).
    public var changesDisk: Bool {
        switch self {
        case .write, .discard, .writeZeroes: return true
        case .read, .flush, .getID: return false
        }
    }

    /// Whether the request carries data buffers (as opposed to a sector range or nothing).
    var carriesData: Bool {
        switch self {
        case .read, .write, .getID: return true
        case .flush, .discard, .writeZeroes: return false
        }
    }
}

/// Caller-owned memory a request reads from or writes into. The device is given
/// its physical address (`Platform.physicalAddress(of:)`), so it must stay valid,
/// and untouched by the caller, until the request completes.
public struct BlockBuffer {
    public let address: UnsafeRawPointer?
    public let count: Int

    public init(address: UnsafeRawPointer?, count: Int) {
        self.address = address
        self.count = address == nil ? 0 : max(count, 0)
    }
    public init(_ buffer: UnsafeMutableRawBufferPointer) {
        self.init(address: buffer.baseAddress.map { UnsafeRawPointer($0) }, count: buffer.count)
    }
    public init(_ buffer: UnsafeRawBufferPointer) {
        self.init(address: buffer.baseAddress, count: buffer.count)
    }
}

/// One request for `VirtioBlock.submit`. Sectors are always 512 bytes (the virtio
/// unit), whatever the disk's logical block size. Reads and writes take a scatter
/// list: the buffers are filled (or written out) one after another.
public struct BlockRequest {
    public let operation: BlockOperation
    /// First sector (read, write, discard, write-zeroes).
    public let sector: UInt64
    /// Sectors to discard or zero (read and write count their buffers instead).
    public let rangeCount: UInt64
    public let buffers: [BlockBuffer]
    /// Write-zeroes only: the device may deallocate the range (honoured only when
    /// the device allows it, `write_zeroes_may_unmap`).
    public let mayUnmap: Bool

    init(operation: BlockOperation, sector: UInt64 = 0, rangeCount: UInt64 = 0, buffers: [BlockBuffer] = [],
         mayUnmap: Bool = false) {
        self.operation = operation
        self.sector = sector
        self.rangeCount = rangeCount
        self.buffers = buffers
        self.mayUnmap = mayUnmap
    }

    /// Reads `buffer.count / 512` sectors starting at `sector` into `buffer`.
    public static func read(sector: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> BlockRequest {
        BlockRequest(operation: .read, sector: sector, buffers: [BlockBuffer(buffer)])
    }
    /// Reads consecutive sectors into several buffers, in order.
    public static func read(sector: UInt64, into buffers: [UnsafeMutableRawBufferPointer]) -> BlockRequest {
        BlockRequest(operation: .read, sector: sector, buffers: buffers.map { BlockBuffer($0) })
    }
    public static func write(sector: UInt64, from buffer: UnsafeRawBufferPointer) -> BlockRequest {
        BlockRequest(operation: .write, sector: sector, buffers: [BlockBuffer(buffer)])
    }
    /// Writes several buffers, in order, to consecutive sectors.
    public static func write(sector: UInt64, from buffers: [UnsafeRawBufferPointer]) -> BlockRequest {
        BlockRequest(operation: .write, sector: sector, buffers: buffers.map { BlockBuffer($0) })
    }
    /// Makes every write that completed before it durable. The driver issues it only
    /// after every earlier write has completed (a barrier), since the device covers
    /// completed writes only.
    public static var flush: BlockRequest { BlockRequest(operation: .flush) }
    public static func discard(sector: UInt64, count: UInt64) -> BlockRequest {
        BlockRequest(operation: .discard, sector: sector, rangeCount: count)
    }
    public static func writeZeroes(sector: UInt64, count: UInt64, mayUnmap: Bool = false) -> BlockRequest {
        BlockRequest(operation: .writeZeroes, sector: sector, rangeCount: count, mayUnmap: mayUnmap)
    }
    /// Reads the serial number (up to 20 bytes, NUL-terminated only when shorter)
    /// into the first 20 bytes of `buffer`.
    public static func getID(into buffer: UnsafeMutableRawBufferPointer) -> BlockRequest {
        BlockRequest(operation: .getID, buffers: [BlockBuffer(buffer)])
    }
}

/// Names a submitted request: which record slot, and which use of it (so a stale
/// ID never finds a later request that reused the slot).
public struct BlockRequestID: Equatable, Hashable {
    public let rawValue: UInt64
    init(slot: Int, serial: UInt32) { rawValue = UInt64(serial) << 32 | UInt64(UInt32(truncatingIfNeeded: slot)) }
    var slot: Int { Int(UInt32(truncatingIfNeeded: rawValue)) }
    var serial: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 32) }
}

/// How a finished request ended.
public enum BlockRequestOutcome: Equatable {
    case succeeded
    case failed(BlockDriverError)
}

/// Counters for the `devices` command and the tests.
public struct BlockStatistics {
    /// Requests accepted by `submit`.
    public var requestsSubmitted: UInt64 = 0
    /// Requests placed in the virtqueue (after splitting and merging).
    public var deviceRequests: UInt64 = 0
    /// Pieces that rode along in an earlier piece's device request (merging).
    public var mergedPieces: UInt64 = 0
    public var sectorsRead: UInt64 = 0
    public var sectorsWritten: UInt64 = 0
    /// Device requests that finished with a status other than OK.
    public var failedDeviceRequests: UInt64 = 0
    /// Used-buffer interrupts handled.
    public var interrupts: UInt64 = 0
    /// Completions found by polling after an interrupt did not come.
    public var polledCompletions: UInt64 = 0
    /// Most device requests in flight at once.
    public var mostInFlight: Int = 0
}
