/// Directories: finding their sectors, reading their entries (joining long-name
/// entries to their 8.3 entry), adding and deleting entries, growing them.

import Wire
extension FATVolume {
    /// FAT allows at most 65536 entries (2 MiB) per directory; longer chains are
    /// treated as damage (and this bounds the memory a looping chain could take).
    static var maximumDirectorySlots: Int { 65_536 }

    func openRoot() throws(FATError) -> DirectoryHandle {
        let bps = geometry.bytesPerSector
        if geometry.kind == .fat32 {
            return try openChain(geometry.rootCluster, isRoot: true, name: [0x2F])
        }
        let start = geometry.rootDirectoryStart
        let sectors = (0 ..< geometry.rootDirectorySectors).map { start + $0 }
        return DirectoryHandle(firstCluster: 0, isRoot: true, sectors: sectors, lastCluster: 0, bytesPerSector: bps)
    }

    /// The directory `item` (which must be one).
    func openDirectory(_ item: DirectoryItem) throws(FATError) -> DirectoryHandle {
        try checkFirstCluster(item.record.firstCluster, of: item.name)
        return try openChain(item.record.firstCluster, isRoot: false, name: item.name)
    }

    private func openChain(_ first: UInt32, isRoot: Bool, name: [UInt16]) throws(FATError) -> DirectoryHandle {
        if let cached = directoryHandles[first], cached.generation == chainGeneration { return cached.handle }
        let bps = geometry.bytesPerSector
        let perCluster = geometry.sectorsPerCluster
        let maximumClusters = max(1, Self.maximumDirectorySlots * DirectoryRecord.size / geometry.clusterSize)
        var sectors: [UInt64] = []
        var cluster = first
        var clusters = 1
        var loop = LoopDetector(start: first)
        while true {
            let start = geometry.firstSector(ofCluster: cluster)
            for index in 0 ..< perCluster { sectors.append(start + UInt64(index)) }
            guard let next = try nextCluster(after: cluster) else { break }
            clusters += 1
            if clusters > Int(geometry.clusterCount) || loop.revisits(next) { throw loopError(next) }
            if clusters > maximumClusters {
                throw .corrupt("directory \"" + String(decoding: name, as: UTF16.self) + "\" is longer than 2 MiB")
            }
            cluster = next
        }
        let handle = DirectoryHandle(firstCluster: first, isRoot: isRoot, sectors: sectors, lastCluster: cluster,
                                     bytesPerSector: bps)
        remember(handle)
        return handle
    }

    private func remember(_ handle: DirectoryHandle) {
        if directoryHandles.count >= 16 { directoryHandles.removeAll() }
        directoryHandles[handle.firstCluster] = (handle, chainGeneration)
    }

    /// Calls `visit` for every 8.3 entry in `directory` in order (including "."
    /// "..", and volume labels; never deleted or LFN entries) with its long name
    /// when a valid one precedes it. Stops at the end marker or when `visit`
    /// returns true.
    func scan(_ directory: DirectoryHandle, _ visit: (DirectoryItem) -> Bool) throws(FATError) {
        let kind = geometry.kind
        let perSector = geometry.bytesPerSector / DirectoryRecord.size
        var units = [UInt16](repeating: 0, count: 20 * LongName.unitsPerEntry)
        var expected = 0        // next LFN sequence number wanted; 0 = none in progress
        var parts = 0           // LFN entries in the name being assembled, 0 when none
        var checksum: UInt8 = 0
        var lfnStart = 0
        var finished = false
        var slot = 0
        for sector in directory.sectors {
            do {
                try cache.withBlock(sector) { raw in
                    for index in 0 ..< perSector {
                        defer { slot += 1 }
                        let offset = index * DirectoryRecord.size
                        let first = raw[offset]
                        if first == DirectoryRecord.endMarker {
                            finished = true
                            return
                        }
                        if first == DirectoryRecord.deletedMarker {
                            parts = 0
                            continue
                        }
                        let attributes = raw[offset + 11]
                        if attributes & 0x3F == FATAttributes.longName.rawValue {
                            let sequence = Int(first & 0x1F)
                            if first & 0x40 != 0 {
                                guard sequence >= 1 && sequence <= 20 else { parts = 0; continue }
                                parts = sequence
                                checksum = raw[offset + 13]
                                lfnStart = slot
                            } else if parts == 0 || sequence != expected || sequence == 0 || raw[offset + 13] != checksum {
                                parts = 0
                                continue
                            }
                            for position in 0 ..< LongName.unitsPerEntry {
                                let at = offset + LongName.unitOffsets[position]
                                units[(sequence - 1) * LongName.unitsPerEntry + position] = LittleEndian.u16(raw, at)
                            }
                            expected = sequence - 1
                            continue
                        }
                        let record = DirectoryRecord(raw, at: offset, kind: kind)
                        var longName: [UInt16] = []
                        var itemStart = slot
                        if parts > 0 && expected == 0 && record.name.checksum == checksum {
                            var length = 0
                            let limit = parts * LongName.unitsPerEntry
                            while length < limit && units[length] != 0 { length += 1 }
                            if length > 0 && length <= LongName.maximumLength {
                                longName = Array(units[0 ..< length])
                                itemStart = lfnStart
                            }
                        }
                        parts = 0
                        if visit(DirectoryItem(record: record, longName: longName, firstSlot: itemStart, slot: slot)) {
                            finished = true
                            return
                        }
                    }
                }
            } catch {
                throw .io(error)
            }
            if finished { return }
        }
    }

