/// Where a directory's entries live: the fixed FAT12/16 root area, or a cluster
/// chain (subdirectories, and the FAT32 root).
struct DirectoryHandle {
    /// The directory's first cluster; 0 for a fixed root.
    var firstCluster: UInt32
    var isRoot: Bool
    /// The volume sectors holding the entries, in order.
    var sectors: [UInt64]
    /// The cluster at the end of the chain (0 for a fixed root), for growing it.
    var lastCluster: UInt32

    var slotCount: Int { sectors.count * (bytesPerSector / DirectoryRecord.size) }
    var bytesPerSector: Int

    /// The value a ".." entry uses for this directory: 0 for the root, even on FAT32.
    var parentReference: UInt32 { isRoot ? 0 : firstCluster }

    func location(ofSlot slot: Int) -> (sector: UInt64, offset: Int) {
        let byte = slot * DirectoryRecord.size
        return (sectors[byte / bytesPerSector], byte % bytesPerSector)
    }
}

/// A file or directory found in a directory: its 8.3 entry, its long name when it
/// has a valid one, and the slots (32-byte entries) it occupies.
struct DirectoryItem {
    var record: DirectoryRecord
    /// The long name when present and valid, else empty.
    var longName: [UInt16]
    /// The first slot of the item (its first LFN entry, or the 8.3 entry).
    var firstSlot: Int
    /// The slot of the 8.3 entry.
    var slot: Int

    /// The name users see: the long name, else the 8.3 name with its case flags.
    var name: [UInt16] { longName.isEmpty ? record.name.displayName(caseFlags: record.caseFlags) : longName }

    func matches(_ wanted: [UInt16]) -> Bool {
        if !longName.isEmpty && NameFolding.equal(longName, wanted) { return true }
        return NameFolding.equal(record.name.displayName(caseFlags: 0), wanted)
    }

    func publicEntry() -> FATDirectoryEntry {
        let shortDisplay = record.name.displayName(caseFlags: 0)
        return FATDirectoryEntry(
            name: String(decoding: name, as: UTF16.self),
            shortName: String(decoding: shortDisplay, as: UTF16.self),
            size: record.isDirectory ? 0 : UInt64(record.size),
            isDirectory: record.isDirectory,
            attributes: record.attributes,
            created: FATTimestamp.decode(date: record.createdDate, time: record.createdTime, tenths: record.createdTenths),
            modified: FATTimestamp.decode(date: record.modifiedDate, time: record.modifiedTime),
            accessed: FATTimestamp.decode(date: record.accessedDate, time: 0),
            firstCluster: record.firstCluster)
    }
}
