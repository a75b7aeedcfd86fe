/// Building blocks of what the editor sends to the terminal.
enum TerminalBytes {
    static let escape: UInt8 = 0x1b
    static let bell: UInt8 = 0x07
    static let carriageReturn: UInt8 = 0x0d
    static let newLine: [UInt8] = [0x0d, 0x0a]
    /// CSI K: erase from the cursor to the end of the row.
    static let eraseToEndOfLine: [UInt8] = [0x1b, 0x5b, 0x4b]
    /// CSI H CSI 2 J: cursor home, erase the whole screen.
    static let clearScreen: [UInt8] = [0x1b, 0x5b, 0x48, 0x1b, 0x5b, 0x32, 0x4a]

    static func appendUTF8(_ scalar: Unicode.Scalar, to bytes: inout [UInt8]) {
        UTF8.encode(scalar) { bytes.append($0) }
    }

    static func appendUTF8<S: Sequence>(_ scalars: S, to bytes: inout [UInt8]) where S.Element == Unicode.Scalar {
        for scalar in scalars { appendUTF8(scalar, to: &bytes) }
    }

    /// CSI n C (right) or CSI n D (left); nothing for n = 0.
    /// CSI n P (DCH): deletes `count` characters at the cursor; the rest of the
    /// row moves left.
    static func appendDeleteCharacters(_ count: Int, to bytes: inout [UInt8]) {
        guard count > 0 else { return }
        bytes.append(escape)
        bytes.append(0x5b)
        if count != 1 { bytes.append(contentsOf: String(count).utf8) }
        bytes.append(UInt8(ascii: "P"))
    }

    static func appendCursorMove(_ columns: Int, to bytes: inout [UInt8]) {
        guard columns != 0 else { return }
        bytes.append(escape)
        bytes.append(0x5b)
        let count = columns < 0 ? -columns : columns
        if count != 1 { bytes.append(contentsOf: String(count).utf8) }
        bytes.append(columns > 0 ? UInt8(ascii: "C") : UInt8(ascii: "D"))
    }

    /// How many columns `text` takes when printed: escape sequences (colours
    /// in a prompt) and control characters take none. Wide characters count
    /// as one column.
    static func visibleWidth(of text: String) -> Int {
        var width = 0
        var inEscape = false
        var inCSI = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if inCSI {
                if value >= 0x40 && value <= 0x7e { inCSI = false }
            } else if inEscape {
                inEscape = false
                if value == 0x5b { inCSI = true }
            } else if value == 0x1b {
                inEscape = true
            } else if value >= 0x20 && value != 0x7f && !(value >= 0x80 && value < 0xa0) {
                width += 1
            }
        }
        return width
    }
}
