/// Parses and formats the X11 colour specifications OSC 4, 10 and 11 use.
///
/// Accepted: `rgb:R/G/B` with 1–4 hex digits per component (scaled to 8 bits,
/// as XParseColor does), and `#RGB`, `#RRGGBB`, `#RRRGGGBBB`, `#RRRRGGGGBBBB`
/// (high-order bits taken). Colour names (`red`, `DarkSlateGray`) are not: that
/// needs X's rgb.txt, and applications setting palettes use numeric forms.
enum ColorSpecification {
    /// 0xRRGGBB, or nil if `bytes` is not an accepted form.
    static func parse(_ bytes: [UInt8]) -> UInt32? {
        if bytes.count > 4 && bytes[0] == UInt8(ascii: "r") && bytes[1] == UInt8(ascii: "g")
            && bytes[2] == UInt8(ascii: "b") && bytes[3] == UInt8(ascii: ":") {
            return parseRGB(bytes[4...])
        }
        if bytes.first == UInt8(ascii: "#") {
            return parseHash(bytes[1...])
        }
        return nil
    }

    /// `rrrr/gggg/bbbb` after `rgb:`: each component 1–4 hex digits, scaled.
    private static func parseRGB(_ text: ArraySlice<UInt8>) -> UInt32? {
        var result: UInt32 = 0
        var component = 0
        var value: UInt32 = 0
        var digits = 0
        var index = text.startIndex
        while true {
            let atEnd = index == text.endIndex
            if atEnd || text[index] == UInt8(ascii: "/") {
                guard digits >= 1 && digits <= 4 && component < 3 else { return nil }
                // Scale d hex digits to 8 bits: v × 255 / (16^d − 1), as XParseColor.
                let maximum: UInt32 = (1 << (4 * UInt32(digits))) - 1
                let scaled = (value * 255 + maximum / 2) / maximum
                result = result << 8 | scaled
                component += 1
                value = 0
                digits = 0
                if atEnd { break }
            } else {
                guard let nibble = hexValue(text[index]) else { return nil }
                value = value << 4 | nibble
                digits += 1
                if digits > 4 { return nil }
            }
            index += 1
        }
        return component == 3 ? result : nil
    }

    /// `RGB`, `RRGGBB`, … after `#`: the component's most significant bits.
    private static func parseHash(_ text: ArraySlice<UInt8>) -> UInt32? {
        guard text.count % 3 == 0 else { return nil }
        let digits = text.count / 3
        guard digits >= 1 && digits <= 4 else { return nil }
        var result: UInt32 = 0
        var index = text.startIndex
        for _ in 0 ..< 3 {
            var value: UInt32 = 0
            for _ in 0 ..< digits {
                guard let nibble = hexValue(text[index]) else { return nil }
                value = value << 4 | nibble
                index += 1
            }
            // #RGB means R0G0B0 (X11), so shift left to 8 bits or keep the top 8.
            let eight = digits == 1 ? value << 4 : value >> (4 * UInt32(digits - 2))
            result = result << 8 | eight
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0") ... UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a") ... UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A") ... UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// `rgb:rrrr/gggg/bbbb`, xterm's reply form (16 bits a component, 8 bits × 257).
    static func format(_ rgb: UInt32, into output: inout [UInt8]) {
        output.appendASCII("rgb:")
        var shift: UInt32 = 16
        while true {
            let sixteen = ((rgb >> shift) & 0xFF) * 257
            var nibbleShift: UInt32 = 12
            while true {
                let nibble = UInt8((sixteen >> nibbleShift) & 0xF)
                output.append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
                if nibbleShift == 0 { break }
                nibbleShift -= 4
            }
            if shift == 0 { break }
            output.append(UInt8(ascii: "/"))
            shift -= 8
        }
    }
}
