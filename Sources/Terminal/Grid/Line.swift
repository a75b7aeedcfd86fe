/// One row of cells, on screen or in the scrollback.
///
/// `isWrapped` says autowrap continued this line's text on the next line, so the
/// two are one logical line; reflow joins such lines and rewraps them at a new
/// width. Screen lines always hold exactly `columns` cells; scrollback lines may
/// be shorter (trailing blanks trimmed).
struct Line {
    var cells: [Cell]
    var isWrapped: Bool

    init(cells: [Cell], isWrapped: Bool = false) {
        self.cells = cells
        self.isWrapped = isWrapped
    }

    init(columns: Int, filling cell: Cell = .blank) {
        cells = [Cell](repeating: cell, count: columns)
        isWrapped = false
    }

    /// Makes this an unwrapped line of `columns` copies of `cell`, reusing the storage.
    mutating func clear(columns: Int, filling cell: Cell) {
        isWrapped = false
        if cells.count == columns {
            cells.withUnsafeMutableBufferPointer { $0.fill(with: cell) }
        } else {
            cells.removeAll(keepingCapacity: true)
            cells.append(contentsOf: repeatElement(cell, count: columns))
        }
    }

    /// Number of cells up to the last one that is not blank.
    var trimmedCount: Int {
        var end = cells.count
        while end > 0 && cells[end - 1].isBlank { end -= 1 }
        return end
    }

    /// True when every cell is blank and the line does not continue.
    var isBlank: Bool { !isWrapped && trimmedCount == 0 }

    /// A compact copy for the scrollback: trailing blanks dropped and storage sized
    /// to fit. A wrapped line keeps every cell, because its trailing spaces are
    /// text that reflow must rejoin with the next line.
    func compacted() -> Line {
        var copy = Line(cells: [], isWrapped: isWrapped)
        copy.becomeCompacted(self)
        return copy
    }

    /// Becomes `line.compacted()`, reusing this line's storage when it is large
    /// enough (the scrollback recycles the line it evicts: no allocation).
    mutating func becomeCompacted(_ line: Line) {
        let keep = line.isWrapped ? line.cells.count : line.trimmedCount
        isWrapped = line.isWrapped
        // Storage of the right size, then one copy (`copy(from:)`).
        guard keep <= cells.capacity else {
            cells = [Cell](unsafeUninitializedCapacity: keep) { buffer, count in
                line.cells.withUnsafeBufferPointer { buffer.copy(from: UnsafeBufferPointer(rebasing: $0[..<keep])) }
                count = keep
            }
            return
        }
        // Recycled storage: the common part is copied at once, any rest appended.
        let common = min(cells.count, keep)
        if cells.count > keep { cells.removeLast(cells.count - keep) }
        line.cells.withUnsafeBufferPointer { source in
            cells.withUnsafeMutableBufferPointer { $0.copy(from: UnsafeBufferPointer(rebasing: source[..<common])) }
            if keep > common { cells.append(contentsOf: UnsafeBufferPointer(rebasing: source[common ..< keep])) }
        }
    }

    /// Sets the line to exactly `columns` cells, padding with blanks or cutting.
    mutating func resize(columns: Int) {
        if cells.count > columns {
            cells.removeLast(cells.count - columns)
        } else if cells.count < columns {
            cells.append(contentsOf: repeatElement(Cell.blank, count: columns - cells.count))
        }
    }

    /// Blanks any half of a wide character whose other half is missing (after an
    /// edit shifted cells or cut the line), so the grid invariant holds: a width-2
    /// cell is always followed by a width-0 cell and vice versa.
    /// Returns the range of columns it changed, if any.
    @discardableResult
    mutating func repairWideCharacters() -> Range<Int>? {
        var low = Int.max
        var high = Int.min
        let count = cells.count
        var column = 0
        while column < count {
            let width = cells[column].width
            if width == 2 {
                if column + 1 < count && cells[column + 1].width == 0 {
                    column += 2
                    continue
                }
                cells[column] = cells[column].erased
                low = min(low, column)
                high = max(high, column + 1)
            } else if width == 0 {
                cells[column] = cells[column].erased
                low = min(low, column)
                high = max(high, column + 1)
            }
            column += 1
        }
        return low <= high ? low ..< high : nil
    }
}
