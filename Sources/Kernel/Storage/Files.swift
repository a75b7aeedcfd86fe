import Platform
import Shell
import Storage

/// Why a file operation failed, in words for the shell.
enum FilesError: Error {
    case fat(FATError)
    /// There is no disk with a file system to hold the path.
    case noVolume(String)
    /// `mv` between two disks.
    case crossDevice

    var message: String {
        switch self {
        case .fat(let error): return error.message
        case .noVolume(let path): return path + ": no disk with a FAT file system"
        case .crossDevice: return "cannot move between disks (copy, then remove)"
        }
    }

    /// The shell's own error type, for redirections and `run`.
    func shellError(_ path: String) -> ShellFileError {
        switch self {
        case .fat(.notFound): return .notFound(path: path)
        case .fat(.isADirectory): return .isADirectory(path: path)
        case .fat(.notADirectory): return .notADirectory(path: path)
        case .fat(.readOnly): return .readOnly(path: path)
        case .fat(.noSpace): return .noSpace(path: path)
        default: return .failed(path: path, reason: message)
        }
    }
}

/// The file tree the shell sees: the first disk's volume at "/", the others
/// at "/vdb", "/vdc", …. Paths come in absolute and normalised (the shell
/// resolves them against its current directory).
final class Files {
    /// One file-system operation at a time: the shell and httpd both walk the
    /// FAT and the block cache, and both block on the disk in the middle.
    let lock = KernelMutex("files")
    let disks: Disks

    static let historyPath = "/.lumen_history"
    static let autorunPath = "/autorun.sh"

    init(disks: Disks) {
        self.disks = disks
    }

    /// The time stamped on files: the RTC's, or 1980 plus the time since boot.
    static func timestamp(clock: Clock) -> FATTimestamp {
        if let seconds = clock.unixSeconds() { return FATTimestamp.fromUnixSeconds(Int64(seconds)) }
        return FATTimestamp.fromUnixSeconds(315_532_800 + Int64(GenericTimer.now().nanoseconds / 1_000_000_000))
    }

    /// The volume holding `path` and the path inside it.
    func route(_ path: String) throws(FilesError) -> (volume: KernelVolume, path: String) {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        if let first = components.first {
            for (index, disk) in disks.disks.enumerated() where index > 0 && disk.device.name == first {
                guard let volume = disk.volume else { throw .noVolume(path) }
                return (volume, "/" + components.dropFirst().joined(separator: "/"))
            }
        }
        guard let volume = disks.disks.first?.volume else { throw .noVolume(path) }
        return (volume, path.isEmpty ? "/" : path)
    }

    /// Runs one file-system operation under the lock; FAT errors become `FilesError`.
    func fat<T>(_ body: () throws(FATError) -> T) throws(FilesError) -> T {
        lock.lock()
        defer { lock.unlock() }
        do { return try body() } catch { throw .fat(error) }
    }

    func readFile(_ path: String) throws(FilesError) -> [UInt8] {
        let (volume, inner) = try route(path)
        return try fat { () throws(FATError) in try volume.readFile(inner) }
    }

    func writeFile(_ path: String, _ bytes: [UInt8], append: Bool) throws(FilesError) {
        let (volume, inner) = try route(path)
        try fat { () throws(FATError) in
            if append { try volume.append(inner, bytes) } else { try volume.writeFile(inner, bytes) }
        }
    }

    func info(_ path: String) throws(FilesError) -> FATDirectoryEntry {
        let (volume, inner) = try route(path)
        return try fat { () throws(FATError) in try volume.info(inner) }
    }

    func isDirectory(_ path: String) -> Bool {
        if path == "/" { return true }
        do { return try info(path).isDirectory } catch { return false }
    }

    /// The entries of a directory; the root also lists the other disks' mount points.
    func list(_ path: String) throws(FilesError) -> [FATDirectoryEntry] {
        var entries: [FATDirectoryEntry] = []
        if path == "/" {
            for (index, disk) in disks.disks.enumerated() where index > 0 && disk.volume != nil {
                entries.append(FATDirectoryEntry(name: disk.device.name, shortName: "", size: 0, isDirectory: true,
                                                 attributes: [], created: .epoch, modified: .epoch, accessed: .epoch,
                                                 firstCluster: 0))
            }
            if disks.disks.first?.volume == nil {
                guard !entries.isEmpty else { throw .noVolume(path) }
                return entries
            }
        }
        let (volume, inner) = try route(path)
        return entries + (try fat { () throws(FATError) in try volume.list(inner) })
    }

    /// For Tab completion: nil if `path` is not a directory.
    func directoryListing(_ path: String) -> [ShellDirectoryEntry]? {
        do {
            return try list(path).map { ShellDirectoryEntry(name: $0.name, isDirectory: $0.isDirectory) }
        } catch {
            return nil
        }
    }

    func remove(_ path: String) throws(FilesError) {
        let (volume, inner) = try route(path)
        try fat { () throws(FATError) in try volume.remove(inner) }
    }

    func makeDirectory(_ path: String) throws(FilesError) {
        let (volume, inner) = try route(path)
        try fat { () throws(FATError) in try volume.makeDirectory(inner) }
    }

    func removeDirectory(_ path: String) throws(FilesError) {
        let (volume, inner) = try route(path)
        try fat { () throws(FATError) in try volume.removeDirectory(inner) }
    }

    func touch(_ path: String) throws(FilesError) {
        let (volume, inner) = try route(path)
        try fat { () throws(FATError) in try volume.createFile(inner) }
    }

    func rename(_ from: String, _ to: String) throws(FilesError) {
        let (source, sourcePath) = try route(from)
        let (target, targetPath) = try route(to)
        guard source === target else { throw .crossDevice }
        try fat { () throws(FATError) in try source.rename(sourcePath, targetPath) }
    }

    /// Writes back every volume's cache and flushes its disk; `report` gets one
    /// line per volume that failed.
    @discardableResult
    func syncAll(report: (String) -> Void) -> Bool {
        var ok = true
        lock.lock()
        defer { lock.unlock() }
        for disk in disks.disks {
            guard let volume = disk.volume, !volume.isReadOnly else { continue }
            do { try volume.sync() } catch {
                report("sync: " + disk.device.name + ": " + error.message)
                ok = false
            }
        }
        return ok
    }

    // MARK: - The shell's files

    func loadHistory() -> [UInt8]? {
        guard let volume = disks.disks.first?.volume else { return nil }
        return try? fat { () throws(FATError) in try volume.readFile(Files.historyPath) }
    }

    /// Keeps the history on the first disk (and on the disk, not just in the
    /// cache: a typed command survives a power cut).
    func saveHistory(_ bytes: [UInt8]) {
        guard let volume = disks.disks.first?.volume, !volume.isReadOnly else { return }
        do throws(FilesError) {
            try fat { () throws(FATError) in
                try volume.writeFile(Files.historyPath, bytes)
                try volume.sync()
            }
        } catch {
            // A full or failing disk must not break the prompt; the history
            // stays in memory.
        }
    }

    /// /autorun.sh from the first disk, if there is one.
    func autorunScript() -> [UInt8]? {
        guard let volume = disks.disks.first?.volume else { return nil }
        return try? fat { () throws(FATError) in try volume.readFile(Files.autorunPath) }
    }
}
