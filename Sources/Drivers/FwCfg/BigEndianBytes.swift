/// Big-endian loads and stores at byte offsets of a buffer, for the structures
/// fw_cfg and ramfb exchange with QEMU (every multi-byte field of FWCfgFiles,
/// FWCfgDmaAccess and RAMFBCfg is big-endian; docs/specs/fw_cfg.rst). Offsets
/// need no alignment. An offset outside the buffer is a programming error and
/// traps: callers check lengths of device-supplied data first.
public enum BigEndianBytes {
    public static func u16(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt16 {
        precondition(offset >= 0 && offset + 2 <= bytes.count, "BigEndianBytes.u16 out of bounds")
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public static func u32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= bytes.count, "BigEndianBytes.u32 out of bounds")
        var value: UInt32 = 0
        for i in 0..<4 { value = value << 8 | UInt32(bytes[offset + i]) }
        return value
    }

    public static func u64(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        precondition(offset >= 0 && offset + 8 <= bytes.count, "BigEndianBytes.u64 out of bounds")
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(bytes[offset + i]) }
        return value
    }

    public static func store(_ value: UInt16, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + 2 <= bytes.count, "BigEndianBytes.store(UInt16) out of bounds")
        bytes[offset] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value)
    }

    public static func store(_ value: UInt32, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= bytes.count, "BigEndianBytes.store(UInt32) out of bounds")
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * i)) }
    }

    public static func store(_ value: UInt64, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + 8 <= bytes.count, "BigEndianBytes.store(UInt64) out of bounds")
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * i)) }
    }
}
