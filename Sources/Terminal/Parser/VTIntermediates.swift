/// The intermediate bytes (0x20–0x2F) and private markers (0x3C–0x3F: `<`, `=`,
/// `>`, `?`) of an escape, CSI or DCS sequence, in arrival order. At most two are
/// kept, as in vte; a sequence with more is flagged `ignoring`.
public struct VTIntermediates: Equatable {
    public static let capacity = 2

    /// First byte in the low 8 bits, second in the next 8.
    public private(set) var packed: UInt16 = 0
    public private(set) var count: Int = 0

    public init() {}

    /// `VTIntermediates("?")`, `VTIntermediates("?", "$")`: for comparisons.
    public init(_ first: Unicode.Scalar, _ second: Unicode.Scalar? = nil) {
        _ = append(UInt8(truncatingIfNeeded: first.value))
        if let second { _ = append(UInt8(truncatingIfNeeded: second.value)) }
    }

    public var isEmpty: Bool { count == 0 }

    /// The byte at `index`, or 0 past the end.
    public subscript(index: Int) -> UInt8 {
        guard index >= 0 && index < count else { return 0 }
        return UInt8(truncatingIfNeeded: packed >> (8 * index))
    }

    /// Adds a byte; false (and nothing kept) when already full.
    mutating func append(_ byte: UInt8) -> Bool {
        guard count < VTIntermediates.capacity else { return false }
        packed |= UInt16(byte) << (8 * count)
        count += 1
        return true
    }

    mutating func removeAll() {
        packed = 0
        count = 0
    }
}
