/// Helpers for building the bytes a terminal sends back to the application
/// (cursor position reports, device attributes, colour queries).
extension Array where Element == UInt8 {
    /// Appends ASCII text.
    mutating func appendASCII(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends `value` in decimal, without allocating.
    mutating func appendDecimal(_ value: Int) {
        guard value > 0 else {
            append(UInt8(ascii: "0"))
            return
        }
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var remaining = value
        while divisor > 0 {
            append(UInt8(ascii: "0") + UInt8(remaining / divisor))
            remaining %= divisor
            divisor /= 10
        }
    }
}
