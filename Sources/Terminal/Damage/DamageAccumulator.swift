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
    /// Per row, the dirty columns as start | end << 16 (exclusive end; equal
    /// when clean): one array, so marking a cell is one load and one store.
    private var spans: [UInt32]
    private(set) var scrolledLines = 0
    private(set) var fullRedraw = true

    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        spans = [UInt32](repeating: 0, count: rows)
    }

    /// Marks columns `lower..<upper` of `row`.
    @inline(__always)
    mutating func mark(row: Int, from lower: Int, to upper: Int) {
        guard !fullRedraw, row >= 0, row < rows, lower < upper else { return }
        var low = UInt32(truncatingIfNeeded: max(0, lower))
        var high = UInt32(truncatingIfNeeded: min(columns, upper))
        let span = spans[row]
        let start = span & 0xFFFF
        let end = span >> 16
        if start != end {
            low = min(low, start)
            high = max(high, end)
        }
        spans[row] = low | high << 16
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
            spans[row] = spans[row + count]
        }
        for row in rows - count ..< rows {
            spans[row] = UInt32(truncatingIfNeeded: columns) << 16
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
                                    titleChanged: titleChanged,
                                    starts: spans.map { UInt16(truncatingIfNeeded: $0) },
                                    ends: spans.map { UInt16(truncatingIfNeeded: $0 >> 16) })
        for row in 0 ..< rows {
            spans[row] = 0
        }
        scrolledLines = 0
        fullRedraw = false
        return damage
    }
}
