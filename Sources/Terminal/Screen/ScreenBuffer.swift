/// One screen's worth of lines: the main screen or the alternate one. Each has
/// its own DECSC slot, as in xterm, so saving the cursor on the alternate screen
/// does not disturb what `CSI ? 1049 h` saved for the main one.
///
/// The lines are a ring: row 0 is `storage[first]`. Scrolling the whole screen,
/// what `cat` does on every line, turns the ring by one instead of moving every
/// line of the array (and retaining and releasing each).
struct ScreenBuffer {
    /// Exactly `rows` lines of exactly `columns` cells, row 0 at `first`.
    private var storage: [Line]
    private var first = 0
    var savedCursor: SavedCursor?

    init(columns: Int, rows: Int) {
        storage = [Line](repeating: Line(columns: columns), count: rows)
        savedCursor = nil
    }

    var rowCount: Int { storage.count }

    /// Row `row` of the screen, 0 at the top.
    subscript(row: Int) -> Line {
        get { storage[physical(row)] }
        _modify { yield &storage[physical(row)] }
    }

    /// The rows from the top; setting replaces them all (resize, reflow).
    var lines: [Line] {
        get {
            guard first != 0 else { return storage }
            return Array(storage[first...] + storage[..<first])
        }
        set {
            storage = newValue
            first = 0
        }
    }

    /// Blanks every line with `cell`.
    mutating func clear(columns: Int, filling cell: Cell) {
        for index in storage.indices { storage[index].clear(columns: columns, filling: cell) }
    }

    /// Index of the last line with visible content or a wrap mark, or -1.
    var lastUsedRow: Int {
        var row = rowCount - 1
        while row >= 0 && self[row].isBlank { row -= 1 }
        return row
    }

    /// Rows `top` through `bottom` move up one; row `top` becomes row `bottom`.
    mutating func rotateUp(top: Int, bottom: Int) {
        guard top < bottom else { return }
        if top == 0 && bottom == rowCount - 1 {
            first = physical(1)
            return
        }
        for row in top ..< bottom { storage.swapAt(physical(row), physical(row + 1)) }
    }

    /// Rows `top` through `bottom` move down one; row `bottom` becomes row `top`.
    mutating func rotateDown(top: Int, bottom: Int) {
        guard top < bottom else { return }
        if top == 0 && bottom == rowCount - 1 {
            first = physical(rowCount - 1)
            return
        }
        var row = bottom
        while row > top {
            storage.swapAt(physical(row), physical(row - 1))
            row -= 1
        }
    }

    private func physical(_ row: Int) -> Int {
        let index = first + row
        return index >= storage.count ? index - storage.count : index
    }
}
