/// Moving file contents between a caller's buffer and the clusters of a chain.
///
/// The chain is walked once per call and cut into extents: runs of physically
/// contiguous clusters. Whole sectors inside an extent move with one direct
/// device request (the cache splits at 1 MiB) straight into or out of the
/// caller's buffer; only a partial sector at either end goes through the cache.
extension FATVolume {
    enum DataTransfer {
        case read(UnsafeMutableRawBufferPointer)
        /// `freshFrom`: file offset from which the file's old contents do not
        /// matter (its old size), so partial sectors there need not be read first.
        case write(UnsafeRawBufferPointer, freshFrom: UInt64)
    }

    /// Transfers `count` bytes at file `offset` of the chain starting at `first`
    /// (whose size the caller has checked covers them).
    func transfer(first: UInt32, offset: UInt64, count: Int, _ mode: DataTransfer, name: [UInt16]) throws(FATError) {
        guard count > 0 else { return }
        let clusterSize = UInt64(geometry.clusterSize)
        var index = Int(offset / clusterSize)
        guard first != 0, var cluster = try cluster(at: index, first: first) else { throw shortChain(name) }
        var within = Int(offset % clusterSize)
        var done = 0
        while done < count {
            let extentStart = byteOffset(ofCluster: cluster) + UInt64(within)
            var extentLength = min(Int(clusterSize) - within, count - done)
            var following: UInt32 = 0
            // Grow the extent through clusters that follow on disk.
            while done + extentLength < count {
                guard let next = try nextCluster(after: cluster) else { throw shortChain(name) }
                index += 1
                if index >= Int(geometry.clusterCount) { throw loopError(next) }
                if next == cluster + 1 {
                    cluster = next
                    extentLength += min(Int(clusterSize), count - done - extentLength)
                } else {
                    following = next
                    break
                }
            }
            try transferExtent(volumeOffset: extentStart, length: extentLength, bufferOffset: done,
                               fileOffset: offset + UInt64(done), mode)
            done += extentLength
            within = 0
            if following != 0 { cluster = following }
        }
        rememberPosition(first: first, index: index, cluster: cluster)
    }

    func shortChain(_ name: [UInt16]) -> FATError {
        .corrupt("\"" + String(decoding: name, as: UTF16.self) + "\": size is larger than its cluster chain")
    }

    func byteOffset(ofCluster cluster: UInt32) -> UInt64 {
        geometry.firstSector(ofCluster: cluster) * UInt64(geometry.bytesPerSector)
    }

    /// One physically contiguous piece: partial sectors through the cache, the
    /// whole sectors between them directly.
    private func transferExtent(volumeOffset: UInt64, length: Int, bufferOffset: Int, fileOffset: UInt64,
                                _ mode: DataTransfer) throws(FATError) {
        let bps = geometry.bytesPerSector
        var position = 0
        do {
            while position < length {
                let sector = (volumeOffset + UInt64(position)) / UInt64(bps)
                let within = Int((volumeOffset + UInt64(position)) % UInt64(bps))
                let bufferStart = bufferOffset + position
                if within != 0 || length - position < bps {
                    let n = min(bps - within, length - position)
                    switch mode {
                    case .read(let buffer):
                        try cache.read(block: sector, offset: within,
                                       into: UnsafeMutableRawBufferPointer(rebasing: buffer[bufferStart ..< bufferStart + n]))
                    case .write(let buffer, let freshFrom):
                        let part = UnsafeRawBufferPointer(rebasing: buffer[bufferStart ..< bufferStart + n])
                        let sectorFileStart = fileOffset + UInt64(position) - UInt64(within)
                        if sectorFileStart >= freshFrom {
                            try cache.writeFresh(block: sector, offset: within, from: part, stage: .data)
                        } else {
                            try cache.write(block: sector, offset: within, from: part, stage: .data)
                        }
                    }
                    position += n
                } else {
                    let sectors = (length - position) / bps
                    let bytes = sectors * bps
                    switch mode {
                    case .read(let buffer):
                        try cache.readDirect(block: sector, count: sectors,
                                             into: UnsafeMutableRawBufferPointer(rebasing: buffer[bufferStart ..< bufferStart + bytes]))
                    case .write(let buffer, _):
                        try cache.writeDirect(block: sector, count: sectors,
                                              from: UnsafeRawBufferPointer(rebasing: buffer[bufferStart ..< bufferStart + bytes]))
                    }
                    position += bytes
                }
            }
        } catch {
            throw .io(error)
        }
    }

    /// Writes zeros over file bytes `from ..< to` (growing a file past its end:
    /// FAT has no holes, and the clusters may hold an old file's data).
    func zeroFill(first: UInt32, from: UInt64, to: UInt64, name: [UInt16]) throws(FATError) {
        guard to > from else { return }
        let chunk = Int(min(to - from, 256 * 1024))
        let zeros = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { zeros.deallocate() }
        zeros.initializeMemory(as: UInt8.self, repeating: 0)
        var position = from
        while position < to {
            let n = Int(min(UInt64(chunk), to - position))
            try transfer(first: first, offset: position, count: n,
                         .write(UnsafeRawBufferPointer(rebasing: zeros[0 ..< n]), freshFrom: from), name: name)
            position += UInt64(n)
        }
    }
}
