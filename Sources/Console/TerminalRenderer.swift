import Graphics
import Terminal
import Text

/// Draws a `Terminal` into a `Surface`, redrawing only what the terminal reports
/// as damaged (foot's approach): whole-screen scrolls move pixels with one copy
/// and only the exposed rows are drawn; every rectangle touched goes into the
/// caller's `DamageTracker`, so the display flushes just those.
///
/// The same code runs on the host (tests compare its pixels with the kernel's
/// screendump) and in the kernel.
public final class TerminalRenderer {
    public let cache: GlyphCache
    public private(set) var painter: CellPainter
    /// Where the grid's top-left cell sits on the surface.
    public var origin: Point {
        get { painter.origin }
        set { painter.origin = newValue }
    }
    /// Whether the cursor is in the "on" phase of its blink.
    public var cursorBlinkOn = true
    /// Selected cells (row * columns + column, inclusive), drawn inverted.
    public var selection: ClosedRange<Int>? = nil
    /// Where the cursor was drawn last (row, column), to erase it when it moves.
    private var drawnCursor: (row: Int, column: Int)? = nil
    /// The row being drawn, copied out of the terminal in one call.
    private var rowCells: [Cell] = []

    public init(cache: GlyphCache, origin: Point = .zero) {
        self.cache = cache
        painter = CellPainter(cache: cache, origin: origin)
    }

    public var metrics: CellMetrics { cache.metrics }

    /// How many cells fit in `size`.
    public func gridSize(for size: Size) -> (columns: Int, rows: Int) {
        let grid = painter.gridSize(for: size)
        return (max(grid.columns, 1), max(grid.rows, 1))
    }

    /// The pixel rectangle of rows `rows` (all columns of a `columns`-wide grid).
    public func rowsRect(_ rows: Range<Int>, columns: Int) -> Rect {
        let top = painter.cellRect(column: 0, row: rows.lowerBound)
        return Rect(x: top.x, y: top.y, width: columns * metrics.width, height: rows.count * metrics.height)
    }

    /// Call after the font size changed: the painter picks up the new metrics.
    public func fontChanged() {
        painter = CellPainter(cache: cache, origin: painter.origin)
        drawnCursor = nil
    }

    /// Brings the surface up to date with `terminal`. `force` redraws everything
    /// (a console switch, a resize, a font change).
    public func render(_ terminal: Terminal, on surface: Surface, damage: inout DamageTracker, force: Bool = false) {
        let changes = terminal.takeDamage()
        let rows = terminal.rows
        let columns = terminal.columns
        if force || changes.fullRedraw {
            for row in 0..<rows { drawRow(terminal, row, columns: 0..<columns, on: surface) }
            damage.add(rowsRect(0..<rows, columns: columns))
            drawnCursor = nil
        } else {
            if changes.scrolledLines > 0 && changes.scrolledLines < rows {
                // Move the surviving rows up with one copy; the exposed rows are in
                // the dirty set and drawn below.
                let lines = changes.scrolledLines
                let source = rowsRect(lines..<rows, columns: columns)
                surface.copy(from: source, to: Point(x: source.x, y: source.y - lines * metrics.height))
                damage.add(rowsRect(0..<rows, columns: columns))
                if let cursor = drawnCursor { drawnCursor = cursor.row >= lines ? (cursor.row - lines, cursor.column) : nil }
            } else if changes.scrolledLines >= rows {
                for row in 0..<rows { drawRow(terminal, row, columns: 0..<columns, on: surface) }
                damage.add(rowsRect(0..<rows, columns: columns))
                drawnCursor = nil
            }
            for row in changes.dirtyRows where row < rows {
                let span = changes.dirtyColumns(inRow: row)
                guard !span.isEmpty else { continue }
                damage.add(drawRow(terminal, row, columns: span.clamped(to: 0..<columns), on: surface))
                if let cursor = drawnCursor, cursor.row == row, span.contains(cursor.column) { drawnCursor = nil }
            }
        }
        updateCursor(terminal, on: surface, damage: &damage)
    }

