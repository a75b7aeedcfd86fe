/// The backslash escapes of `echo -e`: \a \b \e \f \n \r \t \v \\ \xHH \0NNN,
/// and \c (stop printing).
enum EchoEscapes {
    enum Outcome: Equatable {
        case `continue`
        /// `\c`: nothing more is printed, not even the newline.
        case stop
    }

    static func append(_ text: [UInt8], to bytes: inout [UInt8]) -> Outcome {
        var index = 0
        while index < text.count {
            let byte = text[index]
            index += 1
            guard byte == UInt8(ascii: "\\"), index < text.count else {
                bytes.append(byte)
                continue
            }
            let code = text[index]
            index += 1
            switch code {
            case UInt8(ascii: "a"): bytes.append(0x07)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "e"), UInt8(ascii: "E"): bytes.append(0x1b)
            case UInt8(ascii: "f"): bytes.append(0x0c)
            case UInt8(ascii: "n"): bytes.append(0x0a)
            case UInt8(ascii: "r"): bytes.append(0x0d)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "v"): bytes.append(0x0b)
            case UInt8(ascii: "\\"): bytes.append(0x5c)
            case UInt8(ascii: "c"): return .stop
            case UInt8(ascii: "x"):
                var value: UInt8 = 0
                var digits = 0
                while digits < 2, index < text.count, let digit = hexValue(text[index]) {
                    value = value << 4 | digit
                    digits += 1
                    index += 1
                }
                if digits == 0 { bytes.append(contentsOf: [0x5c, code]) } else { bytes.append(value) }
            case UInt8(ascii: "0"):
                var value: UInt32 = 0
                var digits = 0
                while digits < 3, index < text.count, text[index] >= 0x30, text[index] <= 0x37 {
                    value = value << 3 | UInt32(text[index] - 0x30)
                    digits += 1
                    index += 1
                }
                bytes.append(UInt8(truncatingIfNeeded: value))
            default:
                bytes.append(contentsOf: [0x5c, code])  // not an escape: kept as written
            }
        }
        return .continue
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x37
        case 0x61...0x66: return byte - 0x57
        default: return nil
        }
    }
}
