/// What changed on screen since the previous `Terminal.takeDamage()`, for a
/// renderer that redraws only that (foot's approach).
///
/// Apply it in this order:
/// 1. if `fullRedraw`, redraw every row and ignore the rest;
/// 2. otherwise, if `scrolledLines > 0`, move the previously drawn rows up by
///    that many rows (one copy of `rows − scrolledLines` rows of pixels): the
///    whole screen scrolled that far, as when output runs off the bottom;
/// 3. redraw the cells in `dirtyColumns(inRow:)` of every dirty row. Dirty
///    ranges are in the current screen's coordinates, already shifted by the
///    scroll, and include the rows the scroll exposed at the bottom;
/// 4. draw the cursor. When `cursorMoved`, the cells under its old and new
///    positions are among the dirty ones, so step 3 erased the old cursor.
public struct TerminalDamage: Equatable {
    public let rows: Int
    public let columns: Int
    /// Everything must be redrawn: after a resize, RIS, switching screens, a
    /// palette or reverse-video change, scrolling the view, or more scrolling
    /// than the screen is high.
    public let fullRedraw: Bool
    /// Rows the whole screen scrolled up (0 when `fullRedraw`).
    public let scrolledLines: Int
    /// The cursor's position, visibility or shape changed, or the screen scrolled under it.
    public let cursorMoved: Bool
    /// OSC 0/2 set the title.
    public let titleChanged: Bool
    /// Per row, start and end (exclusive) of the dirty columns; start == end when clean.
    private let starts: [UInt16]
    private let ends: [UInt16]

    init(rows: Int, columns: Int, fullRedraw: Bool, scrolledLines: Int, cursorMoved: Bool,
         titleChanged: Bool, starts: [UInt16], ends: [UInt16]) {
        self.rows = rows
        self.columns = columns
        self.fullRedraw = fullRedraw
        self.scrolledLines = fullRedraw ? 0 : scrolledLines
        self.cursorMoved = cursorMoved
        self.titleChanged = titleChanged
        self.starts = starts
        self.ends = ends
    }

    /// Columns of `row` to redraw: all of them under `fullRedraw`, empty when clean
    /// or out of range.
    public func dirtyColumns(inRow row: Int) -> Range<Int> {
        guard row >= 0 && row < rows else { return 0 ..< 0 }
        if fullRedraw { return 0 ..< columns }
        guard row < starts.count else { return 0 ..< 0 }
        let start = Int(starts[row])
        let end = Int(ends[row])
        return start < end ? start ..< end : 0 ..< 0
    }

    public func isRowDirty(_ row: Int) -> Bool {
        !dirtyColumns(inRow: row).isEmpty
    }

    /// Rows with something to redraw, top to bottom.
    public var dirtyRows: [Int] {
        var result: [Int] = []
        for row in 0 ..< rows where isRowDirty(row) { result.append(row) }
        return result
    }

    /// Nothing to do at all.
    public var isEmpty: Bool {
        !fullRedraw && scrolledLines == 0 && !cursorMoved && !titleChanged && dirtyRows.isEmpty
    }
}
