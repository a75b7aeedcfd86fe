/// The four console styles; the raw values are KernelSupport's
/// `lumen_font_data(style, &size)` indices.
public enum FontStyle: UInt8, CaseIterable, Sendable {
    case regular = 0
    case bold = 1
    case oblique = 2
    case boldOblique = 3

    public init(bold: Bool, oblique: Bool) {
        self = bold ? (oblique ? .boldOblique : .bold) : (oblique ? .oblique : .regular)
    }

    public var isBold: Bool { self == .bold || self == .boldOblique }
    public var isOblique: Bool { self == .oblique || self == .boldOblique }
}

/// The faces of the four styles. Only regular is required; a missing style
/// falls back to the nearest one present: bold oblique → bold → oblique →
/// regular, bold → regular, oblique → regular (weight is kept before slant,
/// since bold carries meaning in terminal output).
public struct FontSet {
    public let regular: FontFace
    public let bold: FontFace
    public let oblique: FontFace
    public let boldOblique: FontFace
    private let present: UInt8

    public init(regular: FontFace, bold: FontFace? = nil, oblique: FontFace? = nil, boldOblique: FontFace? = nil) {
        self.regular = regular
        self.bold = bold ?? regular
        self.oblique = oblique ?? regular
        self.boldOblique = boldOblique ?? bold ?? oblique ?? regular
        present = 1 | (bold != nil ? 2 : 0) | (oblique != nil ? 4 : 0) | (boldOblique != nil ? 8 : 0)
    }

    /// Opens each style from the bytes `data` returns for it (nil: the style is
    /// missing). The bytes must outlive the set. The regular face must open, or
    /// this throws; any other style that is missing or fails to open falls back,
    /// so one damaged font file does not cost the console its text.
    ///
    ///     let fonts = try FontSet(library: library) { style in
    ///         var size = 0
    ///         guard let bytes = lumen_font_data(Int32(style.rawValue), &size) else { return nil }
    ///         return UnsafeRawBufferPointer(start: bytes, count: size)
    ///     }
    public init(library: FontLibrary, data: (FontStyle) -> UnsafeRawBufferPointer?) throws(FontError) {
        guard let regularBytes = data(.regular) else { throw .emptyFontData }
        let regular = try FontFace(library: library, bytes: regularBytes)
        func open(_ style: FontStyle) -> FontFace? {
            guard let bytes = data(style) else { return nil }
            do {
                return try FontFace(library: library, bytes: bytes)
            } catch {
                return nil
            }
        }
        self.init(regular: regular, bold: open(.bold), oblique: open(.oblique), boldOblique: open(.boldOblique))
    }

    /// The face that draws `style` (after fallback).
    @inlinable
    public func face(for style: FontStyle) -> FontFace {
        switch style {
        case .regular: return regular
        case .bold: return bold
        case .oblique: return oblique
        case .boldOblique: return boldOblique
        }
    }

    /// True when `style` has a face of its own rather than a fallback.
    public func hasOwnFace(for style: FontStyle) -> Bool {
        present & (1 << style.rawValue) != 0
    }
}
