// Byte order for everything that crosses a wire or a disk: network packets
// (big-endian), fw_cfg and ramfb structures (big-endian), the device tree
// (big-endian), FAT on-disk structures and virtio-input answers (little-endian).
// One home below DeviceTree, Drivers, Storage and Network.

/// Big-endian loads and stores at byte offsets (no alignment needed). An
/// offset outside the buffer is a programming error and traps: callers check
/// the lengths of outside data first (or use the optional `bigEndianUInt16(at:)`).
public enum BigEndian {
    @inline(__always)
    public static func u16(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt16 {
        precondition(offset >= 0 && offset + 2 <= bytes.count, "BigEndian.u16 out of bounds")
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    @inline(__always)
    public static func u32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= bytes.count, "BigEndian.u32 out of bounds")
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    public static func u64(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        UInt64(u32(bytes, at: offset)) << 32 | UInt64(u32(bytes, at: offset + 4))
    }

    public static func store(_ value: UInt16, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + 2 <= bytes.count, "BigEndian.store(UInt16) out of bounds")
        bytes[offset] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value)
    }

    public static func store(_ value: UInt32, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= bytes.count, "BigEndian.store(UInt32) out of bounds")
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * i)) }
    }

    public static func store(_ value: UInt64, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        store(UInt32(truncatingIfNeeded: value >> 32), into: bytes, at: offset)
        store(UInt32(truncatingIfNeeded: value), into: bytes, at: offset + 4)
    }
}

/// Little-endian field access for on-disk and device structures. Callers check
/// bounds first (they work on buffers of known size); an offset outside traps.
public enum LittleEndian {
    @inline(__always)
    public static func u16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    @inline(__always)
    public static func u32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    public static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        bytes.withUnsafeBytes { u16($0, offset) }
    }

    public static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        bytes.withUnsafeBytes { u32($0, offset) }
    }

    public static func put16(_ value: UInt16, _ bytes: inout [UInt8], _ offset: Int) {
        bytes[offset] = UInt8(truncatingIfNeeded: value)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }

    public static func put32(_ value: UInt32, _ bytes: inout [UInt8], _ offset: Int) {
        for index in 0 ..< 4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }
}

/// Big-endian (network order) reads and writes at byte offsets, bounds-checked:
/// a read past the end gives nil, never a trap (frames come from outside).
extension UnsafeRawBufferPointer {
    public func bigEndianUInt16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= count else { return nil }
        return UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    public func bigEndianUInt32(at offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= count else { return nil }
        return UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }
}

extension Array where Element == UInt8 {
    public mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func storeBigEndian(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: value)
    }
}
