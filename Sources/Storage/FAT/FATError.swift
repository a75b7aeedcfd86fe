/// Why a FAT operation failed. Bad data on the disk is always `.corrupt` with a
/// description of what is wrong, never a trap; device failures are `.io`.
public enum FATError: Error, Equatable {
    case notFound(String)
    /// A path component that must be a directory is a file.
    case notADirectory(String)
    /// A file operation named a directory.
    case isADirectory(String)
    case exists(String)
    case directoryNotEmpty(String)
    /// No free cluster left, or a fixed FAT12/16 root directory is full.
    case noSpace
    /// The device is read-only; nothing was changed.
    case readOnly
    /// Not a valid FAT long name (or path), with the reason.
    case invalidName(String)
    /// The on-disk structures are damaged: what is wrong and where.
    case corrupt(String)
    case io(BlockError)
    /// A FAT file cannot reach 4 GiB.
    case fileTooLarge
    /// The operation makes no sense here (removing the root, moving a directory into itself).
    case invalidOperation(String)

    /// One line for a shell or a log.
    public var message: String {
        switch self {
        case .notFound(let path): return path + ": no such file or directory"
        case .notADirectory(let path): return path + ": not a directory"
        case .isADirectory(let path): return path + ": is a directory"
        case .exists(let path): return path + ": already exists"
        case .directoryNotEmpty(let path): return path + ": directory not empty"
        case .noSpace: return "no space left on the volume"
        case .readOnly: return "volume is read-only"
        case .invalidName(let why): return "invalid name: " + why
        case .corrupt(let what): return "file system corrupt: " + what
        case .io(let error): return error.message
        case .fileTooLarge: return "file too large for FAT (4 GiB - 1 at most)"
        case .invalidOperation(let why): return why
        }
    }
}
