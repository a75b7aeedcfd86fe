/// An Ethernet (EUI-48) address.
public struct MACAddress: Equatable, Hashable, CustomStringConvertible {
    public var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ e: UInt8, _ f: UInt8) {
        bytes = (a, b, c, d, e, f)
    }

    /// From 6 bytes at `offset` of `buffer` (nil if they are not there).
    public init?(_ buffer: UnsafeRawBufferPointer, at offset: Int) {
        guard offset >= 0, offset + 6 <= buffer.count else { return nil }
        bytes = (buffer[offset], buffer[offset + 1], buffer[offset + 2], buffer[offset + 3], buffer[offset + 4], buffer[offset + 5])
    }

    /// "52:54:00:12:34:56" (or with `-`, any case); nil for anything else.
    public init?(_ text: String) {
        var values: [UInt8] = []
        var current: UInt8 = 0
        var digits = 0
        for byte in text.utf8 {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            case UInt8(ascii: ":"), UInt8(ascii: "-"):
                guard digits == 2, values.count < 5 else { return nil }
                values.append(current)
                current = 0
                digits = 0
                continue
            default:
                return nil
            }
            guard digits < 2 else { return nil }
            current = current << 4 | nibble
            digits += 1
        }
        guard digits == 2, values.count == 5 else { return nil }
        values.append(current)
        self.init(values[0], values[1], values[2], values[3], values[4], values[5])
    }

    public static let broadcast = MACAddress(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)
    public static let zero = MACAddress(0, 0, 0, 0, 0, 0)

    public var array: [UInt8] { [bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5] }
    public var isBroadcast: Bool { self == .broadcast }
    public var isMulticast: Bool { bytes.0 & 1 == 1 }

    public static func == (a: MACAddress, b: MACAddress) -> Bool {
        a.bytes.0 == b.bytes.0 && a.bytes.1 == b.bytes.1 && a.bytes.2 == b.bytes.2
            && a.bytes.3 == b.bytes.3 && a.bytes.4 == b.bytes.4 && a.bytes.5 == b.bytes.5
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.0); hasher.combine(bytes.1); hasher.combine(bytes.2)
        hasher.combine(bytes.3); hasher.combine(bytes.4); hasher.combine(bytes.5)
    }

    /// "52:54:00:12:34:56".
    public var description: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for (index, byte) in array.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ":")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
