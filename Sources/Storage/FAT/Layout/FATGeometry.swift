/// Where everything is on a FAT volume, from the BIOS parameter block (BPB) in
/// sector 0, validated so that nothing computed from it can point outside the
/// volume: every later access (FAT entry, cluster, root directory) stays inside
/// `0 ..< totalSectors`, which lies inside the device.
///
/// Sector numbers here are the volume's logical sectors (`bytesPerSector`), which
/// are also the block cache's blocks.

import Wire
struct FATGeometry {
    var kind: FATKind
    var bytesPerSector: Int
    var sectorsPerCluster: Int
    var reservedSectors: UInt64
    var fatCount: Int
    var sectorsPerFAT: UInt64
    var rootEntryCount: Int
    var totalSectors: UInt64
    /// FAT12/16 only: the fixed root directory.
    var rootDirectoryStart: UInt64
    var rootDirectorySectors: UInt64
    var dataStart: UInt64
    /// Data clusters, numbered 2 ... clusterCount + 1.
    var clusterCount: UInt32
    /// FAT32 only (0 otherwise).
    var rootCluster: UInt32
    /// FAT32 only: the FSInfo sector, when the BPB names a usable one.
    var fsInfoSector: UInt64?
    /// FAT32 with mirroring turned off: the only FAT in use. nil: all copies are mirrors.
    var activeFAT: Int?
    /// The label in the BPB ("" for none / "NO NAME").
    var label: String

    var clusterSize: Int { bytesPerSector * sectorsPerCluster }
    var maxCluster: UInt32 { clusterCount + 1 }

    func firstSector(ofCluster cluster: UInt32) -> UInt64 {
        dataStart + UInt64(cluster - 2) * UInt64(sectorsPerCluster)
    }

    func fatStart(copy: Int) -> UInt64 { reservedSectors + UInt64(copy) * sectorsPerFAT }

    /// Byte offset of `cluster`'s entry from the start of a FAT.
    func entryOffset(_ cluster: UInt32) -> UInt64 {
        switch kind {
        case .fat12: return UInt64(cluster) + UInt64(cluster) / 2
        case .fat16: return UInt64(cluster) * 2
        case .fat32: return UInt64(cluster) * 4
        }
    }

