/// Moving lines: scrolling the region, the scrollback, inserting and deleting lines.
extension TerminalCore {
    /// True when the scroll region is the whole screen, the only case in which
    /// lines scrolled off the top are kept (as in xterm) and a renderer can move
    /// the screen's pixels in one copy.
    var regionIsFullScreen: Bool { scrollTop == 0 && scrollBottom == rows - 1 }

    /// The cell erasing produces: blank, with the current background (xterm's
    /// background colour erase).
    var erasedCell: Cell { pen.erased }

    /// IND / LF: down one line, scrolling the region at its bottom margin.
    mutating func index() {
        if cursor.row == scrollBottom {
            scrollUp(1)
        } else if cursor.row < rows - 1 {
            cursor.row += 1
        }
    }

    /// RI: up one line, scrolling the region down at its top margin.
    mutating func reverseIndex() {
        if cursor.row == scrollTop {
            scrollDown(1)
        } else if cursor.row > 0 {
            cursor.row -= 1
        }
    }

    /// Scrolls the region up `count` lines: the top ones leave (into the
    /// scrollback, for a full-screen region on the main screen), blank lines
    /// appear at the bottom.
    mutating func scrollUp(_ count: Int) {
        let height = scrollBottom - scrollTop + 1
        let count = min(max(count, 0), height)
        guard count > 0 else { return }
        let keep = regionIsFullScreen && !modes.alternateScreen
        let blank = erasedCell
        for _ in 0 ..< count {
            if keep { scrollback.appendCompacted(screen[scrollTop]) }
            screen[scrollTop].clear(columns: columns, filling: blank)
            screen.rotateUp(top: scrollTop, bottom: scrollBottom)
        }
        if regionIsFullScreen {
            damage.scrollUp(count)
        } else {
            damage.markRows(scrollTop, through: scrollBottom)
        }
    }

    /// Scrolls the region down `count` lines: the bottom ones are lost, blank
    /// lines appear at the top.
    mutating func scrollDown(_ count: Int) {
        let height = scrollBottom - scrollTop + 1
        let count = min(max(count, 0), height)
        guard count > 0 else { return }
        let blank = erasedCell
        for _ in 0 ..< count {
            screen[scrollBottom].clear(columns: columns, filling: blank)
            screen.rotateDown(top: scrollTop, bottom: scrollBottom)
        }
        damage.markRows(scrollTop, through: scrollBottom)
    }

    /// IL: inserts `count` blank lines at the cursor row, pushing the lines below
    /// down within the region. Outside the region it does nothing.
    mutating func insertLines(_ count: Int) {
        guard cursor.row >= scrollTop && cursor.row <= scrollBottom else { return }
        let count = min(max(count, 1), scrollBottom - cursor.row + 1)
        let blank = erasedCell
        for _ in 0 ..< count {
            screen[scrollBottom].clear(columns: columns, filling: blank)
            screen.rotateDown(top: cursor.row, bottom: scrollBottom)
        }
        damage.markRows(cursor.row, through: scrollBottom)
        cursor.column = 0
        cursor.pendingWrap = false
    }

    /// DL: deletes `count` lines at the cursor row, pulling the lines below up
    /// within the region and adding blank lines at its bottom.
    mutating func deleteLines(_ count: Int) {
        guard cursor.row >= scrollTop && cursor.row <= scrollBottom else { return }
        let count = min(max(count, 1), scrollBottom - cursor.row + 1)
        let blank = erasedCell
        for _ in 0 ..< count {
            screen[cursor.row].clear(columns: columns, filling: blank)
            screen.rotateUp(top: cursor.row, bottom: scrollBottom)
        }
        damage.markRows(cursor.row, through: scrollBottom)
        cursor.column = 0
        cursor.pendingWrap = false
    }

    /// DECSTBM: rows `top` and `bottom` are 1-based; 0 means the default (first
    /// or last row). An invalid region (top not above bottom) is ignored, as in
    /// xterm. The cursor goes home.
    mutating func setScrollRegion(top: Int, bottom: Int) {
        let newTop = top == 0 ? 0 : top - 1
        let newBottom = bottom == 0 ? rows - 1 : min(bottom, rows) - 1
        guard newTop < newBottom else { return }
        scrollTop = newTop
        scrollBottom = newBottom
        moveCursorHome()
    }
}
