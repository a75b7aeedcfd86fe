/// The Internet checksum (RFC 1071): the ones' complement of the ones'
/// complement sum of 16-bit big-endian words. Accumulate pieces with `add`
/// (an odd-length piece is padded with a zero byte, so only the last piece may
/// be odd), then read `value`. For TCP and UDP, `addPseudoHeader` first.
public struct InternetChecksum {
    private var sum: UInt64 = 0

    public init() {}

    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        let count = bytes.count
        if count >= 16, let base = bytes.baseAddress {
            // Eight bytes at a time, summed as two 32-bit little-endian numbers:
            // a sum of byte-swapped words is the byte-swapped sum (RFC 1071
            // §2(B)) and 2^16 ≡ 1 (mod 0xFFFF), so folding the wide sum and
            // swapping its bytes gives the big-endian word sum, at a quarter of
            // the loop trips (which matters most in the guest, under TCG).
            var wide: UInt64 = 0
            while index + 8 <= count {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                wide &+= (word & 0xFFFF_FFFF) &+ (word >> 32)
                index += 8
            }
            sum &+= UInt64(InternetChecksum.fold(wide).byteSwapped)
        }
        while index + 1 < count {
            sum &+= UInt64(bytes[index]) << 8 | UInt64(bytes[index + 1])
            index += 2
        }
        if index < count { sum &+= UInt64(bytes[index]) << 8 }
    }

    public mutating func add(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { add($0) }
    }

    public mutating func add(word: UInt16) { sum &+= UInt64(word) }

    /// Source, destination, zero + protocol, length (RFC 793 / 768), with the
    /// IPv4 addresses as 32-bit numbers.
    public mutating func addPseudoHeader(source: UInt32, destination: UInt32, protocol number: UInt8, length: Int) {
        sum &+= UInt64(source >> 16) &+ UInt64(source & 0xFFFF)
        sum &+= UInt64(destination >> 16) &+ UInt64(destination & 0xFFFF)
        sum &+= UInt64(number) &+ UInt64(UInt16(truncatingIfNeeded: length))
    }

    /// The checksum to store (0 stays 0 here; UDP callers map 0 to 0xFFFF).
    public var value: UInt16 { ~partialValue }

    /// The folded sum, not complemented: what goes in a checksum field the
    /// device will finish (checksum offload), when only the pseudo-header is summed.
    public var partialValue: UInt16 { InternetChecksum.fold(sum) }

    /// A wide sum as a 16-bit ones' complement sum (end-around carries added back).
    private static func fold(_ wide: UInt64) -> UInt16 {
        var folded = wide
        while folded > 0xFFFF { folded = (folded & 0xFFFF) &+ (folded >> 16) }
        return UInt16(truncatingIfNeeded: folded)
    }

    /// Over data that includes its checksum field: true when it verifies.
    public var verifies: Bool { value == 0 }

    // MARK: - Finishing a partial checksum (virtio-net's NEEDS_CSUM)

    /// Whether a 16-bit checksum field at `start + offset` lies within `length` bytes.
    public static func fits(start: Int, offset: Int, length: Int) -> Bool {
        guard start >= 0, offset >= 0, start <= length else { return false }
        return offset <= length - start - 2 && length - start >= 2
    }

    /// What a device does for NEEDS_CSUM (the driver when the device cannot, the
    /// stack for an interface without offload): the checksum of everything from
    /// `start` to the end, whose field at `start + offset` holds the
    /// pseudo-header sum, stored big-endian in that field. A result of 0 is
    /// stored as 0xFFFF, as a NIC does: UDP reads 0 as "no checksum", and for
    /// TCP the two are the same number. False when the field lies outside.
    @discardableResult
    public static func complete(_ bytes: UnsafeMutableRawBufferPointer, start: Int, offset: Int) -> Bool {
        guard fits(start: start, offset: offset, length: bytes.count) else { return false }
        var sum = InternetChecksum()
        sum.add(UnsafeRawBufferPointer(rebasing: bytes[start...]))
        let value = sum.value
        BigEndian.store(value == 0 ? 0xFFFF : value, into: bytes, at: start + offset)
        return true
    }
}
