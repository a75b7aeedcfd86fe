/// A cell's foreground or background colour as the application chose it. The
/// renderer resolves it: `.default` to the terminal's default foreground or
/// background, `.indexed` through the 256-colour palette (which OSC 4 can change),
/// `.rgb` as is.
public enum TerminalColor: Equatable {
    case `default`
    /// Palette index: 0–7 standard, 8–15 bright, 16–231 colour cube, 232–255 greys.
    case indexed(UInt8)
    /// 0xRRGGBB.
    case rgb(UInt32)

    /// One-word form for `Cell`'s compact storage: 0 is `.default`,
    /// 0x0100_00nn `.indexed(nn)`, 0x0200_0000 | rgb `.rgb`.
    var packed: UInt32 {
        switch self {
        case .default: return TerminalColor.packedDefault
        case .indexed(let index): return TerminalColor.packedIndexed(index)
        case .rgb(let rgb): return TerminalColor.packedRGB(rgb)
        }
    }

    static let packedDefault: UInt32 = 0
    @inline(__always)
    static func packedIndexed(_ index: UInt8) -> UInt32 { 0x0100_0000 | UInt32(index) }
    @inline(__always)
    static func packedRGB(_ rgb: UInt32) -> UInt32 { 0x0200_0000 | (rgb & 0x00FF_FFFF) }

    init(packed: UInt32) {
        switch packed >> 24 {
        case 1: self = .indexed(UInt8(truncatingIfNeeded: packed))
        case 2: self = .rgb(packed & 0x00FF_FFFF)
        default: self = .default
        }
    }
}
