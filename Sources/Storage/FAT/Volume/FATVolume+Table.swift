/// The file allocation table: reading and writing entries (through the cache,
/// into every mirrored copy), and counting free clusters at mount.

import Wire
extension FATVolume {
    /// The FAT copy entries are read from.
    var readFATCopy: Int { geometry.activeFAT ?? 0 }

    /// The entry of `cluster` (2 ... maxCluster; callers check), FAT32's top four
    /// reserved bits masked off.
    func fatEntry(_ cluster: UInt32) throws(FATError) -> UInt32 {
        let offset = geometry.entryOffset(cluster)
        let bps = UInt64(geometry.bytesPerSector)
        let sector = geometry.fatStart(copy: readFATCopy) + offset / bps
        let within = Int(offset % bps)
        do {
            switch geometry.kind {
            case .fat32:
                return try cache.loadUInt32(block: sector, offset: within) & 0x0FFF_FFFF
            case .fat16:
                return UInt32(try cache.loadUInt16(block: sector, offset: within))
            case .fat12:
                // 12-bit entries are packed in pairs and may straddle two sectors.
                let low = try cache.loadByte(block: sector, offset: within)
                let high = within + 1 < geometry.bytesPerSector
                    ? try cache.loadByte(block: sector, offset: within + 1)
                    : try cache.loadByte(block: sector + 1, offset: 0)
                let pair = UInt32(low) | UInt32(high) << 8
                return cluster & 1 == 0 ? pair & 0xFFF : pair >> 4
            }
        } catch {
            throw .io(error)
        }
    }

    /// Sets the entry of `cluster` in every FAT copy in use (stage `.allocation`).
    func setFATEntry(_ cluster: UInt32, _ value: UInt32) throws(FATError) {
        let offset = geometry.entryOffset(cluster)
        let bps = UInt64(geometry.bytesPerSector)
        let copies = geometry.activeFAT.map { $0 ..< $0 + 1 } ?? 0 ..< geometry.fatCount
        do {
            for copy in copies {
                let sector = geometry.fatStart(copy: copy) + offset / bps
                let within = Int(offset % bps)
                switch geometry.kind {
                case .fat32:
                    // The top four bits are reserved: keep whatever is there.
                    let old = try cache.loadUInt32(block: sector, offset: within)
                    try cache.storeUInt32(old & 0xF000_0000 | value & 0x0FFF_FFFF, block: sector, offset: within,
                                          stage: .allocation)
                case .fat16:
                    try cache.storeUInt16(UInt16(truncatingIfNeeded: value), block: sector, offset: within,
                                          stage: .allocation)
                case .fat12:
                    let highSector = within + 1 < geometry.bytesPerSector ? sector : sector + 1
                    let highOffset = within + 1 < geometry.bytesPerSector ? within + 1 : 0
                    let low = try cache.loadByte(block: sector, offset: within)
                    let high = try cache.loadByte(block: highSector, offset: highOffset)
                    var pair = UInt16(low) | UInt16(high) << 8
                    let v = UInt16(truncatingIfNeeded: value & 0xFFF)
                    pair = cluster & 1 == 0 ? (pair & 0xF000) | v : (pair & 0x000F) | v << 4
                    try cache.storeByte(UInt8(truncatingIfNeeded: pair), block: sector, offset: within, stage: .allocation)
                    try cache.storeByte(UInt8(truncatingIfNeeded: pair >> 8), block: highSector, offset: highOffset,
                                        stage: .allocation)
                }
            }
        } catch {
            throw .io(error)
        }
    }

