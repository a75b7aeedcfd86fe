/// Directory operations: list, info, mkdir, rmdir, rename.
extension FATVolume {
    /// The entries of the directory at `path` ("." and ".." and the volume label left out).
    public func list(_ path: String) throws(FATError) -> [FATDirectoryEntry] {
        let handle = try directory(path)
        var entries: [FATDirectoryEntry] = []
        try scan(handle) { item in
            if !item.record.isVolumeLabel && !item.record.isDotEntry { entries.append(item.publicEntry()) }
            return false
        }
        return entries
    }

    /// The entry for `path`; the root is reported as a directory named "/".
    public func info(_ path: String) throws(FATError) -> FATDirectoryEntry {
        if FATPath.components(path).isEmpty {
            let root = geometry.kind == .fat32 ? geometry.rootCluster : 0
            return FATDirectoryEntry(name: "/", shortName: "/", size: 0, isDirectory: true, attributes: .directory,
                                     created: .epoch, modified: .epoch, accessed: .epoch, firstCluster: root)
        }
        return try locate(path).item.publicEntry()
    }

    /// Creates a directory with its "." and ".." entries. Its cluster is zeroed
    /// and filled (stage `.data`) and claimed in the FAT before the parent's new
    /// entry is written.
    public func makeDirectory(_ path: String) throws(FATError) {
        try checkWritable()
        if FATPath.components(path).isEmpty { throw .exists(path) }
        var (parentDirectory, name, _) = try parent(of: path)
        if try find(name, in: parentDirectory) != nil { throw .exists(path) }
        try checkName(name, path: path)
        let stamp = now
        let cluster = try allocateClusters(1, after: nil)
        do throws(FATError) {
            let start = geometry.firstSector(ofCluster: cluster)
            do {
                for index in 0 ..< geometry.sectorsPerCluster {
                    try cache.zero(block: start + UInt64(index), stage: .data)
                }
            } catch {
                throw FATError.io(error)
            }
            var dot = DirectoryRecord.empty(name: ShortName.dot, attributes: .directory)
            dot.stampCreated(stamp)
            dot.firstCluster = cluster
            var dotDot = dot
            dotDot.name = ShortName.dotDot
            dotDot.firstCluster = parentDirectory.parentReference
            let handle = DirectoryHandle(firstCluster: cluster, isRoot: false, sectors: [start], lastCluster: cluster,
                                         bytesPerSector: geometry.bytesPerSector)
            try store(dot, at: 0, in: handle, stage: .data)
            try store(dotDot, at: 1, in: handle, stage: .data)
            var record = DirectoryRecord.empty(name: ShortName.dot, attributes: .directory)
            record.stampCreated(stamp)
            record.firstCluster = cluster
            _ = try insert(name, record, into: &parentDirectory)
        } catch {
            try? freeChain(cluster)
            throw error
        }
    }

    /// Removes an empty directory.
    public func removeDirectory(_ path: String) throws(FATError) {
        try checkWritable()
        if FATPath.components(path).isEmpty { throw .invalidOperation("cannot remove the root directory") }
        let located = try locate(path)
        guard located.item.record.isDirectory else { throw .notADirectory(path) }
        let handle = try openDirectory(located.item)
        guard try isEmpty(handle) else { throw .directoryNotEmpty(path) }
        try deleteAndFree(located)
    }

    /// Renames or moves a file or directory. The target must not exist (a
    /// different-case spelling of the same name is fine: that renames in place).
    /// A moved directory's ".." is updated.
    public func rename(_ from: String, _ to: String) throws(FATError) {
        try checkWritable()
        if FATPath.components(from).isEmpty { throw .invalidOperation("cannot rename the root directory") }
        if FATPath.components(to).isEmpty { throw .exists(to) }
        let source = try locate(from)
        var (target, name, chain) = try parent(of: to)
        try checkName(name, path: to)
        let record = source.item.record
        if record.isDirectory && chain.contains(record.firstCluster) {
            throw .invalidOperation("cannot move a directory into itself (" + to + ")")
        }
        let sameDirectory = source.directory.firstCluster == target.firstCluster
        if let existing = try find(name, in: target), !(sameDirectory && existing.slot == source.item.slot) {
            throw .exists(to)
        }
        if sameDirectory {
            // Free the old slots first so the new name can reuse them (and its own 8.3 name).
            let saved = try rawSlots(of: source.item, in: source.directory)
            try delete(source.item, in: source.directory)
            do {
                _ = try insert(name, record, into: &target)
            } catch {
                try? restoreSlots(saved, from: source.item.firstSlot, in: source.directory)
                throw error
            }
            return
        }
        // New entry first, then the old one goes: a crash in between leaves two
        // names for one file (fsck fixes that), never none.
        _ = try insert(name, record, into: &target)
        try delete(source.item, in: source.directory)
        if record.isDirectory {
            let moved = try openDirectory(source.item)
            var dotDot: DirectoryItem?
            try scan(moved) { item in
                if item.record.name == ShortName.dotDot {
                    dotDot = item
                    return true
                }
                return false
            }
            if var entry = dotDot {
                entry.record.firstCluster = target.parentReference
                try store(entry.record, at: entry.slot, in: moved)
            }
        }
    }
}
