import Terminal
import XCTest

/// ESC, for building sequences readably: "\(esc)[2J".
let esc = "\u{1B}"

/// The active screen as text, one string per row: wide characters appear once
/// (their right half is skipped), combining marks follow their base, and
/// trailing spaces are trimmed.
func screenLines(_ terminal: Terminal) -> [String] {
    (0 ..< terminal.rows).map { row in
        rowText((0 ..< terminal.columns).map { terminal.cell(row: row, column: $0) })
    }
}

/// What a viewer sees (scrollback-aware), as text lines.
func visibleLines(_ terminal: Terminal) -> [String] {
    (0 ..< terminal.rows).map { row in
        rowText((0 ..< terminal.columns).map { terminal.visibleCell(row: row, column: $0) })
    }
}

/// The scrollback, oldest first, as text lines.
func scrollbackLines(_ terminal: Terminal) -> [String] {
    (0 ..< terminal.scrollbackCount).map { rowText(terminal.scrollbackLine($0)) }
}

func rowText(_ cells: [Cell]) -> String {
    var scalars = String.UnicodeScalarView()
    for cell in cells where cell.width != 0 {
        scalars.append(Unicode.Scalar(cell.scalar) ?? " ")
        for mark in 0 ..< cell.combiningMarkCount {
            scalars.append(Unicode.Scalar(cell.combiningMark(mark)) ?? "?")
        }
    }
    var text = String(scalars)
    while text.hasSuffix(" ") { text.removeLast() }
    return text
}

/// The cursor as (row, column).
func cursorOf(_ terminal: Terminal) -> [Int] {
    [terminal.cursorState.row, terminal.cursorState.column]
}

/// A terminal with `text` already fed.
func terminal(columns: Int = 10, rows: Int = 4, scrollback: Int = 100, _ text: String = "") -> Terminal {
    let terminal = Terminal(columns: columns, rows: rows, scrollbackLines: scrollback)
    terminal.feed(text)
    return terminal
}

/// Responses as a string, for readable assertions.
func responsesText(_ terminal: Terminal) -> String {
    String(decoding: terminal.takeResponses(), as: UTF8.self)
}

/// Checks every grid invariant through the public API; returns the first
/// violation, or nil.
func invariantViolation(_ terminal: Terminal) -> String? {
    let cursor = terminal.cursorState
    if cursor.row < 0 || cursor.row >= terminal.rows || cursor.column < 0 || cursor.column >= terminal.columns {
        return "cursor \(cursor.row),\(cursor.column) outside \(terminal.rows)x\(terminal.columns)"
    }
    if cursor.pendingWrap && cursor.column != terminal.columns - 1 {
        return "pending wrap away from the last column"
    }
    let region = terminal.scrollRegion
    if region.lowerBound < 0 || region.upperBound >= terminal.rows || region.lowerBound >= region.upperBound && terminal.rows > 1 {
        return "bad scroll region \(region)"
    }
    for row in 0 ..< terminal.rows {
        for column in 0 ..< terminal.columns {
            let cell = terminal.cell(row: row, column: column)
            switch cell.width {
            case 2:
                if column + 1 >= terminal.columns || terminal.cell(row: row, column: column + 1).width != 0 {
                    return "wide cell at \(row),\(column) without its right half"
                }
            case 0:
                if column == 0 || terminal.cell(row: row, column: column - 1).width != 2 {
                    return "right half at \(row),\(column) without its left half"
                }
            default:
                break
            }
            if cell.scalar > 0x10FFFF { return "bad scalar at \(row),\(column)" }
        }
    }
    if terminal.scrollbackCount > terminal.scrollbackCapacity { return "scrollback over capacity" }
    for index in 0 ..< terminal.scrollbackCount where terminal.scrollbackLine(index).count > terminal.columns {
        return "scrollback line \(index) wider than the screen"
    }
    if terminal.viewOffset < 0 || terminal.viewOffset > terminal.scrollbackCount { return "view offset out of range" }
    return nil
}

/// A small deterministic generator (SplitMix64) for reproducible random tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Fragments that exercise many code paths when spliced with random bytes.
let sequenceVocabulary: [String] = [
    "\(esc)[", "\(esc)]", "\(esc)P", "\(esc)_", "\(esc)(0", "\(esc)(B", "\(esc))0", "\u{E}", "\u{F}",
    "\(esc)7", "\(esc)8", "\(esc)D", "\(esc)E", "\(esc)M", "\(esc)H", "\(esc)c", "\(esc)#8", "\(esc)=",
    "\(esc)[?1049h", "\(esc)[?1049l", "\(esc)[?47h", "\(esc)[?1047l", "\(esc)[?6h", "\(esc)[?6l",
    "\(esc)[?7l", "\(esc)[?7h", "\(esc)[4h", "\(esc)[4l", "\(esc)[20h", "\(esc)[20l", "\(esc)[2;5r",
    "\(esc)[r", "\(esc)[3;9r", "\(esc)[H", "\(esc)[99;99H", "\(esc)[5A", "\(esc)[5B", "\(esc)[9C",
    "\(esc)[9D", "\(esc)[2J", "\(esc)[1J", "\(esc)[J", "\(esc)[3J", "\(esc)[K", "\(esc)[1K", "\(esc)[2K",
    "\(esc)[3@", "\(esc)[3P", "\(esc)[3X", "\(esc)[2L", "\(esc)[2M", "\(esc)[3S", "\(esc)[3T", "\(esc)[5b",
    "\(esc)[2I", "\(esc)[2Z", "\(esc)[g", "\(esc)[3g", "\(esc)[6n", "\(esc)[c", "\(esc)[>c", "\(esc)[5n",
    "\(esc)[!p", "\(esc)[3 q", "\(esc)[1;31;42m", "\(esc)[38;2;1;2;3m", "\(esc)[48:5:100m", "\(esc)[0m",
    "\(esc)]0;title\u{7}", "\(esc)]4;1;#123456\u{7}", "\(esc)]4;1;?\u{7}", "\(esc)]104\u{7}", "\(esc)\\",
    "漢字", "😀", "e\u{301}", "\u{200D}", "\u{FE0F}", "abc", "\r\n", "\t", "\u{8}", "\u{7}", "\u{18}",
    "\u{1A}", "\u{7F}", "\u{9B}",
]

/// A random mix of single bytes, printable runs and vocabulary fragments.
func randomInput(_ random: inout SeededGenerator, size: Int) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(size + 64)
    while bytes.count < size {
        switch random.next() % 4 {
        case 0:
            bytes.append(UInt8(truncatingIfNeeded: random.next()))
        case 1:
            for _ in 0 ..< Int(random.next() % 16) { bytes.append(0x20 + UInt8(random.next() % 95)) }
        default:
            bytes += Array(sequenceVocabulary[Int(random.next() % UInt64(sequenceVocabulary.count))].utf8)
            if random.next() % 3 == 0 { bytes.append(UInt8(ascii: "0") + UInt8(random.next() % 10)) }
        }
    }
    return bytes
}
