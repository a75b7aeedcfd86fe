/// The Internet checksum (RFC 1071) as virtio-net's NEEDS_CSUM asks for it: the
/// driver finishes it itself when the device offers no CSUM, and for received
/// frames the device left partially checksummed.
enum InternetChecksum {
    /// Whether a 16-bit checksum field at `start + offset` lies within `length` bytes.
    static func fits(start: Int, offset: Int, length: Int) -> Bool {
        guard start >= 0, offset >= 0, start <= length else { return false }
        return offset <= length - start - 2 && length - start >= 2
    }

    /// What the device does for NEEDS_CSUM: the ones' complement of the ones'
    /// complement sum from `start` to the end (the field at `start + offset` seeded
    /// with the pseudo-header sum), stored big-endian at `start + offset`.
    static func fill(_ data: UnsafeMutableRawPointer, length: Int, start: Int, offset: Int) -> Bool {
        guard fits(start: start, offset: offset, length: length) else { return false }
        let bytes = data.assumingMemoryBound(to: UInt8.self)
        var sum: UInt32 = 0
        var position = start
        while position + 1 < length {
            sum += UInt32(bytes[position]) << 8 | UInt32(bytes[position + 1])
            if sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
            position += 2
        }
        if position < length { sum += UInt32(bytes[position]) << 8 }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        var result = ~UInt16(truncatingIfNeeded: sum)
        if result == 0 { result = 0xffff }  // 0 means "no checksum" to UDP
        bytes[start + offset] = UInt8(truncatingIfNeeded: result >> 8)
        bytes[start + offset + 1] = UInt8(truncatingIfNeeded: result)
        return true
    }
}
