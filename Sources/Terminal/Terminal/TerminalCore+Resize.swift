/// Changing the grid size, with reflow of the main screen and its scrollback.
extension TerminalCore {
    /// See `Terminal.resize` for the rules.
    mutating func resize(columns newColumns: Int, rows newRows: Int) {
        let newColumns = TerminalCore.clampColumns(newColumns)
        let newRows = TerminalCore.clampRows(newRows)
        guard newColumns != columns || newRows != rows else { return }

        if modes.alternateScreen {
            // The main screen is inactive; the cursor it will get back is the one
            // 1049 saved, so that is the one to carry through the reflow.
            var main = inactiveScreen
            var saved = main.savedCursor
            var position = saved?.position
            reflowMain(&main, tracking: &position, columns: newColumns, rows: newRows)
            if let position { saved?.position = position }
            main.savedCursor = saved
            inactiveScreen = main
            var cursorRow = cursor.row
            TerminalCore.clip(&screen, columns: newColumns, rows: newRows, narrowing: newColumns < columns,
                              cursorRow: &cursorRow)
            cursor.row = cursorRow
            TerminalCore.clampSavedCursor(&screen, columns: newColumns, rows: newRows)
        } else {
            var main = screen
            screen = ScreenBuffer(columns: 0, rows: 0)  // drop the reference: no copy on write
            var position: CursorPosition? = cursor
            reflowMain(&main, tracking: &position, columns: newColumns, rows: newRows)
            cursor = position ?? CursorPosition()
            TerminalCore.clampSavedCursor(&main, columns: newColumns, rows: newRows)
            screen = main
            var unusedRow = 0
            TerminalCore.clip(&inactiveScreen, columns: newColumns, rows: newRows, narrowing: newColumns < columns,
                              cursorRow: &unusedRow)
            TerminalCore.clampSavedCursor(&inactiveScreen, columns: newColumns, rows: newRows)
        }

        columns = newColumns
        rows = newRows
        cursor.row = min(cursor.row, rows - 1)
        cursor.column = min(cursor.column, columns - 1)
        if cursor.column != columns - 1 || !modes.autowrap { cursor.pendingWrap = false }
        scrollTop = 0
        scrollBottom = rows - 1
        tabStops.resize(columns: columns)
        viewOffset = 0
        damage.reset(rows: rows, columns: columns)
        reportedCursor = nil
    }

    /// Reflows the main screen and the scrollback into `buffer` of the new size,
    /// mapping `position` (the cursor to keep on its character) along.
    private mutating func reflowMain(_ buffer: inout ScreenBuffer, tracking position: inout CursorPosition?,
                            columns newColumns: Int, rows newRows: Int) {
        // Lines to reflow: the whole scrollback, then the screen down to the
        // cursor or the last line with content, whichever is lower. Blank lines
        // below both carry nothing worth keeping.
        let lastUsed = buffer.lastUsedRow
        let usedRows = max(lastUsed + 1, (position?.row ?? -1) + 1)
        var lines = scrollback.lines
        let screenStart = lines.count
        lines.reserveCapacity(lines.count + usedRows)
        for row in 0 ..< usedRows { lines.append(buffer[row]) }
        scrollback.removeAll()

        var tracked: Reflow.Position?
        if let position {
            tracked = Reflow.Position(line: screenStart + position.row, column: position.column,
                                      pendingWrap: position.pendingWrap)
        }
        let reflowed = Reflow.rewrap(lines, columns: newColumns, tracking: &tracked)

        // The screen shows the last `newRows` lines, but never starts below the cursor.
        var top = max(0, reflowed.count - newRows)
        if let tracked { top = min(top, tracked.line) }
        for index in 0 ..< top { scrollback.append(reflowed[index].compacted()) }
        var screenLines: [Line] = []
        screenLines.reserveCapacity(newRows)
        var index = top
        while index < reflowed.count && screenLines.count < newRows {
            var line = reflowed[index]
            line.resize(columns: newColumns)
            screenLines.append(line)
            index += 1
        }
        while screenLines.count < newRows { screenLines.append(Line(columns: newColumns)) }
        buffer.lines = screenLines

        if let tracked {
            position = CursorPosition(row: tracked.line - top, column: tracked.column,
                                      pendingWrap: tracked.pendingWrap)
        }
    }

    /// Cuts or extends a screen without reflow. Rows go from the bottom, unless
    /// that would lose the cursor's row; then from the top.
    private static func clip(_ buffer: inout ScreenBuffer, columns newColumns: Int, rows newRows: Int,
                             narrowing: Bool, cursorRow: inout Int) {
        var lines = buffer.lines
        if lines.count > newRows {
            let excess = lines.count - newRows
            let fromTop = min(excess, max(0, cursorRow - (newRows - 1)))
            lines.removeFirst(fromTop)
            lines.removeLast(excess - fromTop)
            cursorRow -= fromTop
        }
        while lines.count < newRows { lines.append(Line(columns: newColumns)) }
        for row in lines.indices {
            lines[row].resize(columns: newColumns)
            lines[row].repairWideCharacters()
            if narrowing {
                // Narrower: the text that continued past the new edge is gone, so
                // the line no longer joins the next one.
                lines[row].isWrapped = false
            }
        }
        buffer.lines = lines
    }

    private static func clampSavedCursor(_ buffer: inout ScreenBuffer, columns newColumns: Int, rows newRows: Int) {
        guard var saved = buffer.savedCursor else { return }
        saved.position.row = min(saved.position.row, newRows - 1)
        saved.position.column = min(saved.position.column, newColumns - 1)
        if saved.position.column != newColumns - 1 { saved.position.pendingWrap = false }
        buffer.savedCursor = saved
    }
}
