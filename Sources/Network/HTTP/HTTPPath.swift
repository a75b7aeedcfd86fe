/// Turning a request target into a safe path below the served root.
public enum HTTPPath {
    /// Drops the query and fragment, percent-decodes, and normalises "." and
    /// ".." segments and repeated slashes. Decoding happens *before* the
    /// segments are examined, so "..%2f.." is caught like "../..". A trailing
    /// slash is kept (it marks a directory). Errors: `.escapesRoot` and
    /// `.forbiddenCharacter` (403), `.badPercentEncoding` / `.notAbsolute` (400).
    public static func sanitise(_ rawPath: String) throws(HTTPError) -> String {
        var raw = Array(rawPath.utf8)[...]
        if let cut = raw.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) { raw = raw[..<cut] }
        guard raw.first == UInt8(ascii: "/") else { throw .notAbsolute }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < raw.endIndex, let high = HTTPText.hexValue(raw[index + 1]),
                      let low = HTTPText.hexValue(raw[index + 2]) else { throw .badPercentEncoding }
                decoded.append(UInt8(high * 16 + low))
                index += 3
            } else {
                decoded.append(byte)
                index += 1
            }
        }
        // NUL ends C strings, backslash is a separator elsewhere, control bytes have no place in names.
        for byte in decoded where byte < 32 || byte == 127 || byte == UInt8(ascii: "\\") { throw .forbiddenCharacter }
        var segments: [ArraySlice<UInt8>] = []
        for segment in decoded.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if segment.elementsEqual([UInt8(ascii: ".")]) { continue }
            if segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                if segments.isEmpty { throw .escapesRoot }
                segments.removeLast()
                continue
            }
            segments.append(segment)
        }
        var result: [UInt8] = [UInt8(ascii: "/")]
        for (i, segment) in segments.enumerated() {
            if i > 0 { result.append(UInt8(ascii: "/")) }
            result += segment
        }
        if !segments.isEmpty && decoded.last == UInt8(ascii: "/") { result.append(UInt8(ascii: "/")) }
        let text = String(decoding: result, as: UTF8.self)
        // Invalid UTF-8 would have been replaced: refuse rather than serve a different name.
        guard text.utf8.count == result.count, Array(text.utf8) == result else { throw .forbiddenCharacter }
        return text
    }

    /// Percent-encodes everything but unreserved characters and "/", for links.
    public static func encode(_ path: String) -> String {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in path.utf8 {
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "~") || byte == UInt8(ascii: "/")
            if unreserved {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
