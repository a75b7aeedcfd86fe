/// How `FATFormatter` lays out a new volume.

import Wire
public struct FATFormatOptions: Sendable {
    /// nil: FAT12 below 16 MiB, FAT16 below 512 MiB, FAT32 above.
    public var kind: FATKind?
    /// 0: the smallest that gives the FAT kind a valid cluster count (FAT32: by size, like Windows).
    public var sectorsPerCluster: Int
    /// Up to 11 characters (upper-cased); "" for none.
    public var label: String
    /// nil: derived from the clock.
    public var volumeID: UInt32?
    /// FAT12/16 root directory entries (rounded up to fill its sectors).
    public var rootEntries: Int

    public init(kind: FATKind? = nil, sectorsPerCluster: Int = 0, label: String = "", volumeID: UInt32? = nil,
                rootEntries: Int = 512) {
        self.kind = kind
        self.sectorsPerCluster = sectorsPerCluster
        self.label = label
        self.volumeID = volumeID
        self.rootEntries = rootEntries
    }
}

/// Writes an empty FAT file system over a whole device (like `mkfs.fat`): boot
/// sector, FSInfo and backup boot sector on FAT32, two FATs, an empty root
/// directory with the label. The data area is not touched.
public enum FATFormatter {
    public static func format<Device: BlockDevice>(_ device: Device, options: FATFormatOptions = FATFormatOptions(),
                                                   clock: () -> FATTimestamp) throws(FATError) {
        guard !device.isReadOnly else { throw .readOnly }
        let bps = device.sectorSize
        guard bps >= 512, bps <= 4096, bps & (bps - 1) == 0 else { throw .io(.unsupported) }
        let total = min(device.sectorCount, UInt64(UInt32.max))
        let bytes = total * UInt64(bps)
        let kind = options.kind ?? (bytes < 16 << 20 ? .fat12 : bytes < 512 << 20 ? .fat16 : .fat32)
        let label = try labelBytes(options.label)
        let layout = try chooseLayout(kind: kind, totalSectors: total, bytesPerSector: bps, options: options)
        let stamp = clock()
        let volumeID = options.volumeID
            ?? (UInt32(stamp.encodedDate) << 16 | UInt32(stamp.encodedTime)) ^ UInt32(truncatingIfNeeded: total)

        // Zero everything up to the data area (and the FAT32 root cluster).
        let dataStart = layout.reserved + 2 * layout.fatSize + layout.rootSectors
        let zeroEnd = kind == .fat32 ? dataStart + UInt64(layout.sectorsPerCluster) : dataStart
        let chunkSectors = max(1, 65_536 / bps)
        let zeros = [UInt8](repeating: 0, count: chunkSectors * bps)
        var sector: UInt64 = 0
        while sector < zeroEnd {
            let n = Int(min(UInt64(chunkSectors), zeroEnd - sector))
            try write(device, sector, zeros, count: n)
            sector += UInt64(n)
        }

        var boot = [UInt8](repeating: 0, count: bps)
        boot[0] = 0xEB
        boot[1] = kind == .fat32 ? 0x58 : 0x3C
        boot[2] = 0x90
        for (index, byte) in "MSWIN4.1".utf8.enumerated() { boot[3 + index] = byte }
        LittleEndian.put16(UInt16(bps), &boot, 11)
        boot[13] = UInt8(layout.sectorsPerCluster)
        LittleEndian.put16(UInt16(layout.reserved), &boot, 14)
        boot[16] = 2
        LittleEndian.put16(UInt16(layout.rootEntries), &boot, 17)
        if total < 65_536 && kind != .fat32 {
            LittleEndian.put16(UInt16(total), &boot, 19)
        } else {
            LittleEndian.put32(UInt32(total), &boot, 32)
        }
        boot[21] = 0xF8                         // media: fixed disk
        LittleEndian.put16(32, &boot, 24)       // sectors per track (CHS, unused)
        LittleEndian.put16(64, &boot, 26)       // heads
        let extended: Int
        if kind == .fat32 {
            LittleEndian.put32(UInt32(layout.fatSize), &boot, 36)
            LittleEndian.put32(2, &boot, 44)    // root cluster
            LittleEndian.put16(1, &boot, 48)    // FSInfo sector
            LittleEndian.put16(6, &boot, 50)    // backup boot sector
            extended = 64
        } else {
            LittleEndian.put16(UInt16(layout.fatSize), &boot, 22)
            extended = 36
        }
        boot[extended] = 0x80                   // drive number
        boot[extended + 2] = 0x29               // extended boot signature: ID, label, type follow
        LittleEndian.put32(volumeID, &boot, extended + 3)
        let bpbLabel = label.isEmpty ? Array("NO NAME    ".utf8) : label
        for index in 0 ..< 11 { boot[extended + 7 + index] = bpbLabel[index] }
        let typeName: [UInt8] = Array((kind.name + "   ").utf8)
        for index in 0 ..< 8 { boot[extended + 18 + index] = typeName[index] }
        // Boot code: halt forever (this disk does not boot).
        let code = extended + 26
        boot[code] = 0xF4
        boot[code + 1] = 0xEB
        boot[code + 2] = 0xFD
        boot[510] = 0x55
        boot[511] = 0xAA
        try write(device, 0, boot, count: 1)

        let clusters = layout.clusters
        if kind == .fat32 {
            var info = [UInt8](repeating: 0, count: bps)
            LittleEndian.put32(FSInfo.leadSignature, &info, FSInfo.leadOffset)
            LittleEndian.put32(FSInfo.structSignature, &info, FSInfo.structOffset)
            LittleEndian.put32(UInt32(clusters - 1), &info, FSInfo.freeCountOffset)
            LittleEndian.put32(3, &info, FSInfo.nextFreeOffset)
            LittleEndian.put32(FSInfo.trailSignature, &info, FSInfo.trailOffset)
            try write(device, 1, info, count: 1)
            try write(device, 6, boot, count: 1)
            try write(device, 7, info, count: 1)
        }

        // FAT[0] holds the media byte, FAT[1] an end-of-chain mark; on FAT32 the
        // root directory's cluster 2 is a one-cluster chain.
        var fat = [UInt8](repeating: 0, count: bps)
        switch kind {
        case .fat12: fat[0] = 0xF8; fat[1] = 0xFF; fat[2] = 0xFF
        case .fat16: LittleEndian.put16(0xFFF8, &fat, 0); LittleEndian.put16(0xFFFF, &fat, 2)
        case .fat32:
            LittleEndian.put32(0x0FFF_FFF8, &fat, 0)
            LittleEndian.put32(0x0FFF_FFFF, &fat, 4)
            LittleEndian.put32(0x0FFF_FFFF, &fat, 8)
        }
        for copy in 0 ..< 2 {
            try write(device, layout.reserved + UInt64(copy) * layout.fatSize, fat, count: 1)
        }

        if !label.isEmpty {
            var record = DirectoryRecord.empty(name: ShortName(bytes: label), attributes: .volumeLabel)
            record.modifiedDate = stamp.encodedDate
            record.modifiedTime = stamp.encodedTime
            var root = [UInt8](repeating: 0, count: bps)
            for (index, byte) in record.encoded.enumerated() { root[index] = byte }
            let rootSector = kind == .fat32 ? dataStart : layout.reserved + 2 * layout.fatSize
            try write(device, rootSector, root, count: 1)
        }
        do { try device.flush() } catch { throw .io(error) }
    }

