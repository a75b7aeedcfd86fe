/// Collects damage between two `Terminal.takeDamage()` calls: per row, one
/// range of dirty columns (the hull of everything written there), a count of
/// whole-screen scrolls, and a full-redraw flag.
///
/// A whole-screen scroll shifts the recorded ranges up with the text, so they
/// stay valid for a renderer that first moves its pixels by `scrolledLines`.
/// Anything cleverer (partial-region scrolls, scrolling down) is recorded as
/// dirty rows: those are rarer, and correctness only needs the rows redrawn.
struct DamageAccumulator {
    private(set) var rows: Int
    private(set) var columns: Int
    private var starts: [UInt16]
    private var ends: [UInt16]
    private(set) var scrolledLines = 0
    private(set) var fullRedraw = true

    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        starts = [UInt16](repeating: 0, count: rows)
        ends = [UInt16](repeating: 0, count: rows)
    }

    /// Marks columns `lower..<upper` of `row`.
    @inline(__always)
    mutating func mark(row: Int, from lower: Int, to upper: Int) {
        guard !fullRedraw, row >= 0, row < rows, lower < upper else { return }
        let low = UInt16(truncatingIfNeeded: max(0, lower))
        let high = UInt16(truncatingIfNeeded: min(columns, upper))
        if starts[row] == ends[row] {
            starts[row] = low
            ends[row] = high
        } else {
            if low < starts[row] { starts[row] = low }
            if high > ends[row] { ends[row] = high }
        }
    }

    mutating func markRow(_ row: Int) {
        mark(row: row, from: 0, to: columns)
    }

    mutating func markRows(_ lower: Int, through upper: Int) {
        guard !fullRedraw else { return }
        var row = max(0, lower)
        while row <= min(upper, rows - 1) {
            markRow(row)
            row += 1
        }
    }

    /// The whole screen scrolled up `count` rows.
    mutating func scrollUp(_ count: Int) {
        guard !fullRedraw, count > 0 else { return }
        scrolledLines += count
        if scrolledLines >= rows {
            markEverything()
            return
        }
        for row in 0 ..< rows - count {
            starts[row] = starts[row + count]
            ends[row] = ends[row + count]
        }
        for row in rows - count ..< rows {
            starts[row] = 0
            ends[row] = UInt16(truncatingIfNeeded: columns)
        }
    }

    mutating func markEverything() {
        fullRedraw = true
    }

    /// Starts over for a grid of a new size, everything dirty.
    mutating func reset(rows: Int, columns: Int) {
        self = DamageAccumulator(rows: rows, columns: columns)
    }

    /// Hands out what was collected and starts a clean frame.
    mutating func take(cursorMoved: Bool, titleChanged: Bool) -> TerminalDamage {
        let damage = TerminalDamage(rows: rows, columns: columns, fullRedraw: fullRedraw,
                                    scrolledLines: scrolledLines, cursorMoved: cursorMoved,
                                    titleChanged: titleChanged, starts: starts, ends: ends)
        for row in 0 ..< rows {
            starts[row] = 0
            ends[row] = 0
        }
        scrolledLines = 0
        fullRedraw = false
        return damage
    }
}