    /// The file or directory called `name` in `directory` (labels and dot entries never match).
    func find(_ name: [UInt16], in directory: DirectoryHandle) throws(FATError) -> DirectoryItem? {
        try index(of: directory).find(name)
    }

    /// The directory's name index: kept from earlier calls, or built with one scan.
    func index(of directory: DirectoryHandle) throws(FATError) -> DirectoryIndex {
        if let cached = directoryIndexes[directory.firstCluster], cached.generation == chainGeneration,
           cached.index.slotCount == directory.slotCount {
            return cached.index
        }
        let index = DirectoryIndex(slotCount: directory.slotCount)
        try scan(directory) { item in
            index.add(item)
            return false
        }
        index.setFree(try freeRuns(directory))
        // A handful of directories is the working set; past that, start over.
        if directoryIndexes.count >= 16 { directoryIndexes.removeAll() }
        directoryIndexes[directory.firstCluster] = (index, chainGeneration)
        return index
    }

    /// Forgets `directory`'s index (after a change it does not follow, or an error).
    func dropIndex(of directory: DirectoryHandle) {
        directoryIndexes[directory.firstCluster] = nil
    }

    /// Runs of free slots (deleted entries, and everything from the end marker on).
    private func freeRuns(_ directory: DirectoryHandle) throws(FATError) -> [Range<Int>] {
        let perSector = geometry.bytesPerSector / DirectoryRecord.size
        var free: [Range<Int>] = []
        var runStart = -1
        var ended = false
        var slot = 0
        for sector in directory.sectors {
            if ended { break }
            do {
                try cache.withBlock(sector) { raw in
                    for index in 0 ..< perSector {
                        let offset = index * DirectoryRecord.size
                        let first = raw[offset]
                        if first == DirectoryRecord.endMarker {
                            ended = true
                            return
                        }
                        if first == DirectoryRecord.deletedMarker {
                            if runStart < 0 { runStart = slot }
                        } else if runStart >= 0 {
                            free.append(runStart ..< slot)
                            runStart = -1
                        }
                        slot += 1
                    }
                }
            } catch {
                throw .io(error)
            }
        }
        if runStart < 0 { runStart = slot }
        if runStart < directory.slotCount { free.append(runStart ..< directory.slotCount) }
        return free
    }

    /// Adds an entry called `name` (already checked with `LongName.problem`) for
    /// `template` (everything but the name), writing a long name when the name is
    /// not a plain 8.3 name, and growing the directory when it is full.
    func insert(_ name: [UInt16], _ template: DirectoryRecord,
                into directory: inout DirectoryHandle) throws(FATError) -> DirectoryItem {
        let index = try self.index(of: directory)
        let free = index.free
        func isTaken(_ candidate: ShortName) -> Bool { index.taken.contains(candidate) }
        var record = template
        var longEntries: [[UInt8]] = []
        if let (short, flags) = ShortName.exact(for: name), !isTaken(short) {
            record.name = short
            record.caseFlags = flags
        } else {
            guard let short = ShortName.generate(for: name, isTaken: isTaken) else { throw .noSpace }
            record.name = short
            record.caseFlags = 0
            longEntries = LongName.entries(for: name, checksum: short.checksum)
        }
        let needed = longEntries.count + 1
        var start = -1
        var inTail = false      // the slots come from the free run that ends the directory
        for run in free where run.count >= needed {
            start = run.lowerBound
            inTail = run.upperBound == directory.slotCount
            break
        }
        if start < 0 {
            inTail = true
            // Grow: the new slots continue the trailing free run, if there is one.
            if let last = free.last, last.upperBound == directory.slotCount {
                start = last.lowerBound
            } else {
                start = directory.slotCount
            }
            while directory.slotCount - start < needed { try grow(&directory) }
        }
        var slot = start
        var written = false
        defer { if !written { dropIndex(of: directory) } }
        do {
            for entry in longEntries {
                let (sector, offset) = directory.location(ofSlot: slot)
                try cache.write(block: sector, offset: offset, bytes: entry, stage: .directory)
                slot += 1
            }
            let (sector, offset) = directory.location(ofSlot: slot)
            try cache.write(block: sector, offset: offset, bytes: record.encoded, stage: .directory)
            // Entries past the end marker should be zero but on a damaged disk may
            // not be: keep the end marker right after the new entry, so whatever
            // lies beyond does not suddenly appear as files.
            if inTail && slot + 1 < directory.slotCount {
                let (nextSector, nextOffset) = directory.location(ofSlot: slot + 1)
                if try cache.loadByte(block: nextSector, offset: nextOffset) != DirectoryRecord.endMarker {
                    try cache.storeByte(DirectoryRecord.endMarker, block: nextSector, offset: nextOffset, stage: .directory)
                }
            }
        } catch {
            throw .io(error)
        }
        written = true
        let item = DirectoryItem(record: record, longName: longEntries.isEmpty ? [] : name, firstSlot: start, slot: slot)
        index.inserted(item, slotCount: directory.slotCount)
        return item
    }

