import Graphics

/// Cell decorations drawn as lines. Inverse, hidden and faint are colour choices
/// the caller makes (swap, equal, or dimmed foreground) before calling.
public struct CellAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let underline = CellAttributes(rawValue: 1 << 0)
    public static let strikethrough = CellAttributes(rawValue: 1 << 1)
}

/// Text cursor shapes (DECSCUSR's block, underline and bar), plus the hollow
/// block terminals show while unfocused.
public enum CursorStyle: Sendable {
    case block
    case underline
    case bar
    case hollowBlock
}

/// Draws character cells of a monospaced grid into a surface, glyphs from a
/// `GlyphCache` at its current metrics.
///
/// Cell (column, row) is the box `origin + (column × width, row × height)` of
/// one cell, or two side by side for a wide (East Asian wide, emoji) character.
/// Everything a call draws stays inside that box (and the surface): glyph
/// overhang (oblique, wide bearings) is clipped, so redrawing a cell never
/// touches a neighbour's pixels and the damage of a cell is exactly its box.
/// Every drawing call returns that box clipped to the surface, ready for a
/// `DamageTracker`.
///
/// Drawing a cell allocates nothing: a cache hit is a hash probe, then a fill and
/// one blend over the cell.
public struct CellPainter {
    public let cache: GlyphCache
    /// The surface position of cell (0, 0)'s top-left corner.
    public var origin: Point

    public init(cache: GlyphCache, origin: Point = .zero) {
        self.cache = cache
        self.origin = origin
    }

    /// The cache's current metrics.
    @inlinable
    public var metrics: CellMetrics { cache.metrics }

    /// How many whole cells fit in `size` (after `origin`).
    public func gridSize(for size: Size) -> (columns: Int, rows: Int) {
        let m = metrics
        return (max(0, (size.width - origin.x) / m.width), max(0, (size.height - origin.y) / m.height))
    }

    /// Columns and rows beyond ±2²⁰ are treated as off-surface (no pixel
    /// arithmetic can overflow for them).
    public static let coordinateLimit = 1 << 20

    /// The pixel box of cell (column, row), two cells wide when `wide`; empty
    /// for a column or row beyond `coordinateLimit`.
    @inlinable
    public func cellRect(column: Int, row: Int, wide: Bool = false) -> Rect {
        let m = metrics
        let limit = Self.coordinateLimit
        if column < -limit || column > limit || row < -limit || row > limit { return .zero }
        return Rect(
            x: origin.x + column * m.width, y: origin.y + row * m.height,
            width: wide ? 2 * m.width : m.width, height: m.height)
    }

    /// Draws `codePoint` in cell (column, row): background fill, the glyph in
    /// `foreground` (a replacement box when no face has it), then the underline
    /// and strikethrough `attributes` ask for. A wide glyph narrower than its two
    /// cells is centred in them. Returns the damaged rectangle.
    @discardableResult
    public func drawCell(
        _ codePoint: UInt32, column: Int, row: Int, style: FontStyle = .regular,
        attributes: CellAttributes = [], foreground: Color, background: Color, wide: Bool = false,
        on surface: Surface
    ) -> Rect {
        let m = metrics
        let box = cellRect(column: column, row: row, wide: wide)
        let damage = box.intersection(surface.bounds)
        if damage.isEmpty { return damage }
        surface.fill(damage, color: background)

        let glyph = cache.glyph(for: codePoint, style: style)
        switch glyph.kind {
        case .bitmap:
            guard let coverage = glyph.coverage else { break }
            var penX = box.x
            if wide && glyph.advance < box.width { penX += (box.width - glyph.advance) / 2 }
            let x = penX + glyph.left
            let y = box.y + m.baseline - glyph.top
            let visible = Rect(x: x, y: y, width: glyph.width, height: glyph.height).intersection(damage)
            if visible.isEmpty { break }
            surface.blend(
                coverage: coverage + (visible.y - y) * glyph.width + (visible.x - x),
                width: visible.width, height: visible.height, pitch: glyph.width,
                at: visible.origin, color: foreground, background: background)
        case .missing:
            strokeReplacementBox(in: box, metrics: m, color: foreground, clip: damage, on: surface)
        case .blank:
            break
        }

        if attributes.contains(.underline) {
            surface.fill(Rect(x: box.x, y: box.y + m.underlinePosition, width: box.width, height: m.underlineThickness)
                .intersection(damage), color: foreground)
        }
        if attributes.contains(.strikethrough) {
            surface.fill(Rect(x: box.x, y: box.y + m.strikeoutPosition, width: box.width, height: m.strikeoutThickness)
                .intersection(damage), color: foreground)
        }
        return damage
    }

