/// Out-of-order data waiting for the hole before it to fill. Bounded both in
/// segments and in bytes so a hostile peer cannot make us hoard memory.
struct TCPReassemblyQueue {
    private(set) var entries: [(sequence: UInt32, bytes: [UInt8])] = []
    private(set) var byteCount = 0
    let maximumSegments: Int

    init(maximumSegments: Int = 128) { self.maximumSegments = maximumSegments }

    var isEmpty: Bool { entries.isEmpty }

    /// Keeps `bytes` (which start at `sequence`, after `expected`) unless the queue is full.
    /// Overlaps with queued data are trimmed so every byte is stored once.
    mutating func insert(sequence: UInt32, bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        var start = sequence
        var data = bytes
        var index = 0
        while index < entries.count && seqLE(entries[index].sequence &+ UInt32(entries[index].bytes.count), start) { index += 1 }
        // Trim against the entry before us / overlapping our start.
        if index < entries.count && seqLE(entries[index].sequence, start) {
            let end = entries[index].sequence &+ UInt32(entries[index].bytes.count)
            let overlap = seqDistance(from: start, to: end)
            if overlap >= data.count { return }
            data.removeFirst(overlap)
            start = end
            index += 1
        }
        // Drop queued entries that we fully cover; trim our tail against the next one.
        while index < entries.count {
            let next = entries[index]
            let ourEnd = start &+ UInt32(data.count)
            if seqLE(ourEnd, next.sequence) { break }
            let nextEnd = next.sequence &+ UInt32(next.bytes.count)
            if seqLE(nextEnd, ourEnd) {
                byteCount -= next.bytes.count
                entries.remove(at: index)
                continue
            }
            data.removeLast(seqDistance(from: next.sequence, to: ourEnd))
            break
        }
        guard !data.isEmpty, entries.count < maximumSegments else { return }
        entries.insert((start, data), at: index)
        byteCount += data.count
    }

    /// Removes and returns data that now starts at or before `expected`, trimmed to start there.
    mutating func takeContiguous(at expected: UInt32) -> [UInt8]? {
        while let first = entries.first {
            let end = first.sequence &+ UInt32(first.bytes.count)
            if seqGT(first.sequence, expected) { return nil }
            entries.removeFirst()
            byteCount -= first.bytes.count
            if seqLE(end, expected) { continue }
            let skip = seqDistance(from: first.sequence, to: expected)
            return Array(first.bytes[skip...])
        }
        return nil
    }

    mutating func removeAll() {
        entries.removeAll()
        byteCount = 0
    }
}