    struct Layout {
        var sectorsPerCluster: Int
        var reserved: UInt64
        var rootEntries: Int
        var rootSectors: UInt64
        var fatSize: UInt64
        var clusters: UInt64
    }

    static func chooseLayout(kind: FATKind, totalSectors total: UInt64, bytesPerSector bps: Int,
                             options: FATFormatOptions) throws(FATError) -> Layout {
        let reserved: UInt64 = kind == .fat32 ? 32 : 1
        let perSector = bps / DirectoryRecord.size
        let rootEntries = kind == .fat32 ? 0 : (max(options.rootEntries, 1) + perSector - 1) / perSector * perSector
        guard rootEntries <= 65_535 else { throw .invalidOperation("too many root directory entries") }
        let rootSectors = UInt64(rootEntries / perSector)
        var candidates: [Int] = []
        if options.sectorsPerCluster != 0 {
            let spc = options.sectorsPerCluster
            guard spc <= 128, spc & (spc - 1) == 0, spc * bps <= 65_536 else {
                throw .invalidOperation("sectors per cluster must be a power of two up to 64 KiB clusters")
            }
            candidates = [spc]
        } else {
            var spc = 1
            if kind == .fat32 {
                // Windows' FAT32 cluster sizes: 512 B below 260 MiB, then 4, 8, 16, 32 KiB.
                let bytes = total * UInt64(bps)
                let cluster: UInt64 = bytes < 260 << 20 ? 512 : bytes < 8 << 30 ? 4_096
                    : bytes < 16 << 30 ? 8_192 : bytes < 32 << 30 ? 16_384 : 32_768
                spc = max(1, Int(cluster) / bps)
            }
            while spc <= 128 && spc * bps <= 32_768 {
                candidates.append(spc)
                spc *= 2
            }
        }
        for spc in candidates {
            var fatSize: UInt64 = 1
            var clusters: UInt64 = 0
            while true {
                let overhead = reserved + 2 * fatSize + rootSectors
                guard overhead < total else { break }
                clusters = (total - overhead) / UInt64(spc)
                let fatBytes: UInt64
                switch kind {
                case .fat12: fatBytes = (clusters + 2) * 3 / 2 + 1
                case .fat16: fatBytes = (clusters + 2) * 2
                case .fat32: fatBytes = (clusters + 2) * 4
                }
                let needed = (fatBytes + UInt64(bps) - 1) / UInt64(bps)
                if needed <= fatSize { break }
                fatSize = needed
            }
            guard clusters >= 1, reserved + 2 * fatSize + rootSectors < total else { continue }
            let layout = Layout(sectorsPerCluster: spc, reserved: reserved, rootEntries: rootEntries,
                                rootSectors: rootSectors, fatSize: fatSize, clusters: clusters)
            switch kind {
            case .fat12: if clusters < 4085 { return layout }
            case .fat16: if clusters >= 4085 && clusters <= 65_524 { return layout }
            case .fat32:
                // At least Microsoft's minimum: mtools (and Windows) take a FAT with
                // fewer clusters for FAT16 whatever the BPB says.
                if clusters >= 65_525 && clusters <= 0x0FFF_FFF5 { return layout }
            }
        }
        throw .invalidOperation("cannot lay out \(kind.name) on \(total) sectors of \(bps) bytes")
    }

    /// The label as 11 space-padded upper-case bytes ([] for none).
    static func labelBytes(_ label: String) throws(FATError) -> [UInt8] {
        if label.isEmpty { return [] }
        var bytes: [UInt8] = []
        for unit in label.utf16 {
            var u = unit
            if u >= 0x61 && u <= 0x7A { u -= 0x20 }
            let valid = (u >= 0x41 && u <= 0x5A) || (u >= 0x30 && u <= 0x39) || u == 0x20 || ShortName.isSpecial(u)
            guard valid, bytes.count < 11 else { throw .invalidName("volume label \"" + label + "\"") }
            bytes.append(UInt8(u))
        }
        while bytes.count < 11 { bytes.append(0x20) }
        return bytes
    }

    private static func write<Device: BlockDevice>(_ device: Device, _ sector: UInt64, _ bytes: [UInt8],
                                                   count: Int) throws(FATError) {
        var failure: BlockError?
        bytes.withUnsafeBytes { raw in
            do throws(BlockError) { try device.write(sector: sector, count: count, from: raw) } catch { failure = error }
        }
        if let failure { throw .io(failure) }
    }
}
