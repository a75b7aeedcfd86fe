/// One header field. Names compare case-insensitively (RFC 9110 §5.1).
public struct HTTPHeader: Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HTTPHeader {
    /// The first value of the header called `name` (any case).
    public func value(for name: String) -> String? {
        for header in self where HTTPText.equalsIgnoringCase(header.name, name) { return header.value }
        return nil
    }
}

/// Byte-level text helpers shared by the parsers (no Foundation).
enum HTTPText {
    static func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }

    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        for i in 0..<x.count where lower(x[i]) != lower(y[i]) { return false }
        return true
    }

    static func containsIgnoringCase(_ haystack: String, _ needle: String) -> Bool {
        let h = Array(haystack.utf8).map(lower), n = Array(needle.utf8).map(lower)
        if n.isEmpty { return true }
        if h.count < n.count { return false }
        for start in 0...(h.count - n.count) where Array(h[start..<(start + n.count)]) == n { return true }
        return false
    }

    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == 32 || first == 9 { slice = slice.dropFirst() }
        while let last = slice.last, last == 32 || last == 9 || last == 13 { slice = slice.dropLast() }
        return slice
    }

    static func string(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        // RFC 9110 tchar
        if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) { return true }
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Decimal digits only, without overflow; nil otherwise.
    static func decimal(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x41...0x46: return Int(byte - 0x41 + 10)
        case 0x61...0x66: return Int(byte - 0x61 + 10)
        default: return nil
        }
    }

    /// Splits a header block (without the final blank line) into lines, dropping CR before LF.
    static func lines(_ block: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for i in 0..<block.count where block[i] == 10 {
            var end = i
            if end > start && block[end - 1] == 13 { end -= 1 }
            lines.append(block[start..<end])
            start = i + 1
        }
        if start < block.count { lines.append(block[start...]) }
        return lines
    }

    /// "Name: value" → header; nil when malformed (no colon, empty or non-token name, folded line).
    static func header(_ line: ArraySlice<UInt8>) -> HTTPHeader? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(isTokenByte) else { return nil }
        let value = trimmed(line[(colon + 1)...])
        guard !value.contains(0) else { return nil }
        return HTTPHeader(name: string(name), value: string(value))
    }
}

/// Accumulates a header block byte by byte until the blank line, within a size bound.
struct HTTPHeaderAccumulator {
    var bytes: [UInt8] = []
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Adds one byte; true once the blank line ending the block has arrived.
    mutating func add(_ byte: UInt8) throws(HTTPError) -> Bool {
        // Tolerate empty lines before the start line (RFC 9112 §2.2).
        if bytes.isEmpty && (byte == 13 || byte == 10) { return false }
        bytes.append(byte)
        if bytes.count > limit { throw .headersTooLarge }
        guard byte == 10 else { return false }
        let n = bytes.count
        if n >= 2 && bytes[n - 2] == 10 { return true }
        if n >= 3 && bytes[n - 2] == 13 && bytes[n - 3] == 10 { return true }
        return false
    }
}
