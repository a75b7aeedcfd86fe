/// What can go wrong with a virtio-blk request. `message` is one line for the log
/// or the shell; `VirtioBlock.describe(_:)` prefixes the disk's name
/// ("vda: I/O error reading sectors 2048–2055").
public enum BlockDriverError: Error, Equatable {
    /// The device answered VIRTIO_BLK_S_IOERR for these sectors (the whole device
    /// request that failed, clipped to the caller's request).
    case ioError(operation: BlockOperation, sector: UInt64, count: UInt64)
    /// The device does not offer the operation, or answered VIRTIO_BLK_S_UNSUPP.
    case unsupported(BlockOperation)
    /// The device answered a status byte that is none of OK, IOERR, UNSUPP (or did
    /// not write it at all: the driver pre-fills it with 0xff).
    case badStatus(UInt8, operation: BlockOperation, sector: UInt64, count: UInt64)
    /// A write, discard or write-zeroes to a read-only disk; the device never saw it.
    case readOnly
    /// The range does not lie within the disk.
    case outOfRange(sector: UInt64, count: UInt64, capacity: UInt64)
    /// The request is malformed (empty, not whole sectors, not block-aligned, …).
    case invalidRequest(String)
    /// The device was disabled (nonsense in its used ring, a timeout, or it asked to
    /// be reset); every outstanding and later request fails with this.
    case deviceBroken(String)
    /// `wait` or `result` for a request that was already collected (or never existed).
    case unknownRequest

    public var message: String {
        switch self {
        case .ioError(let operation, let sector, let count):
            switch operation {
            case .flush: return "I/O error flushing the write cache"
            case .getID: return "I/O error reading the serial number"
            default: return "I/O error " + BlockDriverError.verb(operation) + " " + BlockDriverError.sectors(sector, count)
            }
        case .unsupported(let operation):
            return "the device does not support " + operation.name
        case .badStatus(let status, let operation, let sector, let count):
            var text = "the device answered unknown status \(status) " + BlockDriverError.verb(operation)
            if operation != .flush && operation != .getID { text += " " + BlockDriverError.sectors(sector, count) }
            return text
        case .readOnly:
            return "the disk is read-only"
        case .outOfRange(let sector, let count, let capacity):
            return BlockDriverError.sectors(sector, count) + " lie beyond the end of the disk (\(capacity) sectors)"
        case .invalidRequest(let reason):
            return reason
        case .deviceBroken(let reason):
            return "device disabled: " + reason
        case .unknownRequest:
            return "no such request (already collected, or never submitted)"
        }
    }

    static func verb(_ operation: BlockOperation) -> String {
        switch operation {
        case .read: return "reading"
        case .write: return "writing"
        case .flush: return "flushing the write cache"
        case .discard: return "discarding"
        case .writeZeroes: return "zeroing"
        case .getID: return "reading the serial number"
        }
    }

    /// "sector 7" or "sectors 2048–2055".
    static func sectors(_ sector: UInt64, _ count: UInt64) -> String {
        guard count > 1 else { return "sector \(sector)" }
        let (last, overflow) = sector.addingReportingOverflow(count - 1)
        return "sectors \(sector)–" + (overflow ? "…" : "\(last)")
    }
}