    /// Parses and validates the boot sector. `sector` holds at least 512 bytes;
    /// `deviceBytes` is the size of the device the volume must fit on.
    static func parse(_ sector: UnsafeRawBufferPointer, deviceBytes: UInt64) throws(FATError) -> FATGeometry {
        guard sector.count >= 512 else { throw .corrupt("boot sector shorter than 512 bytes") }
        let bytesPerSector = Int(LittleEndian.u16(sector, 11))
        guard bytesPerSector >= 512, bytesPerSector <= 4096, bytesPerSector & (bytesPerSector - 1) == 0 else {
            throw .corrupt("bad BPB: bytes per sector \(bytesPerSector)")
        }
        let sectorsPerCluster = Int(sector[13])
        guard sectorsPerCluster != 0, sectorsPerCluster & (sectorsPerCluster - 1) == 0 else {
            throw .corrupt("bad BPB: sectors per cluster \(sectorsPerCluster)")
        }
        guard bytesPerSector * sectorsPerCluster <= 65_536 else {
            throw .corrupt("bad BPB: cluster size \(bytesPerSector * sectorsPerCluster) bytes is over 64 KiB")
        }
        let reserved = UInt64(LittleEndian.u16(sector, 14))
        guard reserved >= 1 else { throw .corrupt("bad BPB: no reserved sectors") }
        let fatCount = Int(sector[16])
        guard fatCount != 0 else { throw .corrupt("bad BPB: zero FATs") }
        guard fatCount <= 16 else { throw .corrupt("bad BPB: \(fatCount) FATs") }
        let rootEntries = Int(LittleEndian.u16(sector, 17))
        let total16 = UInt64(LittleEndian.u16(sector, 19))
        let total = total16 != 0 ? total16 : UInt64(LittleEndian.u32(sector, 32))
        guard total != 0 else { throw .corrupt("bad BPB: total sectors 0") }
        let fat16Size = UInt64(LittleEndian.u16(sector, 22))
        // Like Linux and dosfstools: a zero 16-bit FAT size means FAT32, whatever the cluster count.
        let isFAT32 = fat16Size == 0
        let fatSize = isFAT32 ? UInt64(LittleEndian.u32(sector, 36)) : fat16Size
        guard fatSize != 0 else { throw .corrupt("bad BPB: FAT size 0") }
        if isFAT32 && rootEntries != 0 { throw .corrupt("bad BPB: FAT32 with \(rootEntries) root directory entries") }
        if !isFAT32 && rootEntries == 0 { throw .corrupt("bad BPB: no root directory entries") }

        let deviceSectors = deviceBytes / UInt64(bytesPerSector)
        guard total <= deviceSectors else {
            throw .corrupt("bad BPB: volume of \(total) sectors is larger than the device (\(deviceSectors) sectors)")
        }
        let rootSectors = (UInt64(rootEntries) * 32 + UInt64(bytesPerSector) - 1) / UInt64(bytesPerSector)
        let rootStart = reserved + UInt64(fatCount) * fatSize
        let dataStart = rootStart + rootSectors
        guard dataStart < total else {
            throw .corrupt("bad BPB: volume too small: data would start at sector \(dataStart) of \(total)")
        }
        let clusters = (total - dataStart) / UInt64(sectorsPerCluster)
        guard clusters >= 1 else { throw .corrupt("bad BPB: volume too small for one cluster") }
        let kind: FATKind = isFAT32 ? .fat32 : (clusters < 4085 ? .fat12 : .fat16)
        guard clusters + 1 <= UInt64(kind.maximumCluster) else {
            throw .corrupt("bad BPB: \(clusters) clusters is too many for \(kind.name)")
        }
        // The FAT must have an entry for every cluster, or cluster numbers would
        // index past it into the next FAT or the data.
        let entriesPerFAT: UInt64
        switch kind {
        case .fat12: entriesPerFAT = fatSize * UInt64(bytesPerSector) * 2 / 3
        case .fat16: entriesPerFAT = fatSize * UInt64(bytesPerSector) / 2
        case .fat32: entriesPerFAT = fatSize * UInt64(bytesPerSector) / 4
        }
        guard entriesPerFAT >= clusters + 2 else {
            throw .corrupt("bad BPB: FAT of \(fatSize) sectors holds \(entriesPerFAT) entries, too few for \(clusters) clusters")
        }

        var geometry = FATGeometry(
            kind: kind, bytesPerSector: bytesPerSector, sectorsPerCluster: sectorsPerCluster,
            reservedSectors: reserved, fatCount: fatCount, sectorsPerFAT: fatSize, rootEntryCount: rootEntries,
            totalSectors: total, rootDirectoryStart: rootStart, rootDirectorySectors: rootSectors,
            dataStart: dataStart, clusterCount: UInt32(clusters), rootCluster: 0, fsInfoSector: nil,
            activeFAT: nil, label: "")

        let labelOffset: Int
        if kind == .fat32 {
            let root = LittleEndian.u32(sector, 44)
            guard root >= 2, root <= geometry.maxCluster else {
                throw .corrupt("bad BPB: root cluster \(root) out of range (2...\(geometry.maxCluster))")
            }
            geometry.rootCluster = root
            let info = UInt64(LittleEndian.u16(sector, 48))
            if info != 0 && info != 0xFFFF && info < reserved { geometry.fsInfoSector = info }
            let flags = LittleEndian.u16(sector, 40)
            if flags & 0x80 != 0 {
                let active = Int(flags & 0x0F)
                guard active < fatCount else { throw .corrupt("bad BPB: active FAT \(active) of \(fatCount)") }
                geometry.activeFAT = active
            }
            labelOffset = 71
            if sector[66] == 0x29 { geometry.label = FATGeometry.label(sector, labelOffset) }
        } else {
            labelOffset = 43
            if sector[38] == 0x29 { geometry.label = FATGeometry.label(sector, labelOffset) }
        }
        return geometry
    }

    /// An 11-byte space-padded label; "NO NAME" means none.
    static func label(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> String {
        var units: [UInt16] = []
        for index in offset ..< offset + 11 { units.append(CodePage437.unicode(bytes[index])) }
        while let last = units.last, last == 0x20 || last == 0 { units.removeLast() }
        let text = String(decoding: units, as: UTF16.self)
        return text == "NO NAME" ? "" : text
    }
}
