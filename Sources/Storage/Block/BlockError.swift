/// Why a block device request failed. Devices report these; the block cache and
/// the file system pass them on unchanged (wrapped in `FATError.io`), so the sector
/// range of a failed request reaches the user.
public enum BlockError: Error, Equatable {
    /// The device could not read or write these sectors (a media or transport error).
    case ioError(sector: UInt64, count: Int)
    /// A write, flush or discard on a device that is read-only.
    case readOnly
    /// The request reaches past the end of the device, has a negative count, or its
    /// buffer is smaller than `count` sectors.
    case outOfRange(sector: UInt64, count: Int)
    /// The device cannot do this at all (for example a sector size the caller cannot use).
    case unsupported
    /// The device is gone or broken as a whole (a driver's own words).
    case deviceFailed(String)

    /// One line for a shell or a log.
    public var message: String {
        switch self {
        case .ioError(let sector, let count):
            return "I/O error at sectors \(sector)..<\(sector &+ UInt64(truncatingIfNeeded: max(count, 0)))"
        case .readOnly:
            return "device is read-only"
        case .outOfRange(let sector, let count):
            return "request for \(count) sectors at sector \(sector) is outside the device"
        case .unsupported:
            return "operation not supported by the device"
        case .deviceFailed(let why):
            return "device failed: " + why
        }
    }
}
