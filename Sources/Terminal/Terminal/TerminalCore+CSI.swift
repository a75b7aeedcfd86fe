/// Control sequences (`CSI parameters intermediates final`): dispatch, cursor
/// movement, erasing and editing.
extension TerminalCore {
    /// `VTPerformer`: a complete control sequence.
    mutating func csiDispatch(_ parameters: VTParameterView, intermediates: VTIntermediates, ignoring: Bool, final: UInt8) {
        if final == UInt8(ascii: "m") && intermediates.isEmpty && !ignoring {
            // SGR, most of all sequences, without the general dispatch below.
            lastPrinted = nil
            selectGraphicRendition(parameters)
            return
        }
        let repeating = final == UInt8(ascii: "b") && intermediates.isEmpty
        defer { if !repeating { lastPrinted = nil } }
        // A sequence that overflowed the parser's limits is not acted on at all
        // (vte, Alacritty): acting on a truncated parameter list would be a guess.
        guard !ignoring else { return }
        switch intermediates.count {
        case 0:
            standardSequence(final, parameters)
        case 1:
            switch intermediates[0] {
            case UInt8(ascii: "?"):
                privateSequence(final, parameters)
            case UInt8(ascii: ">"):
                if final == UInt8(ascii: "c") && parameters[0] == 0 { reportSecondaryDeviceAttributes() }
            case UInt8(ascii: " "):
                if final == UInt8(ascii: "q") { setCursorStyle(Int(parameters[0])) }
            case UInt8(ascii: "!"):
                if final == UInt8(ascii: "p") { softReset() }
            case UInt8(ascii: "$"):
                if final == UInt8(ascii: "p") { reportMode(Int(parameters[0]), isPrivate: false) }  // DECRQM (ANSI)
            default:
                break
            }
        case 2:
            if intermediates == VTIntermediates("?", "$") && final == UInt8(ascii: "p") {
                reportMode(Int(parameters[0]), isPrivate: true)
            }
        default:
            break
        }
    }

    private mutating func standardSequence(_ final: UInt8, _ parameters: VTParameterView) {
        let first = parameters.value(at: 0, default: 1)
        switch final {
        case UInt8(ascii: "@"): insertBlanks(first, row: cursor.row, column: cursor.column)  // ICH
        case UInt8(ascii: "A"): cursorUp(first)  // CUU
        case UInt8(ascii: "B"), UInt8(ascii: "e"): cursorDown(first)  // CUD, VPR
        case UInt8(ascii: "C"), UInt8(ascii: "a"): cursorForward(first)  // CUF, HPR
        case UInt8(ascii: "D"): cursorBackward(first)  // CUB
        case UInt8(ascii: "E"):  // CNL
            cursorDown(first)
            cursor.column = 0
        case UInt8(ascii: "F"):  // CPL
            cursorUp(first)
            cursor.column = 0
        case UInt8(ascii: "G"), UInt8(ascii: "`"): setCursorColumn(first)  // CHA, HPA
        case UInt8(ascii: "H"), UInt8(ascii: "f"):  // CUP, HVP
            setCursorPosition(row: first, column: parameters.value(at: 1, default: 1))
        case UInt8(ascii: "I"): tabForward(first)  // CHT
        case UInt8(ascii: "J"): eraseInDisplay(Int(parameters[0]))  // ED
        case UInt8(ascii: "K"): eraseInLine(Int(parameters[0]))  // EL
        case UInt8(ascii: "L"): insertLines(first)  // IL
        case UInt8(ascii: "M"): deleteLines(first)  // DL
        case UInt8(ascii: "P"): deleteCharacters(first)  // DCH
        case UInt8(ascii: "S"): scrollUp(first)  // SU
        case UInt8(ascii: "T"):  // SD; with 5 parameters it is xterm's mouse highlight tracking
            if parameters.count <= 1 { scrollDown(first) }
        case UInt8(ascii: "X"): eraseCharacters(first)  // ECH
        case UInt8(ascii: "Z"): tabBackward(first)  // CBT
        case UInt8(ascii: "b"): repeatLastCharacter(first)  // REP
        case UInt8(ascii: "c"):  // DA1
            if parameters[0] == 0 { reportPrimaryDeviceAttributes() }
        case UInt8(ascii: "d"): setCursorRow(first)  // VPA
        case UInt8(ascii: "g"): clearTabStops(Int(parameters[0]))  // TBC
        case UInt8(ascii: "h"): setModes(parameters, isPrivate: false, to: true)  // SM
        case UInt8(ascii: "l"): setModes(parameters, isPrivate: false, to: false)  // RM
        // "m" (SGR) never gets here: csiDispatch takes it first.
        case UInt8(ascii: "n"): reportStatus(Int(parameters[0]), isPrivate: false)  // DSR
        case UInt8(ascii: "r"):  // DECSTBM
            setScrollRegion(top: Int(parameters[0]), bottom: Int(parameters[1]))
        case UInt8(ascii: "s"): saveCursor()  // SCOSC (no left/right margins here)
        case UInt8(ascii: "u"): restoreCursor()  // SCORC
        default:
            break  // window operations (t) and the rest: nothing to do on a console
        }
    }

