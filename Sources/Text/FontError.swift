/// Why a font could not be opened or sized. Every FreeType failure is reported
/// with FreeType's error code (see `fterrdef.h`); nothing in this module traps
/// on a bad font, a bad size or a bad code point.
public enum FontError: Error, Equatable, Sendable {
    /// A FreeType call failed with this `FT_Error` code.
    case freeType(Int32)
    /// The kernel build needs the module classes to register (sfnt, truetype,
    /// smooth): without them the library could open no font.
    case noModules
    /// The font bytes were empty.
    case emptyFontData
    /// The face has no Unicode character map, so code points cannot be looked up.
    case noUnicodeCharmap
    /// A pixel size outside `CellMetrics.pixelSizes`.
    case invalidPixelSize(Int)
}

extension FontError: CustomStringConvertible {
    /// A one-line message for logs ("FreeType error 2", "pixel size 1000 out of range").
    public var description: String {
        switch self {
        case .freeType(let code): return "FreeType error \(code)"
        case .noModules: return "no FreeType modules to register"
        case .emptyFontData: return "empty font data"
        case .noUnicodeCharmap: return "font has no Unicode character map"
        case .invalidPixelSize(let size): return "pixel size \(size) out of range"
        }
    }
}