    /// Draws the cursor where the terminal has it (and erases it where it was).
    public func updateCursor(_ terminal: Terminal, on surface: Surface, damage: inout DamageTracker) {
        let cursor = terminal.cursorState
        let wanted: (row: Int, column: Int)? =
            cursor.isVisible && terminal.viewOffset == 0 && cursorBlinkOn ? (cursor.row, cursor.column) : nil
        if let drawn = drawnCursor {
            if let wanted, wanted.row == drawn.row, wanted.column == drawn.column { return }
            if drawn.row < terminal.rows && drawn.column < terminal.columns {
                damage.add(drawRow(terminal, drawn.row, columns: drawn.column..<(drawn.column + 1), on: surface))
            }
            drawnCursor = nil
        }
        guard let wanted, wanted.row < terminal.rows, wanted.column < terminal.columns else { return }
        let cell = terminal.visibleCell(row: wanted.row, column: wanted.column)
        let colors = resolve(cell, terminal)
        let style: CursorStyle
        switch cursor.shape {
        case .block: style = .block
        case .underline: style = .underline
        case .bar: style = .bar
        }
        if style == .block {
            // A block cursor shows the character inverted.
            damage.add(painter.drawCell(cell.scalar, column: wanted.column, row: wanted.row, style: fontStyle(cell),
                                        attributes: textAttributes(cell), foreground: colors.background,
                                        background: colors.foreground, wide: cell.width == 2, on: surface))
        } else {
            damage.add(painter.drawCursor(style, column: wanted.column, row: wanted.row, wide: cell.width == 2,
                                          color: colors.foreground, on: surface))
        }
        drawnCursor = wanted
    }

    /// Draws `columns` of one visible row; returns the rectangle it covered.
    @discardableResult
    func drawRow(_ terminal: Terminal, _ row: Int, columns: Range<Int>, on surface: Surface) -> Rect {
        terminal.visibleRow(row, into: &rowCells)
        return rowCells.withUnsafeBufferPointer { cells in
            var covered = Rect.zero
            var column = max(columns.lowerBound, 0)
            let end = min(columns.upperBound, cells.count)
            // A dirty right half of a wide character redraws the whole character.
            if column > 0 && column < end && cells[column].isWideContinuation { column -= 1 }
            while column < end {
                let cell = cells[column]
                if cell.isWideContinuation {
                    // An orphaned right half (its left half scrolled off the view): blank it.
                    let colors = resolve(Cell(), terminal)
                    covered = covered.union(painter.drawCell(0x20, column: column, row: row, foreground: colors.foreground,
                                                             background: colors.background, on: surface))
                    column += 1
                    continue
                }
                var colors = resolve(cell, terminal)
                if let selection, selection.contains(row * cells.count + column) {
                    colors = (colors.background, colors.foreground)
                }
                let wide = cell.width == 2 && column + 1 < cells.count
                let scalar = cell.attributes.contains(.hidden) ? 0x20 : cell.scalar
                covered = covered.union(painter.drawCell(scalar, column: column, row: row, style: fontStyle(cell),
                                                         attributes: textAttributes(cell), foreground: colors.foreground,
                                                         background: colors.background, wide: wide, on: surface))
                column += wide ? 2 : 1
            }
            return covered
        }
    }

    func fontStyle(_ cell: Cell) -> FontStyle {
        FontStyle(bold: cell.attributes.contains(.bold), oblique: cell.attributes.contains(.italic))
    }

    func textAttributes(_ cell: Cell) -> Text.CellAttributes {
        var attributes: Text.CellAttributes = []
        if cell.attributes.contains(.underline) { attributes.insert(.underline) }
        if cell.attributes.contains(.strike) { attributes.insert(.strikethrough) }
        return attributes
    }

    /// Foreground and background after defaults, palette, bold-as-bright, faint,
    /// inverse and hidden.
    func resolve(_ cell: Cell, _ terminal: Terminal) -> (foreground: Color, background: Color) {
        var foreground = rgb(cell.foreground, terminal, isForeground: true)
        var background = rgb(cell.background, terminal, isForeground: false)
        if cell.attributes.contains(.bold), case .indexed(let index) = cell.foreground, index < 8 {
            foreground = Color(xrgb: terminal.palette[Int(index) + 8])
        }
        if cell.attributes.contains(.inverse) { swap(&foreground, &background) }
        if cell.attributes.contains(.faint) { foreground = foreground.blended(over: background, alpha: 128) }
        if cell.attributes.contains(.hidden) { foreground = background }
        return (foreground, background)
    }

    func rgb(_ color: TerminalColor, _ terminal: Terminal, isForeground: Bool) -> Color {
        switch color {
        case .default: return Color(xrgb: isForeground ? terminal.defaultForeground : terminal.defaultBackground)
        case .indexed(let index): return Color(xrgb: terminal.palette[Int(index)])
        case .rgb(let value): return Color(xrgb: value)
        }
    }
}
