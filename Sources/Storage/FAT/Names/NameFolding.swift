/// Case-insensitive name comparison the way FAT does it: names are compared after
/// mapping each UTF-16 unit to upper case. Covers ASCII, Latin-1, Latin
/// Extended-A, Greek and Cyrillic, which is what real FAT volumes contain; other
/// scripts compare exactly. Done on code units with a few range checks, so it
/// needs no Unicode tables and allocates nothing.
enum NameFolding {
    static func upper(_ unit: UInt16) -> UInt16 {
        switch unit {
        case 0x61 ... 0x7A:                          // a-z
            return unit - 0x20
        case 0xE0 ... 0xFE where unit != 0xF7:       // à-þ (not ÷)
            return unit - 0x20
        case 0xFF:                                   // ÿ
            return 0x178
        case 0x100 ... 0x137, 0x14A ... 0x177:       // Latin Extended-A pairs: even upper, odd lower
            return unit & ~1
        case 0x139 ... 0x148, 0x179 ... 0x17E:       // pairs with odd upper, even lower
            return unit & 1 == 0 ? unit - 1 : unit
        case 0x3B1 ... 0x3C9 where unit != 0x3C2:    // α-ω (not final sigma)
            return unit - 0x20
        case 0x3C2:                                  // ς
            return 0x3A3
        case 0x430 ... 0x44F:                        // а-я
            return unit - 0x20
        case 0x450 ... 0x45F:                        // ѐ-џ
            return unit - 0x50
        default:
            return unit
        }
    }

    static func equal(_ a: [UInt16], _ b: [UInt16]) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0 ..< a.count where upper(a[index]) != upper(b[index]) { return false }
        return true
    }

    /// Lower-case ASCII letters (for short names with the NT lower-case flags).
    static func lowerASCII(_ unit: UInt16) -> UInt16 {
        unit >= 0x41 && unit <= 0x5A ? unit + 0x20 : unit
    }
}
