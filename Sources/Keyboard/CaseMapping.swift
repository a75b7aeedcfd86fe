/// Simple (one-to-one) uppercase mapping for the scripts keyboard layouts here
/// put on letter keys: Basic Latin, Latin-1, Latin Extended-A, Greek and
/// Cyrillic. Used to decide which keys Caps Lock affects (a key whose Shift
/// symbol is the uppercase of its plain symbol is a letter). A table of our own,
/// so the kernel needs no Unicode data tables.
enum CaseMapping {
    static func uppercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        let value = scalar.value
        var upper: UInt32? = nil
        switch value {
        case 0x61...0x7A: upper = value - 0x20
        case 0xE0...0xFE where value != 0xF7: upper = value - 0x20
        case 0xFF: upper = 0x178
        case 0x100...0x137 where value & 1 == 1 && value != 0x131: upper = value - 1
        case 0x139...0x148 where value & 1 == 0: upper = value - 1
        case 0x14A...0x177 where value & 1 == 1: upper = value - 1
        case 0x179...0x17E where value & 1 == 0: upper = value - 1
        case 0x3B1...0x3C9 where value != 0x3C2: upper = value - 0x20
        case 0x430...0x44F: upper = value - 0x20
        case 0x450...0x45F: upper = value - 0x50
        default: break
        }
        guard let upper else { return nil }
        return Unicode.Scalar(upper)
    }

    static func isUppercasePair(lower: KeySymbol?, upper: KeySymbol?) -> Bool {
        guard let lower = lower?.character, let upper = upper?.character,
              let mapped = uppercase(lower) else { return false }
        return mapped == upper
    }
}