    private mutating func privateSequence(_ final: UInt8, _ parameters: VTParameterView) {
        switch final {
        case UInt8(ascii: "h"): setModes(parameters, isPrivate: true, to: true)  // DECSET
        case UInt8(ascii: "l"): setModes(parameters, isPrivate: true, to: false)  // DECRST
        case UInt8(ascii: "J"): eraseInDisplay(Int(parameters[0]))  // DECSED (no protected cells)
        case UInt8(ascii: "K"): eraseInLine(Int(parameters[0]))  // DECSEL
        case UInt8(ascii: "n"): reportStatus(Int(parameters[0]), isPrivate: true)  // DECXCPR & co
        default: break
        }
    }

    // MARK: Cursor movement

    /// The rows the cursor may be addressed in: the scroll region under origin mode.
    private var addressableRows: ClosedRange<Int> {
        modes.originMode ? scrollTop ... scrollBottom : 0 ... rows - 1
    }

    mutating func moveCursorHome() {
        cursor.row = modes.originMode ? scrollTop : 0
        cursor.column = 0
        cursor.pendingWrap = false
    }

    /// CUP/HVP with 1-based `row` and `column` (relative to the region under DECOM).
    mutating func setCursorPosition(row: Int, column: Int) {
        let range = addressableRows
        cursor.row = min(max(range.lowerBound + row - 1, range.lowerBound), range.upperBound)
        cursor.column = min(max(column - 1, 0), columns - 1)
        cursor.pendingWrap = false
    }

    private mutating func setCursorRow(_ row: Int) {
        let range = addressableRows
        cursor.row = min(max(range.lowerBound + row - 1, range.lowerBound), range.upperBound)
        cursor.pendingWrap = false
    }

    private mutating func setCursorColumn(_ column: Int) {
        cursor.column = min(max(column - 1, 0), columns - 1)
        cursor.pendingWrap = false
    }

    /// CUU: stops at the top margin when starting inside the region, else at row 0.
    private mutating func cursorUp(_ count: Int) {
        let limit = cursor.row >= scrollTop ? scrollTop : 0
        cursor.row = max(cursor.row - count, limit)
        cursor.pendingWrap = false
    }

    /// CUD: stops at the bottom margin when starting inside the region.
    private mutating func cursorDown(_ count: Int) {
        let limit = cursor.row <= scrollBottom ? scrollBottom : rows - 1
        cursor.row = min(cursor.row + min(count, rows), limit)
        cursor.pendingWrap = false
    }

    private mutating func cursorForward(_ count: Int) {
        cursor.column = min(cursor.column + min(count, columns), columns - 1)
        cursor.pendingWrap = false
    }

    private mutating func cursorBackward(_ count: Int) {
        cursor.column = max(cursor.column - count, 0)
        cursor.pendingWrap = false
    }

    private mutating func tabForward(_ count: Int) {
        let start = cursor.column
        for _ in 0 ..< min(count, columns) { cursor.column = tabStops.next(after: cursor.column) }
        if cursor.column != start { cursor.pendingWrap = false }
    }

    private mutating func tabBackward(_ count: Int) {
        for _ in 0 ..< min(count, columns) { cursor.column = tabStops.previous(before: cursor.column) }
        cursor.pendingWrap = false
    }

    /// TBC: 0 clears the stop at the cursor, 3 all stops.
    private mutating func clearTabStops(_ mode: Int) {
        switch mode {
        case 0: tabStops.clear(at: cursor.column)
        case 3: tabStops.clearAll()
        default: break
        }
    }

    // MARK: Erasing

