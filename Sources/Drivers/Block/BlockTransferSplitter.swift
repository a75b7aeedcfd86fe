import Platform

/// A run of memory the device reads or writes in one descriptor.
struct PhysicalSegment: Equatable {
    var address: UInt64
    var length: Int
}

/// A piece of a caller's request small enough for one device request. Pieces of
/// different requests may share a device request (merging).
struct BlockPiece {
    var operation: BlockOperation
    var sector: UInt64
    /// Sectors covered (0 for flush and get-id).
    var count: UInt64
    /// Data buffers (read, write, get-id).
    var segments: [PhysicalSegment]
    var mayUnmap: Bool
    /// The request record this piece belongs to.
    var record: Int

    var byteCount: Int { segments.reduce(0) { $0 + $1.length } }
}

/// Cuts requests to the device's limits. Pure functions of their inputs, so the
/// limits can be tested without a device.
enum BlockTransferSplitter {
    /// Translation granularity: a buffer is translated page by page, and pages that
    /// are physically contiguous are joined, so the driver stays correct if it ever
    /// runs where virtual and physical memory are not identity-mapped.
    static var pageBytes: Int { 4096 }

    /// Cuts a scatter list into pieces of at most `maximumBytes`, each of at most
    /// `maximumSegments` segments no longer than `maximumSegmentBytes`, and each a
    /// whole number of `blockBytes` blocks (the total must already be one). Nil if
    /// that is impossible: one block spread over more than `maximumSegments` runs.
    static func split<P: Platform>(_ buffers: [BlockBuffer], platform: P, blockBytes: Int, maximumBytes: Int,
                                   maximumSegments: Int, maximumSegmentBytes: Int) -> [[PhysicalSegment]]? {
        guard blockBytes > 0, maximumBytes >= blockBytes, maximumBytes % blockBytes == 0,
              maximumSegments > 0, maximumSegmentBytes > 0 else { return nil }
        var pieces: [[PhysicalSegment]] = []
        var current: [PhysicalSegment] = []
        var currentBytes = 0
        for buffer in buffers {
            guard let base = buffer.address else { continue }
            var offset = 0
            while offset < buffer.count {
                let pointer = base + offset
                let physical = platform.physicalAddress(of: pointer)
                let limit = min(buffer.count - offset, maximumSegmentBytes, maximumBytes - currentBytes)
                // This page, then following pages while they are physically contiguous.
                let intoPage = Int(UInt(bitPattern: pointer) & UInt(pageBytes - 1))
                var run = min(pageBytes - intoPage, limit)
                while run < limit {
                    guard platform.physicalAddress(of: pointer + run) == physical &+ UInt64(run) else { break }
                    run = min(run + pageBytes, limit)
                }
                if let last = current.last, last.address &+ UInt64(last.length) == physical,
                   last.length + run <= maximumSegmentBytes {
                    current[current.count - 1].length += run
                } else {
                    if current.count == maximumSegments {
                        guard cut(&current, &currentBytes, into: &pieces, blockBytes: blockBytes),
                              current.count < maximumSegments else { return nil }
                    }
                    current.append(PhysicalSegment(address: physical, length: run))
                }
                currentBytes += run
                offset += run
                if currentBytes == maximumBytes {
                    pieces.append(current)
                    current = []
                    currentBytes = 0
                }
            }
        }
        if currentBytes > 0 {
            guard currentBytes % blockBytes == 0 else { return nil }
            pieces.append(current)
        }
        return pieces
    }

    /// Ends the current piece at its last block boundary; the bytes of the partial
    /// block after it become the start of the next piece.
    private static func cut(_ current: inout [PhysicalSegment], _ bytes: inout Int,
                            into pieces: inout [[PhysicalSegment]], blockBytes: Int) -> Bool {
        let partial = bytes % blockBytes
        var remainder = partial
        var carry: [PhysicalSegment] = []
        while remainder > 0 {
            guard var last = current.popLast() else { return false }
            if last.length <= remainder {
                carry.insert(last, at: 0)
                remainder -= last.length
            } else {
                let keep = last.length - remainder
                carry.insert(PhysicalSegment(address: last.address &+ UInt64(keep), length: remainder), at: 0)
                last.length = keep
                current.append(last)
                remainder = 0
            }
        }
        guard !current.isEmpty else { return false }
        pieces.append(current)
        current = carry
        bytes = partial
        return true
    }

    /// Cuts a sector range (discard, write-zeroes) into pieces of at most
    /// `maximumSectors`, with piece boundaries on multiples of `alignment` sectors
    /// where the limit allows, and always on multiples of `blockSectors`.
    static func splitRange(sector: UInt64, count: UInt64, maximumSectors: UInt64, alignment: UInt64,
                           blockSectors: UInt64) -> [(sector: UInt64, count: UInt64)] {
        var chunk = maximumSectors
        if alignment > 1 && chunk >= alignment { chunk -= chunk % alignment }
        if blockSectors > 1 { chunk -= chunk % blockSectors }
        if chunk == 0 { chunk = max(blockSectors, 1) }
        var pieces: [(sector: UInt64, count: UInt64)] = []
        var start = sector
        let (end, overflow) = sector.addingReportingOverflow(count)
        guard !overflow else { return [] }
        while start < end {
            // The next multiple of `chunk` after `start`, or the end.
            let (multiple, wrapped) = (start / chunk + 1).multipliedReportingOverflow(by: chunk)
            let stop = wrapped ? end : min(end, multiple)
            pieces.append((start, stop - start))
            start = stop
        }
        return pieces
    }
}
