import Graphics
import Terminal

/// Mouse selection on a console: left-drag selects cells (the renderer shows
/// them inverted), a double click selects a word, and the selected text is kept
/// for the middle button to paste — as a bracketed paste when the program asked
/// for it. Cells are linear indices, row * columns + column, on the visible screen.
public struct ConsoleSelection {
    public static let doubleClickNanoseconds: UInt64 = 400_000_000

    public private(set) var anchor: Int? = nil
    public private(set) var head: Int? = nil
    public private(set) var dragging = false
    /// The text the last finished selection captured (rows joined with LF).
    public private(set) var text: [UInt8] = []
    private var lastClick: (cell: Int, time: UInt64)? = nil

    public init() {}

    /// The selected cells (inclusive), ordered.
    public var range: ClosedRange<Int>? {
        guard let anchor, let head else { return nil }
        return min(anchor, head)...max(anchor, head)
    }

    /// The left button went down on `cell` at `now` (nanoseconds).
    public mutating func begin(at cell: Int, now: UInt64, in terminal: Terminal) {
        if let last = lastClick, last.cell == cell, now &- last.time < ConsoleSelection.doubleClickNanoseconds {
            lastClick = nil
            dragging = false
            selectWord(at: cell, in: terminal)
            return
        }
        lastClick = (cell, now)
        anchor = cell
        head = cell
        dragging = true
    }

    /// The pointer moved to `cell` with the button down; true if the selection changed.
    public mutating func extend(to cell: Int) -> Bool {
        guard dragging, cell != head else { return false }
        head = cell
        return true
    }

    /// The button came up (on `cell`, if on the grid): the text is captured.
    public mutating func end(at cell: Int?, in terminal: Terminal) -> Bool {
        guard dragging else { return false }
        if let cell { head = cell }
        dragging = false
        capture(from: terminal)
        return true
    }

    public mutating func clear() {
        anchor = nil
        head = nil
        dragging = false
    }

    mutating func selectWord(at cell: Int, in terminal: Terminal) {
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
        capture(from: terminal)
    }

    /// The selected text: rows joined with newlines, trailing blanks trimmed.
    mutating func capture(from terminal: Terminal) {
        guard let range else { return }
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

    /// What a paste types into `terminal`'s program: CR for each line break,
    /// wrapped in ESC [200~ … ESC [201~ when it asked for bracketed paste; nil
    /// when nothing was selected yet.
    public func pasteBytes(for terminal: Terminal) -> [UInt8]? {
        guard !text.isEmpty else { return nil }
        var bytes: [UInt8] = []
        if terminal.modes.bracketedPaste { bytes += [0x1b, 0x5b, 0x32, 0x30, 0x30, 0x7e] }
        bytes += text.map { $0 == 10 ? 13 : $0 }
        if terminal.modes.bracketedPaste { bytes += [0x1b, 0x5b, 0x32, 0x30, 0x31, 0x7e] }
        return bytes
    }
}