    /// Blanks columns `lower..<upper` of `row`, widened so no wide character is left half erased.
    mutating func erase(row: Int, from lower: Int, to upper: Int) {
        var lower = max(lower, 0)
        var upper = min(upper, columns)
        guard lower < upper else { return }
        let blank = erasedCell
        screen[row].cells.withUnsafeMutableBufferPointer { cells in
            if cells[lower].width == 0 && lower > 0 { lower -= 1 }
            if upper < cells.count && cells[upper].width == 0 { upper += 1 }
            UnsafeMutableBufferPointer(rebasing: cells[lower ..< upper]).fill(with: blank)
        }
        // Text erased to the end of the line no longer continues on the next.
        if upper == columns { screen[row].isWrapped = false }
        damage.mark(row: row, from: lower, to: upper)
    }

    /// ED: 0 cursor to end of screen, 1 start of screen to cursor, 2 whole screen,
    /// 3 the scrollback (xterm: the screen is left alone).
    mutating func eraseInDisplay(_ mode: Int) {
        switch mode {
        case 0:
            erase(row: cursor.row, from: cursor.column, to: columns)
            for row in cursor.row + 1 ..< rows { erase(row: row, from: 0, to: columns) }
        case 1:
            for row in 0 ..< cursor.row { erase(row: row, from: 0, to: columns) }
            erase(row: cursor.row, from: 0, to: cursor.column + 1)
        case 2:
            for row in 0 ..< rows { erase(row: row, from: 0, to: columns) }
        case 3:
            scrollback.removeAll()
            if viewOffset != 0 {
                viewOffset = 0
                damage.markEverything()
            }
        default:
            return
        }
        cursor.pendingWrap = false
    }

    /// EL: 0 cursor to end of line, 1 start of line to cursor, 2 whole line.
    mutating func eraseInLine(_ mode: Int) {
        switch mode {
        case 0: erase(row: cursor.row, from: cursor.column, to: columns)
        case 1: erase(row: cursor.row, from: 0, to: cursor.column + 1)
        case 2: erase(row: cursor.row, from: 0, to: columns)
        default: return
        }
        cursor.pendingWrap = false
    }

    /// ECH: blanks `count` cells from the cursor without moving anything.
    private mutating func eraseCharacters(_ count: Int) {
        erase(row: cursor.row, from: cursor.column, to: cursor.column + min(count, columns))
        cursor.pendingWrap = false
    }

    // MARK: Editing within a line

    /// ICH (and insert mode): shifts cells from `column` right by `count`,
    /// dropping those pushed past the end, and blanks the gap.
    mutating func insertBlanks(_ count: Int, row: Int, column: Int) {
        let count = min(max(count, 1), columns - column)
        guard count > 0 else { return }
        let blank = erasedCell
        screen[row].cells.withUnsafeMutableBufferPointer { cells in
            var target = columns - 1
            while target >= column + count {
                cells[target] = cells[target - count]
                target -= 1
            }
            for index in column ..< column + count { cells[index] = blank }
        }
        if let repaired = screen[row].repairWideCharacters() {
            damage.mark(row: row, from: repaired.lowerBound, to: repaired.upperBound)
        }
        screen[row].isWrapped = false
        damage.mark(row: row, from: column, to: columns)
        cursor.pendingWrap = false
    }

    /// DCH: removes `count` cells at the cursor, pulling the rest left and
    /// blanking the end of the line.
    private mutating func deleteCharacters(_ count: Int) {
        let row = cursor.row
        let column = cursor.column
        let count = min(max(count, 1), columns - column)
        let blank = erasedCell
        screen[row].cells.withUnsafeMutableBufferPointer { cells in
            var target = column
            while target + count < columns {
                cells[target] = cells[target + count]
                target += 1
            }
            while target < columns {
                cells[target] = blank
                target += 1
            }
        }
        if let repaired = screen[row].repairWideCharacters() {
            damage.mark(row: row, from: repaired.lowerBound, to: repaired.upperBound)
        }
        screen[row].isWrapped = false
        damage.mark(row: row, from: column, to: columns)
        cursor.pendingWrap = false
    }

    /// DECSCUSR: 0/1 blinking block, 2 block, 3/4 underline, 5/6 bar (odd blinks).
    private mutating func setCursorStyle(_ style: Int) {
        switch style {
        case 0, 1: cursorShape = .block
        case 2: cursorShape = .block
        case 3, 4: cursorShape = .underline
        case 5, 6: cursorShape = .bar
        default: return
        }
        cursorBlinking = style == 0 || style % 2 == 1
    }
}
