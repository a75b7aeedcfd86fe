/// Looking back into the scrollback.
extension TerminalCore {
    /// Moves the view `lines` lines back into history (negative: towards the
    /// bottom), clamped to what the scrollback holds. The alternate screen has no
    /// history, so there the view stays put.
    mutating func scrollView(by lines: Int) {
        let limit = modes.alternateScreen ? 0 : scrollback.count
        let target = min(max(viewOffset + lines, 0), limit)
        guard target != viewOffset else { return }
        viewOffset = target
        damage.markEverything()
    }

    /// Returns the view to the bottom (the live screen).
    mutating func resetView() {
        guard viewOffset != 0 else { return }
        viewOffset = 0
        damage.markEverything()
    }

    /// What a viewer sees at (`row`, `column`) of the window: with the view
    /// scrolled back by `viewOffset` lines, the top rows show scrollback lines
    /// and the rest the top of the screen. A blank cell outside the grid or past
    /// the end of a trimmed scrollback line.
    func visibleCell(row: Int, column: Int) -> Cell {
        guard row >= 0 && row < rows && column >= 0 && column < columns else { return .blank }
        if row < viewOffset {
            let line = scrollback[scrollback.count - viewOffset + row]
            return column < line.cells.count ? line.cells[column] : .blank
        }
        return screen[row - viewOffset].cells[column]
    }

    /// True when the visible row `row` continues on the next (see `visibleCell`).
    func isVisibleRowWrapped(_ row: Int) -> Bool {
        guard row >= 0 && row < rows else { return false }
        if row < viewOffset {
            return scrollback[scrollback.count - viewOffset + row].isWrapped
        }
        return screen[row - viewOffset].isWrapped
    }
}