    /// Counts free clusters with large direct reads of the FAT (no cache churn),
    /// and points the allocation hint at the first free one unless FSInfo gives
    /// a better one later.
    func countFreeClusters() throws(FATError) {
        let bps = geometry.bytesPerSector
        let lastByte = geometry.entryOffset(geometry.maxCluster) + (geometry.kind == .fat32 ? 4 : 2)
        let sectorsNeeded = Int((lastByte + UInt64(bps) - 1) / UInt64(bps))
        // Whole FAT12s in one go (entries straddle sectors); FAT16/32 in 1 MiB
        // chunks: each read waits for the device, so a 64 MiB volume's table is
        // one request instead of eight 64 KiB ones.
        let chunkSectors = geometry.kind == .fat12 ? sectorsNeeded : min(sectorsNeeded, max(1, (1 << 20) / bps))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSectors * bps, alignment: 16)
        defer { buffer.deallocate() }
        var free: UInt32 = 0
        var firstFree: UInt32 = 0
        var cluster: UInt32 = 2
        var chunkStart = 0
        let start = geometry.fatStart(copy: readFATCopy)
        while chunkStart < sectorsNeeded && cluster <= geometry.maxCluster {
            let count = min(chunkSectors, sectorsNeeded - chunkStart)
            do {
                try cache.readDirect(block: start + UInt64(chunkStart), count: count,
                                     into: UnsafeMutableRawBufferPointer(rebasing: buffer[0 ..< count * bps]))
            } catch {
                throw .io(error)
            }
            let chunkFirstByte = UInt64(chunkStart * bps)
            let chunkEndByte = chunkFirstByte + UInt64(count * bps)
            if geometry.kind == .fat32 {
                countFreeFAT32(UnsafeRawBufferPointer(buffer), firstByte: chunkFirstByte, endByte: chunkEndByte,
                               cluster: &cluster, free: &free, firstFree: &firstFree)
            }
            while cluster <= geometry.maxCluster {
                let offset = geometry.entryOffset(cluster)
                let width: UInt64 = geometry.kind == .fat32 ? 4 : 2
                guard offset + width <= chunkEndByte else { break }
                let at = Int(offset - chunkFirstByte)
                let value: UInt32
                switch geometry.kind {
                case .fat32: value = LittleEndian.u32(UnsafeRawBufferPointer(buffer), at) & 0x0FFF_FFFF
                case .fat16: value = UInt32(LittleEndian.u16(UnsafeRawBufferPointer(buffer), at))
                case .fat12:
                    let pair = UInt32(LittleEndian.u16(UnsafeRawBufferPointer(buffer), at))
                    value = cluster & 1 == 0 ? pair & 0xFFF : pair >> 4
                }
                if value == 0 {
                    free += 1
                    if firstFree == 0 { firstFree = cluster }
                }
                cluster += 1
            }
            chunkStart += count
        }
        freeClusterCount = free
        nextFreeHint = firstFree == 0 ? 2 : firstFree
    }

    /// The FAT32 part of `countFreeClusters` for the entries wholly in one chunk
    /// of the table, two entries a load: a fresh volume's table is nearly all
    /// zeros, and the general loop (kind switch, bounds per entry) was the
    /// busiest function of the boot in a sampled profile (64 MiB disk).
    private func countFreeFAT32(_ chunk: UnsafeRawBufferPointer, firstByte: UInt64, endByte: UInt64,
                                cluster: inout UInt32, free: inout UInt32, firstFree: inout UInt32) {
        let last = min(UInt64(geometry.maxCluster), endByte / 4 - 1)
        guard UInt64(cluster) <= last, UInt64(cluster) * 4 >= firstByte, let base = chunk.baseAddress else { return }
        var current = UInt64(cluster)
        var at = Int(current * 4 - firstByte)
        func one(_ entry: UInt32, _ number: UInt64) {
            if entry & 0x0FFF_FFFF == 0 {
                free += 1
                if firstFree == 0 { firstFree = UInt32(number) }
            }
        }
        while current + 1 <= last {
            let pair = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            if pair & 0x0FFF_FFFF_0FFF_FFFF == 0 {
                free += 2
                if firstFree == 0 { firstFree = UInt32(current) }
            } else {
                one(UInt32(truncatingIfNeeded: pair), current)
                one(UInt32(truncatingIfNeeded: pair >> 32), current + 1)
            }
            current += 2
            at += 8
        }
        if current <= last {
            one(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt32.self)), current)
            current += 1
        }
        cluster = UInt32(current)
    }
}
