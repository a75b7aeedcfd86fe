/// Printing graphic characters: width, wrapping, wide and combining characters,
/// insert mode, character sets.
extension TerminalCore {
    /// `VTPerformer`: a graphic character from the parser.
    mutating func print(_ scalar: UInt32) {
        var scalar = scalar
        if charsets.isMapping { scalar = charsets.active.map(scalar) }
        let width: Int
        if scalar &- 0x20 < 0x5F {
            width = 1
        } else {
            width = CharacterWidth.of(scalar)
            if width == 0 {
                // C1 controls decoded from UTF-8 show nothing (xterm); other
                // zero-width characters decorate the previous cell.
                if scalar >= 0xA0 { attachCombiningMark(scalar) }
                return
            }
        }
        lastPrinted = scalar
        put(scalar, width: width)
    }

    /// `VTPerformer`: a run of printable ASCII. The common case (no character set
    /// mapping, no insert mode) writes as much of the run as fits on the line in
    /// one pass over the line's storage; anything else goes character by character.
    mutating func printASCII(_ run: UnsafeBufferPointer<UInt8>) {
        guard !run.isEmpty else { return }
        guard !charsets.isMapping && !modes.insertMode else {
            for byte in run { print(UInt32(byte)) }
            return
        }
        var index = 0
        while index < run.count {
            if cursor.pendingWrap { wrapToNextLine() }
            let row = cursor.row
            let column = cursor.column
            let count = min(columns - column, run.count - index)
            let end = column + count  // exclusive
            var low = column
            var high = end
            let template = pen
            screen[row].cells.withUnsafeMutableBufferPointer { cells in
                // Same wide-character repairs as `writeCells`, at the run's two ends.
                if cells[column].width == 0 && column > 0 {
                    cells[column - 1] = cells[column - 1].erased
                    low = column - 1
                }
                if cells[end - 1].width == 2 && end < cells.count {
                    cells[end] = cells[end].erased
                    high = end + 1
                }
                var cell = template
                for offset in 0 ..< count {
                    cell.scalar = UInt32(run[index + offset])
                    cells[column + offset] = cell
                }
            }
            damage.mark(row: row, from: low, to: high)
            lastWritten = (row, end - 1)
            index += count
            if end >= columns {
                cursor.column = columns - 1
                cursor.pendingWrap = modes.autowrap
            } else {
                cursor.column = end
            }
        }
        lastPrinted = UInt32(run[run.count - 1])
    }

    /// Writes a character of width 1 or 2 at the cursor and advances it.
    mutating func put(_ scalar: UInt32, width: Int) {
        if cursor.pendingWrap {
            wrapToNextLine()
        }
        if width == 2 && cursor.column == columns - 1 {
            if modes.autowrap {
                // A wide character never straddles lines: pad the last column and
                // wrap first (xterm).
                var padding = pen.erased
                padding.isWrapPadding = true
                writeCells(row: cursor.row, column: cursor.column, first: padding, second: nil)
                wrapToNextLine()
            } else {
                cursor.column = columns - 2
            }
        }
        if modes.insertMode {
            insertBlanks(width, row: cursor.row, column: cursor.column)
        }
        var cell = pen
        cell.scalar = scalar
        if width == 2 {
            cell.width = 2
            var right = pen
            right.scalar = 0
            right.width = 0
            writeCells(row: cursor.row, column: cursor.column, first: cell, second: right)
        } else {
            writeCells(row: cursor.row, column: cursor.column, first: cell, second: nil)
        }
        lastWritten = (cursor.row, cursor.column)
        let next = cursor.column + width
        if next >= columns {
            cursor.column = columns - 1
            cursor.pendingWrap = modes.autowrap
        } else {
            cursor.column = next
        }
    }

    /// Stores one cell (or a wide pair) at `column`, first clearing the other
    /// half of any wide character the write cuts in two.
    @inline(__always)
    private mutating func writeCells(row: Int, column: Int, first: Cell, second: Cell?) {
        let end = second == nil ? column + 1 : column + 2  // exclusive
        var low = column
        var high = end
        // Avoid a copy of the line's storage: mutate through the screen in place.
        screen[row].cells.withUnsafeMutableBufferPointer { cells in
            if cells[column].width == 0 && column > 0 {
                // Writing over the right half of a wide character: blank its left half.
                cells[column - 1] = cells[column - 1].erased
                low = column - 1
            }
            if cells[end - 1].width == 2 && end < cells.count {
                // Writing over the left half of a wide character: blank its right half.
                cells[end] = cells[end].erased
                high = end + 1
            }
            cells[column] = first
            if let second { cells[column + 1] = second }
        }
        damage.mark(row: row, from: low, to: high)
    }

    /// Autowrap: the current line continues on the next (scrolling if needed).
    mutating func wrapToNextLine() {
        screen[cursor.row].isWrapped = true
        cursor.column = 0
        cursor.pendingWrap = false
        index()
    }

    /// Adds a zero-width character to the cell before the cursor (or under it
    /// while a wrap is pending, since the last printed character is there).
    private mutating func attachCombiningMark(_ mark: UInt32) {
        var column: Int
        if let written = lastWritten, written.row == cursor.row,
           written.column <= cursor.column, cursor.column - written.column <= 2 {
            column = written.column
        } else if cursor.pendingWrap {
            column = cursor.column
        } else if cursor.column > 0 {
            column = cursor.column - 1
        } else {
            return  // nothing before it on this line: drop it, as xterm does
        }
        let row = cursor.row
        if screen[row].cells[column].width == 0 && column > 0 { column -= 1 }
        if screen[row].cells[column].addCombiningMark(mark) {
            damage.mark(row: row, from: column, to: column + 2)
        }
    }

    /// REP (`CSI Ps b`): prints the last graphic character again `count` times.
    mutating func repeatLastCharacter(_ count: Int) {
        guard let scalar = lastPrinted else { return }
        // More than a screenful changes nothing further; the bound keeps
        // `CSI 65535 b` cheap.
        let times = min(count, rows * columns)
        let width = CharacterWidth.of(scalar)
        guard width > 0 else { return }
        for _ in 0 ..< times { put(scalar, width: width) }
    }
}
