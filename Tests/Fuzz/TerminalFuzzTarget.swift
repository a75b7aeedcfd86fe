// libFuzzer target for Lumen's terminal: the parser and the grid together.
//
// Built by scripts/fuzz-terminal, together with Sources/Terminal/**/*.swift
// into one module (no SwiftPM target), with
//   swiftc -sanitize=fuzzer,address -parse-as-library ...
//
// Input layout (so the fuzzer also explores sizes, resizes and the scrolled-back view):
//   byte 0     columns: 2 + b % 79, or 200 when b >= 250
//   byte 1     rows: 1 + b % 30
//   byte 2     flags: bit 0 resizes between chunks, bit 1 scrolls the view,
//              bit 2 feeds byte by byte (else in chunks), bit 3 (without
//              bits 0 and 1) also feeds a second terminal byte by byte and
//              requires the same screen: the parser's fast paths for whole
//              runs and sequences must equal its state machine
//   byte 3     chunk length: 1 + b % 64
//   bytes 4... what the application writes
// After every chunk the invariants below are checked; a violation traps, which
// libFuzzer reports as a crash with the input that caused it.

@_cdecl("LLVMFuzzerTestOneInput")
public func lumenTerminalFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 4 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let columns = input[0] >= 250 ? 200 : 2 + Int(input[0] % 79)
    let rows = 1 + Int(input[1] % 30)
    let flags = input[2]
    let chunk = flags & 4 != 0 ? 1 : 1 + Int(input[3] % 64)
    let terminal = Terminal(columns: columns, rows: rows, scrollbackLines: 200)
    var offset = 4
    while offset < size {
        let end = min(size, offset + chunk)
        let piece = UnsafeBufferPointer(rebasing: input[offset ..< end])
        terminal.feed(piece)
        let operation = Int(piece.first! ^ piece.last!)
        if flags & 1 != 0 && operation % 16 == 0 {
            terminal.resize(columns: 1 + operation % 90, rows: (operation >> 3) % 33)  // out of range too: clamped
        }
        if flags & 2 != 0 && operation % 8 == 1 {
            terminal.scrollView(by: operation % 23 - 11)
        }
        checkInvariants(terminal)
        offset = end
    }
    if flags & 0b1011 == 0b1000 {
        let single = Terminal(columns: columns, rows: rows, scrollbackLines: 200)
        for index in 4 ..< size { single.feed(UnsafeBufferPointer(rebasing: input[index ..< index + 1])) }
        checkSameScreen(terminal, single)
    }
    return 0
}

/// Traps unless both terminals show the same cells, cursor and scrollback depth.
func checkSameScreen(_ chunked: Terminal, _ single: Terminal) {
    let a = chunked.cursorState
    let b = single.cursorState
    if a.row != b.row || a.column != b.column || a.pendingWrap != b.pendingWrap {
        fatalError("chunked and byte-by-byte feeding put the cursor in different places")
    }
    if chunked.scrollbackCount != single.scrollbackCount {
        fatalError("chunked and byte-by-byte feeding scrolled back different lines")
    }
    for row in 0 ..< chunked.rows {
        for column in 0 ..< chunked.columns
        where chunked.cell(row: row, column: column) != single.cell(row: row, column: column) {
            fatalError("chunked and byte-by-byte feeding left different cells")
        }
    }
}

/// Traps with a description when the terminal breaks one of its promises.
func checkInvariants(_ terminal: Terminal) {
    func fail(_ message: String) -> Never {
        fatalError("terminal invariant: \(message) (\(terminal.columns)x\(terminal.rows))")
    }
    let columns = terminal.columns
    let rows = terminal.rows
    if columns < Terminal.minimumColumns || columns > Terminal.maximumColumns
        || rows < Terminal.minimumRows || rows > Terminal.maximumRows {
        fail("size out of bounds")
    }
    let cursor = terminal.cursorState
    if cursor.row < 0 || cursor.row >= rows || cursor.column < 0 || cursor.column >= columns {
        fail("cursor \(cursor.row),\(cursor.column) outside the grid")
    }
    if cursor.pendingWrap && cursor.column != columns - 1 {
        fail("wrap pending at column \(cursor.column)")
    }
    let region = terminal.scrollRegion
    if region.lowerBound < 0 || region.upperBound >= rows || (rows > 1 && region.lowerBound >= region.upperBound) {
        fail("scroll region \(region)")
    }
    if terminal.scrollbackCount > terminal.scrollbackCapacity { fail("scrollback over capacity") }
    if terminal.viewOffset < 0 || terminal.viewOffset > terminal.scrollbackCount { fail("view offset \(terminal.viewOffset)") }
    // At most maximumTitleLength bytes are kept; each decodes to one scalar at most
    // (ill-formed bytes become U+FFFD, three bytes of UTF-8, so the String's UTF-8
    // may be longer than the bytes kept).
    if terminal.title.unicodeScalars.count > Terminal.maximumTitleLength { fail("title too long") }

    for row in 0 ..< rows {
        checkRow((0 ..< columns).map { terminal.cell(row: row, column: $0) }, what: "row \(row)")
        if terminal.viewOffset > 0 {
            checkRow((0 ..< columns).map { terminal.visibleCell(row: row, column: $0) }, what: "visible row \(row)")
        }
    }
    // Out-of-grid reads are blank, not traps.
    _ = terminal.cell(row: -1, column: 0)
    _ = terminal.cell(row: rows, column: columns)
    _ = terminal.visibleCell(row: rows, column: -1)
    let count = terminal.scrollbackCount
    for index in [0, count / 2, count - 1] where index >= 0 && index < count {
        let line = terminal.scrollbackLine(index)
        if line.count > columns { fail("scrollback line \(index) has \(line.count) cells") }
        checkRow(line, what: "scrollback line \(index)")
    }

    let damage = terminal.takeDamage()
    if damage.rows != rows || damage.columns != columns { fail("damage for \(damage.columns)x\(damage.rows)") }
    for row in 0 ..< rows {
        let dirty = damage.dirtyColumns(inRow: row)
        if dirty.lowerBound < 0 || dirty.upperBound > columns { fail("damage \(dirty) in row \(row)") }
    }
    _ = terminal.takeResponses()
}

/// A wide character's left half (width 2) is always followed by its right half
/// (width 0) and the other way round; marks and scalars are in range.
func checkRow(_ cells: [Cell], what: String) {
    var column = 0
    while column < cells.count {
        let cell = cells[column]
        if cell.scalar > 0x10FFFF { fatalError("terminal invariant: \(what) column \(column) scalar \(cell.scalar)") }
        if cell.combiningMarkCount > Cell.maximumCombiningMarks {
            fatalError("terminal invariant: \(what) column \(column) has \(cell.combiningMarkCount) marks")
        }
        switch cell.width {
        case 2:
            if column + 1 >= cells.count {
                // A trimmed scrollback line may not end in half a character either.
                fatalError("terminal invariant: \(what) ends with the left half of a wide character")
            }
            if cells[column + 1].width != 0 {
                fatalError("terminal invariant: \(what) column \(column): wide character without its right half")
            }
            column += 2
        case 1:
            column += 1
        default:
            fatalError("terminal invariant: \(what) column \(column): right half without its left half")
        }
    }
}
