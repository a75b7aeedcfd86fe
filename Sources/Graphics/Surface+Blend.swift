// Drawing anti-aliased glyphs: FreeType's FT_RENDER_MODE_NORMAL gives an 8-bit
// coverage mask per glyph (0 = background, 255 = fully inked), and each pixel
// becomes colour over background weighted by that coverage (see
// `Color.blended(over:alpha:)` for the exact rounding).
extension Surface {
    /// Blends `color` through a coverage mask onto what the surface already holds.
    ///
    /// The mask has `height` rows of `width` bytes; row r starts at
    /// `coverage + r * pitch` (FreeType's `buffer`, `width`, `rows` and `pitch`; a
    /// negative pitch works when `coverage` points at the top row). Its top-left
    /// lands on `origin`, which may be partly or wholly outside the surface: only
    /// the overlapping pixels are read and written.
    ///
    /// Coverage 0 leaves a pixel alone and 255 stores `color` exactly, which also
    /// skips the arithmetic for most pixels of a typical glyph.
    public func blend(
        coverage: UnsafePointer<UInt8>, width maskWidth: Int, height maskHeight: Int, pitch: Int,
        at origin: Point, color: Color
    ) {
        let visible = Rect(x: origin.x, y: origin.y, width: maskWidth, height: maskHeight)
            .intersection(bounds)
        if visible.isEmpty { return }
        let ink = color.xrgb
        let inkLanes = PixelMath.spread(ink)
        var mask = coverage + (visible.y - origin.y) * pitch + (visible.x - origin.x)
        var line = row(visible.y) + visible.x
        for _ in 0 ..< visible.height {
            for i in 0 ..< visible.width {
                let alpha = mask[i]
                if alpha == 0 { continue }
                if alpha == 255 {
                    line[i] = ink
                } else {
                    line[i] = PixelMath.mix(inkLanes, PixelMath.spread(line[i]), alpha: UInt64(alpha))
                }
            }
            mask += pitch
            line += stride
        }
    }

    /// Draws a coverage mask as `color` over a known opaque `background`, writing
    /// every covered pixel without reading the surface: for text cells whose
    /// background is a solid colour this replaces fill-then-blend with one pass.
    /// Same mask layout and clipping as `blend(coverage:width:height:pitch:at:color:)`.
    public func blend(
        coverage: UnsafePointer<UInt8>, width maskWidth: Int, height maskHeight: Int, pitch: Int,
        at origin: Point, color: Color, background: Color
    ) {
        let visible = Rect(x: origin.x, y: origin.y, width: maskWidth, height: maskHeight)
            .intersection(bounds)
        if visible.isEmpty { return }
        let ink = color.xrgb
        let paper = background.xrgb
        let inkLanes = PixelMath.spread(ink)
        let paperLanes = PixelMath.spread(paper)
        var mask = coverage + (visible.y - origin.y) * pitch + (visible.x - origin.x)
        var line = row(visible.y) + visible.x
        for _ in 0 ..< visible.height {
            for i in 0 ..< visible.width {
                let alpha = mask[i]
                line[i] = alpha == 0 ? paper
                    : alpha == 255 ? ink
                    : PixelMath.mix(inkLanes, paperLanes, alpha: UInt64(alpha))
            }
            mask += pitch
            line += stride
        }
    }
}