    /// Adds a zeroed cluster to a directory's chain. A fixed root cannot grow.
    private func grow(_ directory: inout DirectoryHandle) throws(FATError) {
        guard directory.lastCluster != 0 else { throw .noSpace }
        let perCluster = geometry.clusterSize / DirectoryRecord.size
        guard directory.slotCount + perCluster <= Self.maximumDirectorySlots else { throw .noSpace }
        let cluster = try allocateClusters(1, after: directory.lastCluster)
        let start = geometry.firstSector(ofCluster: cluster)
        do {
            // Stage .data: nothing points at this cluster until the FAT link is written.
            for index in 0 ..< geometry.sectorsPerCluster {
                try cache.zero(block: start + UInt64(index), stage: .data)
                directory.sectors.append(start + UInt64(index))
            }
        } catch {
            directoryHandles[directory.firstCluster] = nil
            throw .io(error)
        }
        directory.lastCluster = cluster
        remember(directory)
    }

    /// Rewrites the 8.3 entry of `item` with `record`.
    func store(_ record: DirectoryRecord, at slot: Int, in directory: DirectoryHandle,
               stage: WriteStage = .directory) throws(FATError) {
        let (sector, offset) = directory.location(ofSlot: slot)
        do {
            try cache.write(block: sector, offset: offset, bytes: record.encoded, stage: stage)
        } catch {
            dropIndex(of: directory)
            throw .io(error)
        }
        directoryIndexes[directory.firstCluster]?.index.stored(record, at: slot)
    }

    /// Marks all slots of `item` (long-name entries and the 8.3 entry) deleted.
    func delete(_ item: DirectoryItem, in directory: DirectoryHandle) throws(FATError) {
        do {
            for slot in item.firstSlot ... item.slot {
                let (sector, offset) = directory.location(ofSlot: slot)
                try cache.storeByte(DirectoryRecord.deletedMarker, block: sector, offset: offset, stage: .directory)
            }
        } catch {
            dropIndex(of: directory)
            throw .io(error)
        }
        directoryIndexes[directory.firstCluster]?.index.deleted(item)
    }

    /// The raw bytes of `item`'s slots (to put them back if a rename fails).
    func rawSlots(of item: DirectoryItem, in directory: DirectoryHandle) throws(FATError) -> [[UInt8]] {
        var result: [[UInt8]] = []
        do {
            for slot in item.firstSlot ... item.slot {
                let (sector, offset) = directory.location(ofSlot: slot)
                result.append(try cache.readBytes(block: sector, offset: offset, count: DirectoryRecord.size))
            }
        } catch {
            throw .io(error)
        }
        return result
    }

    func restoreSlots(_ slots: [[UInt8]], from firstSlot: Int, in directory: DirectoryHandle) throws(FATError) {
        dropIndex(of: directory)
        do {
            for (index, bytes) in slots.enumerated() {
                let (sector, offset) = directory.location(ofSlot: firstSlot + index)
                try cache.write(block: sector, offset: offset, bytes: bytes, stage: .directory)
            }
        } catch {
            throw .io(error)
        }
    }

    /// True when `directory` holds nothing but "." and "..".
    func isEmpty(_ directory: DirectoryHandle) throws(FATError) -> Bool {
        var empty = true
        try scan(directory) { item in
            if item.record.isDotEntry || item.record.isVolumeLabel { return false }
            empty = false
            return true
        }
        return empty
    }
}
