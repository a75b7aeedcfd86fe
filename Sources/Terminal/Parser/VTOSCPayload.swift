/// The bytes of an operating system command (`ESC ] … BEL` or `ESC ] … ESC \`),
/// held in a fixed 512-byte buffer: bytes past the end are dropped and the
/// payload is flagged truncated (titles and colour specifications fit easily; a
/// longer command, e.g. a clipboard transfer, is not something this console
/// acts on).
///
/// Fields are separated by `;`: `4;1;rgb:ff/00/00` has fields `4`, `1` and
/// `rgb:ff/00/00`. Field access scans the buffer, which is fine at OSC rates.
public struct VTOSCPayload {
    public static let capacity = 512

    private var storage = InlineArray<512, UInt8>(repeating: 0)
    public private(set) var count: Int = 0
    /// More bytes arrived than `capacity`.
    public private(set) var isTruncated = false

    public init() {}

    /// A payload holding `bytes` (truncated to `capacity`), for tests.
    public init(_ bytes: [UInt8]) {
        for byte in bytes { append(byte) }
    }

    /// The byte at `index`, or 0 outside `0..<count`.
    public subscript(index: Int) -> UInt8 {
        guard index >= 0 && index < count else { return 0 }
        return storage[index]
    }

    /// Number of `;`-separated fields (an empty payload has one, empty, field).
    public var fieldCount: Int {
        var fields = 1
        for index in 0 ..< count where storage[index] == UInt8(ascii: ";") { fields += 1 }
        return fields
    }

    /// Byte range of field `index`, or nil past the last field.
    public func field(_ index: Int) -> Range<Int>? {
        guard index >= 0 else { return nil }
        var start = 0
        var field = 0
        var position = 0
        while position <= count {
            if position == count || storage[position] == UInt8(ascii: ";") {
                if field == index { return start ..< position }
                field += 1
                start = position + 1
            }
            position += 1
        }
        return nil
    }

    /// The bytes of field `index` (empty past the last field).
    public func fieldBytes(_ index: Int) -> [UInt8] {
        guard let range = field(index) else { return [] }
        return bytes(in: range)
    }

    /// Bytes in `range` (clamped to the payload).
    public func bytes(in range: Range<Int>) -> [UInt8] {
        let lower = max(0, range.lowerBound)
        let upper = min(count, range.upperBound)
        guard lower < upper else { return [] }
        var result: [UInt8] = []
        result.reserveCapacity(upper - lower)
        for index in lower ..< upper { result.append(storage[index]) }
        return result
    }

    /// Field `index` as a decimal number; nil if absent, empty, not all digits, or
    /// too large (more than 9 digits).
    public func number(inField index: Int) -> Int? {
        guard let range = field(index) else { return nil }
        return VTOSCPayload.decimal(storage, range)
    }

    /// The whole payload as bytes.
    public var allBytes: [UInt8] { bytes(in: 0 ..< count) }

    private static func decimal(_ storage: InlineArray<512, UInt8>, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty && range.count <= 9 else { return nil }
        var value = 0
        for index in range {
            let digit = storage[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    // MARK: Accumulation, driven by the parser

    mutating func removeAll() {
        count = 0
        isTruncated = false
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        guard count < VTOSCPayload.capacity else {
            isTruncated = true
            return
        }
        storage[count] = byte
        count += 1
    }
}
