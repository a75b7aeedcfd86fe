/// File operations: read, write, append, truncate, create, remove.
extension FATVolume {
    /// The whole contents of the file at `path`.
    public func readFile(_ path: String) throws(FATError) -> [UInt8] {
        let located = try locate(path)
        let record = located.item.record
        guard !record.isDirectory else { throw .isADirectory(path) }
        let size = Int(record.size)
        guard size > 0 else {
            noteAccess(located)
            return []
        }
        // Check the chain really covers the size before trusting it with memory.
        try checkChain(of: located.item)
        var failure: FATError?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            do throws(FATError) {
                try transfer(first: record.firstCluster, offset: 0, count: size,
                             .read(UnsafeMutableRawBufferPointer(buffer)), name: located.item.name)
                count = size
            } catch {
                failure = error
                count = 0
            }
        }
        if let failure { throw failure }
        noteAccess(located)
        return bytes
    }

    /// Reads up to `buffer.count` bytes from `offset`; returns how many (0 at or past the end).
    public func read(_ path: String, offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(FATError) -> Int {
        let located = try locate(path)
        let record = located.item.record
        guard !record.isDirectory else { throw .isADirectory(path) }
        let size = UInt64(record.size)
        guard offset < size, buffer.count > 0 else { return 0 }
        let count = Int(min(UInt64(buffer.count), size - offset))
        try checkChain(of: located.item)
        try transfer(first: record.firstCluster, offset: offset, count: count,
                     .read(UnsafeMutableRawBufferPointer(rebasing: buffer[0 ..< count])), name: located.item.name)
        noteAccess(located)
        return count
    }

    /// Creates the file or replaces its contents.
    public func writeFile(_ path: String, _ bytes: [UInt8]) throws(FATError) {
        try checkWritable()
        var target = try openOrCreate(path)
        var failure: FATError?
        bytes.withUnsafeBytes { raw in
            do throws(FATError) { try write(&target, offset: 0, raw) } catch { failure = error }
        }
        if let failure { throw failure }
        try truncate(&target, to: UInt64(bytes.count))
    }

    /// Adds `bytes` at the end of the file, creating it if missing.
    public func append(_ path: String, _ bytes: [UInt8]) throws(FATError) {
        try checkWritable()
        var target = try openOrCreate(path)
        var failure: FATError?
        let offset = UInt64(target.item.record.size)
        bytes.withUnsafeBytes { raw in
            do throws(FATError) { try write(&target, offset: offset, raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes `buffer` at `offset`, creating the file if missing and growing it
    /// as needed (a gap before `offset` reads as zeros).
    public func write(_ path: String, offset: UInt64, from buffer: UnsafeRawBufferPointer) throws(FATError) {
        try checkWritable()
        var target = try openOrCreate(path)
        try write(&target, offset: offset, buffer)
    }

    /// Sets the file's size: cuts it short (freeing clusters) or grows it with zeros.
    public func truncate(_ path: String, size: UInt64) throws(FATError) {
        try checkWritable()
        var target = try locate(path)
        guard !target.item.record.isDirectory else { throw .isADirectory(path) }
        try truncate(&target, to: size)
    }

    /// Creates an empty file, or updates the modification time of an existing file or directory.
    public func createFile(_ path: String) throws(FATError) {
        try checkWritable()
        let (parentDirectory, name, _) = try parent(of: path)
        if let item = try find(name, in: parentDirectory) {
            var record = item.record
            record.stampModified(now)
            try store(record, at: item.slot, in: parentDirectory)
            return
        }
        _ = try openOrCreate(path)
    }

    /// Deletes a file (not a directory: `removeDirectory`).
    public func remove(_ path: String) throws(FATError) {
        try checkWritable()
        let located = try locate(path)
        guard !located.item.record.isDirectory else { throw .isADirectory(path) }
        try deleteAndFree(located)
    }

    // MARK: Internals

    /// Checks that a file's chain is valid (in range, no loop, properly ended)
    /// and long enough for its size.
    func checkChain(of item: DirectoryItem) throws(FATError) {
        try checkFirstCluster(item.record.firstCluster, of: item.name)
        let (count, _) = try validatedChain(first: item.record.firstCluster)
        guard UInt64(count) * UInt64(geometry.clusterSize) >= UInt64(item.record.size) else { throw shortChain(item.name) }
    }

    /// The existing file at `path`, or a new empty one.
    func openOrCreate(_ path: String) throws(FATError) -> Located {
        var (directory, name, _) = try parent(of: path)
        if let item = try find(name, in: directory) {
            guard !item.record.isDirectory else { throw .isADirectory(path) }
            return Located(directory: directory, item: item)
        }
        try checkName(name, path: path)
        var record = DirectoryRecord.empty(name: ShortName.dot, attributes: .archive)
        record.stampCreated(now)
        let item = try insert(name, record, into: &directory)
        return Located(directory: directory, item: item)
    }

    /// Writes `buffer` at `offset` of the located file. Order: clusters are
    /// allocated and linked in the FAT and the data written, then the directory
    /// entry gets the new size (see `WriteStage`). On failure every cluster
    /// allocated here is freed again and the entry is unchanged.
    func write(_ target: inout Located, offset: UInt64, _ buffer: UnsafeRawBufferPointer) throws(FATError) {
        var record = target.item.record
        let name = target.item.name
        let oldSize = UInt64(record.size)
        let (end, overflow) = offset.addingReportingOverflow(UInt64(buffer.count))
        guard !overflow, end <= 0xFFFF_FFFF else { throw .fileTooLarge }
        if buffer.count == 0 && offset <= oldSize { return }
        let newSize = max(oldSize, end)
        let clusterSize = UInt64(geometry.clusterSize)
        let needed = Int((newSize + clusterSize - 1) / clusterSize)
        var first = record.firstCluster
        var have = 0
        var last: UInt32 = 0
        if first != 0 {
            try checkFirstCluster(first, of: name)
            (have, last) = try chainEnd(first: first)
        }
        guard UInt64(have) * clusterSize >= oldSize else { throw shortChain(name) }
        var added: UInt32 = 0
        if needed > have {
            added = try allocateClusters(needed - have, after: have > 0 ? last : nil)
            if first == 0 { first = added }
        }
        do throws(FATError) {
            if offset > oldSize { try zeroFill(first: first, from: oldSize, to: offset, name: name) }
            try transfer(first: first, offset: offset, count: buffer.count,
                         .write(buffer, freshFrom: max(oldSize, offset)), name: name)
        } catch {
            if added != 0 {
                if have > 0 { try? setFATEntry(last, geometry.kind.endOfChain) }
                try? freeChain(added)
            }
            throw error
        }
        record.firstCluster = first
        record.size = UInt32(newSize)
        record.stampModified(now)
        record.attributes.insert(.archive)
        try store(record, at: target.item.slot, in: target.directory)
        target.item.record = record
    }

    /// Sets the located file's size. Shrinking writes the entry first, syncs (the
    /// barrier), and only then frees clusters.
    func truncate(_ target: inout Located, to size: UInt64) throws(FATError) {
        var record = target.item.record
        let oldSize = UInt64(record.size)
        guard size <= 0xFFFF_FFFF else { throw .fileTooLarge }
        if size > oldSize {
            try write(&target, offset: size, UnsafeRawBufferPointer(start: nil, count: 0))
            return
        }
        let clusterSize = UInt64(geometry.clusterSize)
        let keep = Int((size + clusterSize - 1) / clusterSize)
        let first = record.firstCluster
        var freeAll = false
        var cutAfterKeep = false
        if first != 0 {
            if keep == 0 {
                freeAll = true
            } else {
                try checkFirstCluster(first, of: target.item.name)
                cutAfterKeep = try chainEnd(first: first).count > keep
            }
        }
        if size == oldSize && !freeAll && !cutAfterKeep { return }
        record.size = UInt32(size)
        if keep == 0 { record.firstCluster = 0 }
        record.stampModified(now)
        record.attributes.insert(.archive)
        try store(record, at: target.item.slot, in: target.directory)
        target.item.record = record
        guard freeAll || cutAfterKeep else { return }
        var barrierError: FATError?
        do { try barrier() } catch { barrierError = error }
        if freeAll {
            if first >= 2 && first <= geometry.maxCluster { try freeChain(first) }
        } else {
            try shortenChain(first: first, keep: keep)
        }
        if let barrierError { throw barrierError }
    }

    /// Deletes the entry, syncs (the barrier: the entry must be gone on disk
    /// before its clusters can be reused), then frees the chain.
    func deleteAndFree(_ located: Located) throws(FATError) {
        try delete(located.item, in: located.directory)
        let first = located.item.record.firstCluster
        guard first != 0 else { return }
        var barrierError: FATError?
        do { try barrier() } catch { barrierError = error }
        if first >= 2 && first <= geometry.maxCluster { try freeChain(first) }
        if let barrierError { throw barrierError }
    }

    /// Keeps the access date current (once a day at most, so reads rarely write;
    /// never on a read-only volume; a failure here does not fail the read).
    func noteAccess(_ located: Located) {
        guard !isReadOnly else { return }
        let today = now.encodedDate
        guard located.item.record.accessedDate != today else { return }
        var record = located.item.record
        record.accessedDate = today
        try? store(record, at: located.item.slot, in: located.directory)
    }
}
