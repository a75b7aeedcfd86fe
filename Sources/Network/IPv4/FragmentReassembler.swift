/// Puts fragmented IPv4 datagrams back together (RFC 791 / RFC 815), within limits
/// a hostile peer cannot push past: at most `maximumDatagramSize` bytes per
/// datagram, `maximumReassemblies` at once (the oldest is evicted), and `timeout`
/// milliseconds from the first fragment. Overlapping fragments must agree byte for
/// byte with what is already there (a retransmitted duplicate); any disagreement
/// discards the whole datagram, so overlap tricks cannot smuggle in different data.
struct FragmentReassembler {
    static let maximumDatagramSize = 65_535
    static let maximumReassemblies = 8
    static let timeout: UInt64 = 30_000

    enum Outcome: Equatable {
        case incomplete
        case complete(payload: [UInt8])
        /// The datagram was discarded (too big, overlap conflict, inconsistent length).
        case discarded
    }

    private struct Reassembly {
        var source: IPv4Address
        var destination: IPv4Address
        var protocolNumber: UInt8
        var identification: UInt16
        var started: UInt64
        var data: [UInt8] = []
        /// One flag per 8-byte block of payload received.
        var received: [Bool] = []
        /// Payload length, known once the last fragment arrived.
        var totalLength: Int?
    }

    private var reassemblies: [Reassembly] = []
    private(set) var timedOut = 0

    var inProgress: Int { reassemblies.count }

    /// Adds a fragment's payload (the bytes after its header, `header.totalLength` bounded).
    mutating func add(header: IPv4Header, payload: UnsafeRawBufferPointer, now: UInt64) -> Outcome {
        let offset = header.fragmentOffset
        let end = offset + payload.count
        // Non-final fragments carry whole 8-byte blocks; the header limits the datagram to 64 KiB.
        let index = reassemblies.firstIndex {
            $0.source == header.source && $0.destination == header.destination
                && $0.protocolNumber == header.protocolNumber && $0.identification == header.identification
        }
        let invalid = end + header.headerLength > Self.maximumDatagramSize
            || (header.moreFragments && (payload.count == 0 || payload.count % 8 != 0))
        if invalid {
            if let index { reassemblies.remove(at: index) }
            return .discarded
        }
        var slot: Int
        if let index {
            slot = index
        } else {
            if reassemblies.count >= Self.maximumReassemblies,
               let oldest = reassemblies.indices.min(by: { reassemblies[$0].started < reassemblies[$1].started }) {
                reassemblies.remove(at: oldest)
            }
            reassemblies.append(Reassembly(source: header.source, destination: header.destination,
                                           protocolNumber: header.protocolNumber,
                                           identification: header.identification, started: now))
            slot = reassemblies.count - 1
        }
        if accept(&reassemblies[slot], offset: offset, end: end, last: !header.moreFragments, payload: payload) == false {
            reassemblies.remove(at: slot)
            return .discarded
        }
        let entry = reassemblies[slot]
        guard let total = entry.totalLength else { return .incomplete }
        let blocks = (total + 7) / 8
        guard entry.received.count >= blocks else { return .incomplete }
        for block in 0 ..< blocks where !entry.received[block] { return .incomplete }
        reassemblies.remove(at: slot)
        return .complete(payload: Array(entry.data[0 ..< total]))
    }

    /// Copies one fragment in; false when it contradicts what is already there.
    private func accept(_ entry: inout Reassembly, offset: Int, end: Int, last: Bool, payload: UnsafeRawBufferPointer) -> Bool {
        if last {
            if let total = entry.totalLength, total != end { return false }
            // Data already received beyond the announced end contradicts it.
            if entry.data.count > end {
                let firstBlockPast = (end + 7) / 8
                if firstBlockPast < entry.received.count {
                    for block in firstBlockPast ..< entry.received.count where entry.received[block] { return false }
                }
            }
            entry.totalLength = end
        } else if let total = entry.totalLength, end > total {
            return false
        }
        if entry.data.count < end { entry.data += [UInt8](repeating: 0, count: end - entry.data.count) }
        let blocksNeeded = (end + 7) / 8
        if entry.received.count < blocksNeeded {
            entry.received += [Bool](repeating: false, count: blocksNeeded - entry.received.count)
        }
        var position = 0
        while position < payload.count {
            let target = offset + position
            let block = target / 8
            let blockEnd = min(payload.count, position + (8 - target % 8))
            if entry.received[block] {
                for i in position ..< blockEnd where entry.data[offset + i] != payload[i] { return false }
            } else {
                for i in position ..< blockEnd { entry.data[offset + i] = payload[i] }
            }
            position = blockEnd
        }
        for block in offset / 8 ..< blocksNeeded { entry.received[block] = true }
        return true
    }

    /// Drops reassemblies older than `timeout`; returns how many.
    @discardableResult
    mutating func expire(now: UInt64) -> Int {
        let before = reassemblies.count
        reassemblies.removeAll { now >= $0.started && now - $0.started >= Self.timeout }
        timedOut += before - reassemblies.count
        return before - reassemblies.count
    }
}
