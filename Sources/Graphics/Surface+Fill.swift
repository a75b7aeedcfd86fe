// Solid fills and the line helpers built on them (cell backgrounds, cursors,
// underlines, borders). Every one clips to the surface.
extension Surface {
    /// Paints the part of `rect` inside the surface with `color`.
    public func fill(_ rect: Rect, color: Color) {
        let visible = rect.intersection(bounds)
        if visible.isEmpty { return }
        let value = color.xrgb
        if visible.width == stride {
            // Whole rows with no padding between them (then width == stride and
            // x == 0): one run, which is what clearing a packed framebuffer is.
            row(visible.y).update(repeating: value, count: visible.width * visible.height)
            return
        }
        var line = row(visible.y) + visible.x
        for _ in 0 ..< visible.height {
            line.update(repeating: value, count: visible.width)
            line += stride
        }
    }

    /// Paints the whole surface.
    public func clear(_ color: Color) {
        fill(bounds, color: color)
    }

    /// A one-pixel-high line from (x, y) rightwards, `length` pixels long.
    public func horizontalLine(x: Int, y: Int, length: Int, color: Color) {
        fill(Rect(x: x, y: y, width: length, height: 1), color: color)
    }

    /// A one-pixel-wide line from (x, y) downwards, `length` pixels long.
    public func verticalLine(x: Int, y: Int, length: Int, color: Color) {
        fill(Rect(x: x, y: y, width: 1, height: length), color: color)
    }

    /// The outline of `rect`, `thickness` pixels wide, drawn inside it (a hollow
    /// block cursor, a window border). When the bands would meet the whole
    /// rectangle is filled; each pixel is written once.
    public func strokeRect(_ rect: Rect, color: Color, thickness: Int = 1) {
        if rect.isEmpty || thickness <= 0 { return }
        if 2 * thickness >= rect.width || 2 * thickness >= rect.height {
            fill(rect, color: color)
            return
        }
        let innerHeight = rect.height - 2 * thickness
        fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: thickness), color: color)
        fill(Rect(x: rect.x, y: rect.maxY - thickness, width: rect.width, height: thickness), color: color)
        fill(Rect(x: rect.x, y: rect.y + thickness, width: thickness, height: innerHeight), color: color)
        fill(Rect(x: rect.maxX - thickness, y: rect.y + thickness, width: thickness, height: innerHeight),
             color: color)
    }
}
