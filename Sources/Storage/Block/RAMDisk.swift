/// A block device in memory, for tests, fuzzing and RAM drives.
///
/// Besides storing sectors it can misbehave on purpose: reads or writes touching
/// chosen sector ranges fail with `.ioError`, flushes can fail, and the disk can be
/// made read-only. It counts every request (and can log them) so tests can check
/// how the layers above talk to a device (for example that a large read is one
/// request per contiguous run).
public final class RAMDisk: BlockDevice {
    /// One request as the device saw it, when `isLogging` is on.
    public struct Request: Equatable {
        public enum Kind: Equatable { case read, write, flush, discard }
        public var kind: Kind
        public var sector: UInt64
        public var count: Int
    }

    /// Request counters; `sectorsRead`/`sectorsWritten` count sectors, the others requests.
    public struct Counters: Equatable {
        public var reads = 0
        public var writes = 0
        public var flushes = 0
        public var discards = 0
        public var sectorsRead: UInt64 = 0
        public var sectorsWritten: UInt64 = 0
        public init() {}
    }

    public let sectorSize: Int
    public var sectorCount: UInt64 { UInt64(storage.count / sectorSize) }
    public var isReadOnly: Bool
    /// The disk's contents: `sectorCount * sectorSize` bytes.
    public var bytes: [UInt8] {
        get { storage }
        set {
            storage = newValue
            let remainder = storage.count % sectorSize
            if remainder != 0 { storage += [UInt8](repeating: 0, count: sectorSize - remainder) }
        }
    }
    public private(set) var counters = Counters()

    /// Reads of any sector in these ranges fail with `.ioError` naming the request.
    public var failingReads: [Range<UInt64>] = []
    /// Writes of any sector in these ranges fail (nothing of the request is written).
    public var failingWrites: [Range<UInt64>] = []
    /// When set, `flush` fails with `.ioError(sector: 0, count: 0)`.
    public var failsFlush = false
    /// When set, every request is appended to `log`.
    public var isLogging = false
    public private(set) var log: [Request] = []

    private var storage: [UInt8]

    /// A zero-filled disk. `sectorSize` must be a power of two of at least 64.
    public init(sectorCount: Int, sectorSize: Int = 512, readOnly: Bool = false) {
        if sectorSize < 64 || sectorSize & (sectorSize - 1) != 0 { fatalError("RAMDisk: bad sector size") }
        self.sectorSize = sectorSize
        self.isReadOnly = readOnly
        self.storage = [UInt8](repeating: 0, count: max(sectorCount, 0) * sectorSize)
    }

    /// A disk holding `image`, padded with zeros to a whole sector.
    public convenience init(image: [UInt8], sectorSize: Int = 512, readOnly: Bool = false) {
        self.init(sectorCount: 0, sectorSize: sectorSize, readOnly: readOnly)
        self.bytes = image
    }

    public func resetCounters() {
        counters = Counters()
        log.removeAll()
    }

    public func read(sector: UInt64, count: Int, into buffer: UnsafeMutableRawBufferPointer) throws(BlockError) {
        try validate(sector: sector, count: count, bufferBytes: buffer.count)
        record(.read, sector, count)
        if overlaps(failingReads, sector, count) { throw .ioError(sector: sector, count: count) }
        counters.reads += 1
        counters.sectorsRead += UInt64(count)
        guard count > 0, let destination = buffer.baseAddress else { return }
        let start = Int(sector) * sectorSize
        storage.withUnsafeBytes { source in
            destination.copyMemory(from: source.baseAddress! + start, byteCount: count * sectorSize)
        }
    }

    public func write(sector: UInt64, count: Int, from buffer: UnsafeRawBufferPointer) throws(BlockError) {
        guard !isReadOnly else { throw .readOnly }
        try validate(sector: sector, count: count, bufferBytes: buffer.count)
        record(.write, sector, count)
        if overlaps(failingWrites, sector, count) { throw .ioError(sector: sector, count: count) }
        counters.writes += 1
        counters.sectorsWritten += UInt64(count)
        guard count > 0, let source = buffer.baseAddress else { return }
        let start = Int(sector) * sectorSize
        storage.withUnsafeMutableBytes { destination in
            (destination.baseAddress! + start).copyMemory(from: source, byteCount: count * sectorSize)
        }
    }

    /// Succeeds on a read-only disk too: there is nothing to make durable.
    public func flush() throws(BlockError) {
        record(.flush, 0, 0)
        if failsFlush { throw .ioError(sector: 0, count: 0) }
        counters.flushes += 1
    }

    /// Discarded sectors read back as zeros, like a thinly provisioned disk.
    public func discard(sector: UInt64, count: Int) throws(BlockError) {
        guard !isReadOnly else { throw .readOnly }
        try validate(sector: sector, count: count, bufferBytes: Int.max)
        record(.discard, sector, count)
        counters.discards += 1
        let start = Int(sector) * sectorSize
        for index in start ..< start + count * sectorSize { storage[index] = 0 }
    }

    private func record(_ kind: Request.Kind, _ sector: UInt64, _ count: Int) {
        if isLogging { log.append(Request(kind: kind, sector: sector, count: count)) }
    }

    private func overlaps(_ ranges: [Range<UInt64>], _ sector: UInt64, _ count: Int) -> Bool {
        let request = sector ..< sector + UInt64(count)
        for range in ranges where range.overlaps(request) { return true }
        return false
    }
}
