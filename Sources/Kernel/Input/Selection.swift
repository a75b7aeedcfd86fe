import Platform
import Text
import Console
import Graphics
import Terminal

/// Mouse selection on the visible console: left-drag selects (shown inverted),
/// a double click selects a word, the middle button pastes the selection into
/// the console's input — as a bracketed paste when the program asked for it.
enum Selection {
    static var anchor: Int? = nil      // linear cell index: row * columns + column
    static var head: Int? = nil
    static var dragging = false
    static var text: [UInt8] = []
    static var lastClick: (cell: Int, time: UInt64)? = nil
    static let doubleClickNanoseconds: UInt64 = 400_000_000

    static func cellIndex(at point: Point) -> Int? {
        guard let renderer = KernelConsole.renderer, KernelConsole.started else { return nil }
        let terminal = KernelConsole.terminals[KernelConsole.active]
        let metrics = renderer.metrics
        let column = point.x / max(metrics.width, 1)
        let row = point.y / max(metrics.height, 1)
        guard row >= 0, row < terminal.rows, column >= 0, column < terminal.columns else { return nil }
        return row * terminal.columns + column
    }

    static func begin(at point: Point) {
        guard let cell = cellIndex(at: point) else { return }
        let now = GenericTimer.now().nanoseconds
        if let last = lastClick, last.cell == cell, now - last.time < doubleClickNanoseconds {
            selectWord(at: cell)
            lastClick = nil
            dragging = false
            return
        }
        lastClick = (cell, now)
        anchor = cell
        head = cell
        dragging = true
        show()
    }

    static func pointerMoved(to point: Point) {
        guard dragging, let cell = cellIndex(at: point), cell != head else { return }
        head = cell
        show()
    }

    static func end(at point: Point) {
        guard dragging else { return }
        if let cell = cellIndex(at: point) { head = cell }
        dragging = false
        show()
        capture()
    }

    static func selectWord(at cell: Int) {
        let terminal = KernelConsole.terminals[KernelConsole.active]
        let columns = terminal.columns
        let row = cell / columns
        func isWord(_ column: Int) -> Bool {
            let scalar = terminal.visibleCell(row: row, column: column).scalar
            return scalar != 0x20 && scalar != 0
        }
        var start = cell % columns, end = start
        guard isWord(start) else { return }
        while start > 0 && isWord(start - 1) { start -= 1 }
        while end + 1 < columns && isWord(end + 1) { end += 1 }
        anchor = row * columns + start
        head = row * columns + end
        show()
        capture()
    }

    /// The selected range (inclusive), ordered.
    static var range: ClosedRange<Int>? {
        guard let anchor, let head else { return nil }
        return min(anchor, head)...max(anchor, head)
    }

    static func show() {
        KernelConsole.renderer?.selection = range
        KernelConsole.forceRedraw = true
        Screen.scheduleFrame()
    }

    /// The selected text: rows joined with newlines, trailing blanks trimmed.
    static func capture() {
        guard let range else { return }
        let terminal = KernelConsole.terminals[KernelConsole.active]
        let columns = terminal.columns
        var result: [UInt8] = []
        var row = range.lowerBound / columns
        while row * columns <= range.upperBound {
            let first = max(range.lowerBound, row * columns) - row * columns
            let last = min(range.upperBound, row * columns + columns - 1) - row * columns
            var line: [UInt8] = []
            for column in first...last {
                let cell = terminal.visibleCell(row: row, column: column)
                if cell.isWideContinuation { continue }
                if let scalar = Unicode.Scalar(cell.scalar) { line.append(contentsOf: Array(String(Character(scalar)).utf8)) }
            }
            while line.last == 0x20 { line.removeLast() }
            if !result.isEmpty { result.append(10) }
            result.append(contentsOf: line)
            row += 1
        }
        text = result
    }

    static func paste() {
        guard !text.isEmpty else { return }
        let terminal = KernelConsole.terminals[KernelConsole.active]
        var bytes: [UInt8] = []
        if terminal.modes.bracketedPaste { bytes += [0x1b, 0x5b, 0x32, 0x30, 0x30, 0x7e] }
        bytes += text.map { $0 == 10 ? 13 : $0 }
        if terminal.modes.bracketedPaste { bytes += [0x1b, 0x5b, 0x32, 0x30, 0x31, 0x7e] }
        KernelConsole.input(bytes)
    }

    static func clear() {
        anchor = nil
        head = nil
        KernelConsole.renderer?.selection = nil
    }
}
