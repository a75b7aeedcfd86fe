/// A disk as the storage stack sees it: fixed-size sectors addressed from 0.
///
/// The kernel adapts its virtio-blk driver to this protocol; tests use `RAMDisk`.
/// Class-bound so that the cache and the file system can hold the device by
/// reference and be generic over it (no existentials in Embedded Swift).
///
/// Every request names whole sectors; the buffer must hold at least
/// `count * sectorSize` bytes. Requests are synchronous: when `write` returns the
/// device has the data, but it may sit in a volatile write cache until `flush`.
public protocol BlockDevice: AnyObject {
    /// Bytes per sector (512 normally; a power of two).
    var sectorSize: Int { get }
    var sectorCount: UInt64 { get }
    var isReadOnly: Bool { get }
    func read(sector: UInt64, count: Int, into buffer: UnsafeMutableRawBufferPointer) throws(BlockError)
    func write(sector: UInt64, count: Int, from buffer: UnsafeRawBufferPointer) throws(BlockError)
    /// Makes every completed write durable (a write barrier for the device's own cache).
    func flush() throws(BlockError)
    /// Tells the device these sectors hold nothing of value; may be a no-op.
    func discard(sector: UInt64, count: Int) throws(BlockError)
}

extension BlockDevice {
    /// Total size in bytes (saturating, so an absurd device size cannot trap).
    public var byteCount: UInt64 {
        let (product, overflow) = sectorCount.multipliedReportingOverflow(by: UInt64(max(sectorSize, 0)))
        return overflow ? UInt64.max : product
    }

    /// Checks a request against the device's bounds and the buffer's size; devices
    /// call this first so a bad request becomes `.outOfRange`, never a trap.
    public func validate(sector: UInt64, count: Int, bufferBytes: Int) throws(BlockError) {
        guard count >= 0 else { throw .outOfRange(sector: sector, count: count) }
        let (end, overflow) = sector.addingReportingOverflow(UInt64(count))
        guard !overflow, end <= sectorCount else { throw .outOfRange(sector: sector, count: count) }
        let (bytes, bytesOverflow) = count.multipliedReportingOverflow(by: sectorSize)
        guard !bytesOverflow, bytes <= bufferBytes else { throw .outOfRange(sector: sector, count: count) }
    }
}
