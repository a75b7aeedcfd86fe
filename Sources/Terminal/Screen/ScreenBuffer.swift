/// One screen's worth of lines: the main screen or the alternate one. Each has
/// its own DECSC slot, as in xterm, so saving the cursor on the alternate screen
/// does not disturb what `CSI ? 1049 h` saved for the main one.
struct ScreenBuffer {
    /// Exactly `rows` lines of exactly `columns` cells.
    var lines: [Line]
    var savedCursor: SavedCursor?

    init(columns: Int, rows: Int) {
        lines = [Line](repeating: Line(columns: columns), count: rows)
        savedCursor = nil
    }

    /// Blanks every line with `cell`.
    mutating func clear(columns: Int, filling cell: Cell) {
        for row in lines.indices { lines[row].clear(columns: columns, filling: cell) }
    }

    /// Index of the last line with visible content or a wrap mark, or -1.
    var lastUsedRow: Int {
        var row = lines.count - 1
        while row >= 0 && lines[row].isBlank { row -= 1 }
        return row
    }
}
