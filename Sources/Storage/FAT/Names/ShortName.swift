/// An 8.3 name as a directory entry stores it: 8 bytes of base name and 3 of
/// extension, upper case, space padded. Packed into two integers so a directory's
/// worth of them compares and collects without allocating.
struct ShortName: Hashable {
    /// Bytes 0-7, byte 0 in the low bits.
    var base: UInt64
    /// Bytes 8-10.
    var ext: UInt32

    static let dot = ShortName(bytes: Array(".          ".utf8))
    static let dotDot = ShortName(bytes: Array("..         ".utf8))

    /// The NT "lower-case base" / "lower-case extension" flags (entry byte 12).
    static let lowerBaseFlag: UInt8 = 0x08
    static let lowerExtensionFlag: UInt8 = 0x10

    init(bytes: [UInt8]) {
        base = 0
        ext = 0
        for index in 0 ..< 11 {
            let byte = index < bytes.count ? bytes[index] : 0x20
            if index < 8 { base |= UInt64(byte) << (8 * UInt64(index)) } else { ext |= UInt32(byte) << (8 * UInt32(index - 8)) }
        }
    }

    init(_ raw: UnsafeRawBufferPointer, at offset: Int) {
        base = 0
        ext = 0
        for index in 0 ..< 8 { base |= UInt64(raw[offset + index]) << (8 * UInt64(index)) }
        for index in 0 ..< 3 { ext |= UInt32(raw[offset + 8 + index]) << (8 * UInt32(index)) }
    }

    func byte(_ index: Int) -> UInt8 {
        index < 8 ? UInt8(truncatingIfNeeded: base >> (8 * UInt64(index)))
            : UInt8(truncatingIfNeeded: ext >> (8 * UInt32(index - 8)))
    }

    var bytes: [UInt8] { (0 ..< 11).map { byte($0) } }

    /// The checksum LFN entries carry (rotate right, add; over the 11 bytes).
    var checksum: UInt8 {
        var sum: UInt8 = 0
        for index in 0 ..< 11 { sum = (sum & 1 == 1 ? 0x80 : 0) &+ (sum >> 1) &+ byte(index) }
        return sum
    }

    /// "NAME.EXT" as UTF-16, with the lower-case flags applied. A leading 0x05
    /// stands for 0xE5 (which on disk would mean "deleted").
    func displayName(caseFlags: UInt8) -> [UInt16] {
        var result: [UInt16] = []
        var baseEnd = 8
        while baseEnd > 0 && byte(baseEnd - 1) == 0x20 { baseEnd -= 1 }
        var extEnd = 11
        while extEnd > 8 && byte(extEnd - 1) == 0x20 { extEnd -= 1 }
        for index in 0 ..< baseEnd {
            var b = byte(index)
            if index == 0 && b == 0x05 { b = 0xE5 }
            let unit = CodePage437.unicode(b)
            result.append(caseFlags & ShortName.lowerBaseFlag != 0 ? NameFolding.lowerASCII(unit) : unit)
        }
        if extEnd > 8 {
            result.append(0x2E)
            for index in 8 ..< extEnd {
                let unit = CodePage437.unicode(byte(index))
                result.append(caseFlags & ShortName.lowerExtensionFlag != 0 ? NameFolding.lowerASCII(unit) : unit)
            }
        }
        return result
    }

    /// Characters allowed in a short name besides A-Z and 0-9.
    static func isSpecial(_ unit: UInt16) -> Bool {
        switch unit {
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2D, 0x40, 0x5E, 0x5F, 0x60, 0x7B, 0x7D, 0x7E:
            return true  // ! # $ % & ' ( ) - @ ^ _ ` { } ~
        default:
            return false
        }
    }

    private static func isUpper(_ u: UInt16) -> Bool { u >= 0x41 && u <= 0x5A }
    private static func isLower(_ u: UInt16) -> Bool { u >= 0x61 && u <= 0x7A }
    private static func isDigit(_ u: UInt16) -> Bool { u >= 0x30 && u <= 0x39 }

