/// How many terminal cells a Unicode scalar occupies, like POSIX `wcwidth`:
///
/// - 0 for C0/C1 controls and for marks that draw on the previous character:
///   nonspacing and enclosing marks (Mn, Me), format characters (Cf: ZWJ, ZWNJ,
///   bidi controls, BOM, tags; except U+00AD soft hyphen, which shows), and
///   Hangul medial vowels and final consonants (U+1160–U+11FF, U+D7B0–U+D7FF),
///   which join the preceding syllable;
/// - 2 for East Asian Wide and Fullwidth characters (CJK ideographs, kana,
///   Hangul syllables, fullwidth forms, and the emoji with default emoji
///   presentation, which Unicode 9 made Wide), plus the unassigned planes 2 and 3
///   that EastAsianWidth.txt defaults to Wide;
/// - 1 for everything else (ambiguous-width characters count as narrow, as in
///   xterm without `cjkWidth`).
///
/// Data is Unicode 15.0 (see `CharacterWidthTables`). Lookup is a binary search
/// over compact range tables, after fast paths for the common ranges.
public enum CharacterWidth {
    /// The width, 0, 1 or 2, of `scalar`. Values that are not scalars (surrogates,
    /// above U+10FFFF) count as 1, like U+FFFD that would replace them.
    @inline(__always)
    public static func of(_ scalar: UInt32) -> Int {
        if scalar < 0x7F {
            return scalar >= 0x20 ? 1 : 0
        }
        if scalar < 0xA0 { return 0 }  // DEL and C1 controls
        if scalar < 0x300 { return 1 }  // Latin-1 and Latin Extended: nothing zero or wide
        // The bulk of wide text, without a search: CJK Extension A and Unified
        // Ideographs, and Hangul syllables (all Wide, no marks inside).
        if (scalar >= 0x3400 && scalar <= 0x4DBF) || (scalar >= 0x4E00 && scalar <= 0x9FFF)
            || (scalar >= 0xAC00 && scalar <= 0xD7A3) {
            return 2
        }
        return lookUp(scalar)
    }

    /// True for the zero-width characters `of` returns 0 for, excluding controls:
    /// the ones a terminal attaches to the previous cell.
    public static func isCombining(_ scalar: UInt32) -> Bool {
        scalar >= 0x300 && contains(CharacterWidthTables.zeroWidth, scalar)
    }

    private static func lookUp(_ scalar: UInt32) -> Int {
        if scalar < 0x1_0000 { return Int(basicPlane[Int(scalar)]) }
        return searchedWidth(scalar)
    }

    /// The width from the range tables alone (what `basicPlane` is made to agree with).
    static func searchedWidth(_ scalar: UInt32) -> Int {
        if scalar < 0x20 || (scalar >= 0x7F && scalar < 0xA0) { return 0 }
        if contains(CharacterWidthTables.zeroWidth, scalar) { return 0 }
        if scalar >= 0x1100 && contains(CharacterWidthTables.doubleWidth, scalar) { return 2 }
        return 1
    }

    /// The width of every scalar of the Basic Multilingual Plane, a byte each
    /// (64 KiB, made from the range tables on first use): nearly all text a
    /// terminal shows is in the BMP, and a table read costs a fraction of the
    /// two binary searches. The other planes still search.
    private static let basicPlane: [UInt8] = makeBasicPlane()

    private static func makeBasicPlane() -> [UInt8] {
        var widths = [UInt8](repeating: 1, count: 0x1_0000)
        for scalar in 0 ..< 0x20 { widths[scalar] = 0 }
        for scalar in 0x7F ..< 0xA0 { widths[scalar] = 0 }
        // Double first: a zero-width range inside a wide block wins, as in `lookUp`'s order.
        for (table, width) in [(CharacterWidthTables.doubleWidth, UInt8(2)), (CharacterWidthTables.zeroWidth, UInt8(0))] {
            for entry in table {
                let first = Int(CharacterWidthTables.start(entry))
                let last = first + Int(CharacterWidthTables.length(entry))
                guard first < 0x1_0000 else { break }
                // The search only consults the wide table from U+1100 on.
                let low = max(first, width == 2 ? 0x1100 : 0)
                let high = min(last, 0xFFFF)
                if low <= high { for scalar in low ... high { widths[scalar] = width } }
            }
        }
        return widths
    }

    /// Binary search in a table of packed ranges (see `CharacterWidthTables`):
    /// find the last range starting at or before `scalar`, then check its end.
    private static func contains(_ table: [UInt32], _ scalar: UInt32) -> Bool {
        var low = 0
        var high = table.count  // search in [low, high)
        while low < high {
            let middle = (low + high) / 2
            if CharacterWidthTables.start(table[middle]) <= scalar {
                low = middle + 1
            } else {
                high = middle
            }
        }
        if low == 0 { return false }
        let entry = table[low - 1]
        return scalar <= CharacterWidthTables.start(entry) + CharacterWidthTables.length(entry)
    }
}