    /// Draws the replacement box of a character no face has (a hollow rectangle
    /// inset in the cell, or in both cells when `wide`) over what the cell holds.
    @discardableResult
    public func drawReplacementBox(column: Int, row: Int, wide: Bool = false, color: Color, on surface: Surface) -> Rect {
        let box = cellRect(column: column, row: row, wide: wide)
        let damage = box.intersection(surface.bounds)
        if damage.isEmpty { return damage }
        strokeReplacementBox(in: box, metrics: metrics, color: color, clip: damage, on: surface)
        return damage
    }

    /// Draws the cursor over cell (column, row): a filled cell (`block`; draw the
    /// character again in inverse colours for a visible glyph), a line along the
    /// bottom (`underline`) or the left edge (`bar`) `metrics.cursorThickness`
    /// thick, or a one-pixel outline (`hollowBlock`).
    @discardableResult
    public func drawCursor(_ style: CursorStyle, column: Int, row: Int, wide: Bool = false, color: Color, on surface: Surface) -> Rect {
        let m = metrics
        let box = cellRect(column: column, row: row, wide: wide)
        let damage = box.intersection(surface.bounds)
        if damage.isEmpty { return damage }
        let thickness = m.cursorThickness
        switch style {
        case .block:
            surface.fill(damage, color: color)
        case .underline:
            surface.fill(Rect(x: box.x, y: box.maxY - thickness, width: box.width, height: thickness)
                .intersection(damage), color: color)
        case .bar:
            surface.fill(Rect(x: box.x, y: box.y, width: thickness, height: box.height)
                .intersection(damage), color: color)
        case .hollowBlock:
            strokeClipped(box, thickness: 1, color: color, clip: damage, on: surface)
        }
        return damage
    }

    /// Draws the scalars of `text` in consecutive narrow cells from (column, row),
    /// stopping at the surface's right edge; returns the number of cells drawn.
    /// For boot screens and tests: a terminal draws its grid cell by cell.
    @discardableResult
    public func drawText(
        _ text: String, column: Int, row: Int, style: FontStyle = .regular, attributes: CellAttributes = [],
        foreground: Color, background: Color, on surface: Surface
    ) -> Int {
        if cellRect(column: column, row: row).isEmpty { return 0 }
        var cells = 0
        for scalar in text.unicodeScalars {
            let box = cellRect(column: column + cells, row: row)
            if box.x >= surface.width { break }
            drawCell(scalar.value, column: column + cells, row: row, style: style, attributes: attributes,
                     foreground: foreground, background: background, on: surface)
            cells += 1
        }
        return cells
    }

    // MARK: - Boxes

    /// The replacement box: inset about 1/8 of the cell on each side (at least a
    /// pixel), lines `underlineThickness` thick.
    private func strokeReplacementBox(in box: Rect, metrics m: CellMetrics, color: Color, clip: Rect, on surface: Surface) {
        let insetX = max(1, box.width / 8)
        let insetY = max(1, box.height / 8)
        let frame = Rect(x: box.x + insetX, y: box.y + insetY, width: box.width - 2 * insetX, height: box.height - 2 * insetY)
        if frame.isEmpty {
            surface.fill(clip, color: color)
            return
        }
        strokeClipped(frame, thickness: m.underlineThickness, color: color, clip: clip, on: surface)
    }

    /// `Surface.strokeRect`, clipped to `clip` as well as the surface.
    private func strokeClipped(_ rect: Rect, thickness: Int, color: Color, clip: Rect, on surface: Surface) {
        let t = max(1, thickness)
        if 2 * t >= rect.width || 2 * t >= rect.height {
            surface.fill(rect.intersection(clip), color: color)
            return
        }
        surface.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: t).intersection(clip), color: color)
        surface.fill(Rect(x: rect.x, y: rect.maxY - t, width: rect.width, height: t).intersection(clip), color: color)
        surface.fill(Rect(x: rect.x, y: rect.y + t, width: t, height: rect.height - 2 * t).intersection(clip), color: color)
        surface.fill(Rect(x: rect.maxX - t, y: rect.y + t, width: t, height: rect.height - 2 * t).intersection(clip),
                     color: color)
    }
}