    /// The short entry for `name` when it needs no long name: a valid 8.3 name
    /// whose base and extension are each all lower or all upper case (what
    /// Windows NT marks with the case flags instead of writing an LFN).
    static func exact(for name: [UInt16]) -> (name: ShortName, caseFlags: UInt8)? {
        var dot = -1
        for (index, unit) in name.enumerated() where unit == 0x2E {
            if dot >= 0 { return nil }
            dot = index
        }
        let baseEnd = dot >= 0 ? dot : name.count
        let baseLength = baseEnd
        let extLength = dot >= 0 ? name.count - dot - 1 : 0
        guard baseLength >= 1, baseLength <= 8, extLength <= 3, dot < 0 || extLength >= 1 else { return nil }
        var flags: UInt8 = 0
        var bytes = [UInt8](repeating: 0x20, count: 11)
        for part in 0 ..< 2 {
            let range = part == 0 ? 0 ..< baseEnd : (baseEnd + 1) ..< max(baseEnd + 1, name.count)
            var sawUpper = false, sawLower = false
            var position = part == 0 ? 0 : 8
            for index in range {
                let unit = name[index]
                if isUpper(unit) { sawUpper = true } else if isLower(unit) { sawLower = true } else if !isDigit(unit) && !isSpecial(unit) { return nil }
                bytes[position] = UInt8(truncatingIfNeeded: isLower(unit) ? unit - 0x20 : unit)
                position += 1
            }
            if sawUpper && sawLower { return nil }
            if sawLower { flags |= part == 0 ? lowerBaseFlag : lowerExtensionFlag }
        }
        return (ShortName(bytes: bytes), flags)
    }

    /// The parts Windows derives a short name from: upper case, spaces and extra
    /// dots removed, anything not allowed in a short name turned into "_". `lossy`
    /// says whether information was lost (then a "~N" tail is always needed).
    static func basis(for name: [UInt16]) -> (base: [UInt8], ext: [UInt8], lossy: Bool) {
        var lossy = false
        var lastDot = -1
        for (index, unit) in name.enumerated() where unit == 0x2E { lastDot = index }
        // A leading dot (".profile") is not an extension separator.
        var start = 0
        while start < name.count && (name[start] == 0x2E || name[start] == 0x20) { start += 1; lossy = true }
        if lastDot < start { lastDot = -1 }
        func convert(_ range: Range<Int>, limit: Int) -> [UInt8] {
            var out: [UInt8] = []
            for index in range {
                let unit = name[index]
                if unit == 0x20 || unit == 0x2E { lossy = true; continue }
                var byte: UInt8
                if isLower(unit) { byte = UInt8(unit - 0x20) } else if isUpper(unit) || isDigit(unit) || isSpecial(unit) { byte = UInt8(unit) } else {
                    byte = 0x5F  // "_"
                    lossy = true
                }
                if out.count < limit { out.append(byte) } else { lossy = true }
            }
            return out
        }
        let base = convert(start ..< (lastDot >= 0 ? lastDot : name.count), limit: 8)
        let ext = lastDot >= 0 ? convert((lastDot + 1) ..< name.count, limit: 3) : []
        return (base, ext, lossy)
    }

    /// A short name for `name` that `isTaken` does not reject: the plain 8.3 form
    /// when nothing was lost converting it, otherwise "BASE~N.EXT" with the
    /// smallest free N (the base shortened to make room for the tail).
    static func generate(for name: [UInt16], isTaken: (ShortName) -> Bool) -> ShortName? {
        var (base, ext, lossy) = basis(for: name)
        if base.isEmpty { base = [0x5F]; lossy = true }
        if !lossy {
            let plain = ShortName(bytes: base + [UInt8](repeating: 0x20, count: 8 - base.count) + ext)
            if !isTaken(plain) { return plain }
        }
        var number = 1
        while number <= 999_999 {
            let tail: [UInt8] = [0x7E] + Array(String(number).utf8)
            let keep = min(base.count, 8 - tail.count)
            let stem = Array(base[0 ..< keep]) + tail
            let candidate = ShortName(bytes: stem + [UInt8](repeating: 0x20, count: 8 - stem.count) + ext)
            if !isTaken(candidate) { return candidate }
            number += 1
        }
        return nil
    }
}
