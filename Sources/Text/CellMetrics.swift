import CFreeType

/// How glyph outlines are fitted to the pixel grid before rasterising.
///
/// `.native` (the default) runs the font's own TrueType hints in the library's
/// `TrueTypeInterpreter` (`FT_LOAD_TARGET_NORMAL`): with Lumen's `.v35` that
/// snaps stems, baseline, x-height and cap height to whole pixels in both
/// directions, which is the sharpest result for DejaVu Sans Mono at console
/// sizes. `.none` rasterises the unhinted outline (`FT_LOAD_NO_HINTING`): truer
/// shapes, blurrier text.
///
/// There is deliberately no `FT_LOAD_TARGET_LIGHT`: with `.v35` it would use
/// FreeType's auto-hinter, which the kernel does not register, so the host and
/// the kernel would render differently (with `.v40` it equals `.native`).
public enum GlyphHinting: Sendable {
    case native
    case none

    /// The `FT_LOAD_*` flags (without `FT_LOAD_RENDER`).
    var loadFlags: FT_Int32 {
        switch self {
        case .native: return FT_Int32(FT_LOAD_DEFAULT)  // FT_LOAD_TARGET_NORMAL is 0
        case .none: return FT_Int32(FT_LOAD_NO_HINTING)
        }
    }
}

/// The geometry of one character cell of a monospaced grid at a pixel size, taken
/// from the regular face. All values are whole pixels; vertical positions count
/// down from the cell's top row.
///
/// - `width`: the advance of "M", rounded (DejaVu Sans Mono: every glyph's).
/// - `height`: enough rows for the font's ascender and descender, its line
///   height, and the ink of every printable ASCII glyph, so no ASCII text clips.
/// - `baseline`: rows above the baseline; a glyph whose bitmap top is `top`
///   starts at row `baseline - top`. Spare rows (line height taller than the
///   ink) are split evenly above and below.
/// - underline and strikeout: the top row and thickness of each line, always
///   inside the cell. The underline comes from the font's `post` table; the
///   strikeout is centred at half the x-height (FreeType exposes no OS/2
///   strikeout without `FT_Get_Sfnt_Table`).
///
/// Changing the font size means computing new metrics (`GlyphCache.setPixelSize`).
public struct CellMetrics: Hashable, Sendable {
    /// Pixel sizes (pixels per em) the module accepts.
    public static let pixelSizes: ClosedRange<Int> = 4 ... 256

    public let pixelSize: Int
    public let width: Int
    public let height: Int
    public let baseline: Int
    public let underlinePosition: Int
    public let underlineThickness: Int
    public let strikeoutPosition: Int
    public let strikeoutThickness: Int

    /// The thickness of underline and bar cursors: about 1/12 em, at least 1.
    public var cursorThickness: Int { max(1, min((pixelSize + 6) / 12, width, height)) }

    /// Metrics with explicit values (tests, or a caller with its own layout).
    /// Sides are clamped to 1 … 4096 and positions into the cell.
    public init(
        pixelSize: Int, width: Int, height: Int, baseline: Int,
        underlinePosition: Int, underlineThickness: Int,
        strikeoutPosition: Int, strikeoutThickness: Int
    ) {
        self.pixelSize = pixelSize
        self.width = min(max(1, width), 4096)
        self.height = min(max(1, height), 4096)
        self.baseline = min(max(0, baseline), self.height)
        let underline = Self.clampLine(top: underlinePosition, thickness: underlineThickness, height: self.height)
        self.underlinePosition = underline.top
        self.underlineThickness = underline.thickness
        let strikeout = Self.clampLine(top: strikeoutPosition, thickness: strikeoutThickness, height: self.height)
        self.strikeoutPosition = strikeout.top
        self.strikeoutThickness = strikeout.thickness
    }

    /// Measures `face` at `pixelSize` (which becomes the face's current size),
    /// with glyphs loaded as `hinting` loads them.
    public init(face: FontFace, pixelSize: Int, hinting: GlyphHinting = .native) throws(FontError) {
        guard Self.pixelSizes.contains(pixelSize) else { throw .invalidPixelSize(pixelSize) }
        try face.setPixelSize(pixelSize)
        let ft = face.handle
        guard let size = ft.pointee.size else { throw .freeType(0x24) }  // FT_Err_Invalid_Size_Handle
        let sizeMetrics = size.pointee.metrics
        let flags = hinting.loadFlags

        var ascent = Self.ceilPixels(Int(sizeMetrics.ascender))
        var descent = Self.ceilPixels(-Int(sizeMetrics.descender))
        let lineHeight = Self.ceilPixels(Int(sizeMetrics.height))
        // The ink of printable ASCII (hinted, as the glyph cache will render it).
        var xHeight = 0
        for code: UInt32 in 0x21 ... 0x7E {
            guard FT_Load_Char(ft, FT_ULong(code), flags) == 0, let slot = ft.pointee.glyph else { continue }
            let metrics = slot.pointee.metrics
            if metrics.width == 0 || metrics.height == 0 { continue }
            let top = Self.ceilPixels(Int(metrics.horiBearingY))
            let bottom = Self.floorPixels(Int(metrics.horiBearingY) - Int(metrics.height))
            ascent = max(ascent, top)
            descent = max(descent, -bottom)
            if code == 0x78 { xHeight = Self.roundPixels(Int(metrics.horiBearingY)) }  // "x"
        }
        ascent = max(ascent, 1)
        descent = max(descent, 0)

        var advance = Self.roundPixels(Int(sizeMetrics.max_advance))
        if FT_Load_Char(ft, FT_ULong(0x4D), flags) == 0, let slot = ft.pointee.glyph {  // "M"
            advance = Self.roundPixels(Int(slot.pointee.advance.x))
        }
        let height = max(ascent + descent, lineHeight)
        let baseline = ascent + (height - ascent - descent) / 2

        // FreeType's underline position is the line's centre, negative below the baseline.
        let scale = sizeMetrics.y_scale
        let underlineCentre = Int(FT_MulFix(FT_Long(ft.pointee.underline_position), scale))
        let underlineThickness = max(1, Self.roundPixels(Int(FT_MulFix(FT_Long(ft.pointee.underline_thickness), scale))))
        var underlineTop = baseline - Self.roundPixels(underlineCentre) - underlineThickness / 2
        // Keep it below the baseline row even when the font puts it higher.
        underlineTop = max(underlineTop, baseline)
        if xHeight <= 0 { xHeight = (ascent * 5 + 4) / 9 }
        let strikeoutTop = baseline - (xHeight + 1) / 2 - underlineThickness / 2

        self.init(
            pixelSize: pixelSize, width: advance, height: height, baseline: baseline,
            underlinePosition: underlineTop, underlineThickness: underlineThickness,
            strikeoutPosition: strikeoutTop, strikeoutThickness: underlineThickness)
    }

    static func clampLine(top: Int, thickness: Int, height: Int) -> (top: Int, thickness: Int) {
        let thickness = min(max(1, thickness), height)
        return (min(max(0, top), height - thickness), thickness)
    }

    // 26.6 fixed point to whole pixels.
    @inline(__always) static func ceilPixels(_ value: Int) -> Int { (value + 63) >> 6 }
    @inline(__always) static func floorPixels(_ value: Int) -> Int { value >> 6 }
    @inline(__always) static func roundPixels(_ value: Int) -> Int { (value + 32) >> 6 }
}
