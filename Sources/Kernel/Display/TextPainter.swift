import CFreeType
import Graphics

/// Draws lines of text with FreeType straight into a surface (grayscale
/// anti-aliased coverage blended in a colour). Enough for the boot screen; the
/// terminal's renderer and glyph cache replace it for the console.
struct TextPainter {
    let face: FT_Face
    let pixelSize: Int
    /// Distance from a line's top to its baseline, and from one line to the next.
    let ascent: Int
    let lineHeight: Int
    let advance: Int

    init?(face: FT_Face, pixelSize: Int) {
        guard FT_Set_Pixel_Sizes(face, 0, FT_UInt(pixelSize)) == 0, let size = face.pointee.size else { return nil }
        self.face = face
        self.pixelSize = pixelSize
        let metrics = size.pointee.metrics
        ascent = Int((metrics.ascender + 63) >> 6)
        lineHeight = Int((metrics.height + 63) >> 6)
        var advance = Int(metrics.max_advance >> 6)
        if FT_Load_Char(face, FT_ULong(UInt8(ascii: "M")), FT_Int32(FT_LOAD_DEFAULT)) == 0, let glyph = face.pointee.glyph {
            advance = Int(glyph.pointee.advance.x >> 6)
        }
        self.advance = max(advance, 1)
    }

    /// Draws `text` with its line's top-left at `origin`; returns the pen's x after it.
    @discardableResult
    func draw(_ text: String, at origin: Point, color: Color, on surface: Surface) -> Int {
        var pen = origin.x
        let baseline = origin.y + ascent
        for scalar in text.unicodeScalars {
            guard FT_Load_Char(face, FT_ULong(scalar.value), FT_Int32(FT_LOAD_RENDER)) == 0,
                  let glyph = face.pointee.glyph else {
                pen += advance
                continue
            }
            let bitmap = glyph.pointee.bitmap
            if let buffer = bitmap.buffer, bitmap.width > 0, bitmap.rows > 0 {
                surface.blend(coverage: UnsafePointer(buffer), width: Int(bitmap.width), height: Int(bitmap.rows),
                              pitch: Int(bitmap.pitch),
                              at: Point(x: pen + Int(glyph.pointee.bitmap_left), y: baseline - Int(glyph.pointee.bitmap_top)),
                              color: color)
            }
            pen += Int(glyph.pointee.advance.x >> 6)
        }
        return pen
    }
}
