import Terminal

/// One cell in the model both emulators are compared in (see the table of
/// intended differences in DifferentialTests.swift for what is left out).
struct CellState: Equatable {
    /// Base character then combining marks (at most `Cell.maximumCombiningMarks`,
    /// what Lumen keeps: D1); `[0x20]` for a blank cell, `[]` for the right half
    /// of a wide character.
    var scalars: CellText
    /// 1, 2 (left half of a wide character) or 0 (right half).
    var width: Int
    var bold: Bool
    var italic: Bool
    var underline: Bool
    var blink: Bool
    var inverse: Bool
    var strike: Bool
    var foreground: TerminalColor
    var background: TerminalColor
    /// Set by `ScreenSnapshot.normalizingWideHalves` on a blank standing for a
    /// half of a wide character libvterm orphaned (D12): its background is not
    /// compared.
    var backgroundUnknown = false
}

/// Up to three scalars (a base and two marks) without an allocation, because
/// the tests compare millions of cells.
struct CellText: Equatable, ExpressibleByArrayLiteral {
    private var values: (UInt32, UInt32, UInt32) = (0, 0, 0)
    private(set) var count = 0

    init(arrayLiteral elements: UInt32...) {
        for element in elements { append(element) }
    }

    init<S: Sequence>(_ elements: S) where S.Element == UInt32 {
        for element in elements { append(element) }
    }

    /// Appends `value`, dropping it when three are held already.
    mutating func append(_ value: UInt32) {
        switch count {
        case 0: values.0 = value
        case 1: values.1 = value
        case 2: values.2 = value
        default: return
        }
        count += 1
    }

    var first: UInt32? { count > 0 ? values.0 : nil }
    var isEmpty: Bool { count == 0 }

    var array: [UInt32] { Array([values.0, values.1, values.2].prefix(count)) }

    static func == (left: CellText, right: CellText) -> Bool {
        left.count == right.count && left.values.0 == right.values.0 && left.values.1 == right.values.1
            && left.values.2 == right.values.2
    }
}

extension CellState {
    init(lumen cell: Cell) {
        if cell.width == 0 {
            scalars = []
        } else {
            scalars = [cell.scalar]
            for index in 0 ..< cell.combiningMarkCount { scalars.append(cell.combiningMark(index)) }
        }
        width = cell.width
        let attributes = cell.attributes
        bold = attributes.contains(.bold)
        italic = attributes.contains(.italic)
        underline = attributes.contains(.underline)
        blink = attributes.contains(.blink)
        inverse = attributes.contains(.inverse)
        strike = attributes.contains(.strike)
        foreground = cell.foreground
        background = cell.background
    }

    /// A blank as Lumen's erasing leaves it (xterm's BCE): a space with no
    /// attributes and the default foreground, whatever the background.
    var looksErased: Bool {
        scalars == [0x20] && !bold && !italic && !underline && !blink && !inverse && !strike && foreground == .default
    }

    /// A space whose foreground colour cannot show: nothing drawn over it in
    /// the foreground colour (no underline, strike-through or inverse).
    var foregroundIsInvisible: Bool {
        scalars == [0x20] && !underline && !strike && !inverse
    }
}

/// Everything compared about a terminal at one moment.
struct ScreenSnapshot {
    var rows: Int
    var columns: Int
    var cells: [[CellState]]
    var cursorRow: Int
    var cursorColumn: Int
    var cursorVisible: Bool
    var cursorShape: CursorShape
    var cursorBlinking: Bool
    var reverseVideo: Bool
    var alternateScreen: Bool
    var title: String
    var bells: Int

    init(_ terminal: Terminal) {
        rows = terminal.rows
        columns = terminal.columns
        cells = (0 ..< terminal.rows).map { row in
            (0 ..< terminal.columns).map { CellState(lumen: terminal.cell(row: row, column: $0)) }
        }
        let cursor = terminal.cursorState
        cursorRow = cursor.row
        cursorColumn = cursor.column
        cursorVisible = cursor.isVisible
        cursorShape = cursor.shape
        cursorBlinking = cursor.isBlinking
        reverseVideo = terminal.modes.reverseVideo
        alternateScreen = terminal.modes.alternateScreen
        title = terminal.title
        bells = terminal.bellCount
    }

    init(_ reference: ReferenceTerminal) {
        rows = reference.rows
        columns = reference.columns
        cells = (0 ..< rows).map { row in
            ScreenSnapshot.normalizingWideHalves((0 ..< reference.columns).map { reference.cell(row: row, column: $0) })
        }
        let cursor = reference.cursor
        cursorRow = cursor.row
        cursorColumn = cursor.column
        cursorVisible = reference.isCursorVisible
        cursorShape = reference.cursorShape
        cursorBlinking = reference.isCursorBlinking
        reverseVideo = reference.isReverseVideo
        alternateScreen = reference.isAlternateScreen
        title = reference.title
        bells = reference.bellCount
    }

    /// Difference D12: where an overwrite or an edit cut a wide character in
    /// two, libvterm leaves the other half in place (a wide character in a
    /// one-cell slot, or a right half after a narrow character); Lumen, like
    /// xterm, blanks it, keeping its background. This reads libvterm's orphaned
    /// halves as that blank, with the background not compared (Lumen gives it
    /// the eraser's background when erasing cut the character, its own when an
    /// overwrite did; libvterm's is stale). And libvterm does not set the rendition of a wide
    /// character's right half (its renderers draw from the left half), which
    /// Lumen stores as the left half's: a right half takes its left half's here.
    static func normalizingWideHalves(_ row: [CellState]) -> [CellState] {
        var row = row
        let original = row
        func blank(_ column: Int) {
            row[column] = CellState(scalars: [0x20], width: 1, bold: false, italic: false, underline: false,
                                    blink: false, inverse: false, strike: false, foreground: .default,
                                    background: original[column].background, backgroundUnknown: true)
        }
        func isWide(_ cell: CellState) -> Bool {
            cell.width != 0 && CharacterWidth.of(cell.scalars.first ?? 0x20) == 2
        }
        for column in row.indices {
            let cell = original[column]
            if cell.width == 0 {
                if column > 0 && isWide(original[column - 1]) {
                    var right = original[column - 1]
                    right.scalars = []
                    right.width = 0
                    row[column] = right
                    continue
                }
                blank(column)
                // libvterm derives the left cell's width 2 from this right half.
                if column > 0 && row[column - 1].width == 2 { row[column - 1].width = 1 }
            } else if isWide(cell) {
                let complete = column + 1 < row.count && original[column + 1].width == 0
                if !complete { blank(column) }
            }
        }
        return row
    }

    /// True when the UTF-8 sequence starting at `index` encodes a combining mark.
    static func startsCombiningMark(_ bytes: ArraySlice<UInt8>, at index: Int) -> Bool {
        let lead = bytes[index]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        guard index + length <= bytes.endIndex else { return false }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for next in bytes[(index + 1) ..< (index + length)] { value = value << 6 | UInt32(next & 0x3F) }
        return CharacterWidth.isCombining(value)
    }

    /// The screen as text, one line per row, with a frame so trailing blanks show.
    var text: [String] {
        cells.map { row in
            var scalars = String.UnicodeScalarView()
            for cell in row where cell.width != 0 {
                for value in cell.scalars.array { scalars.append(Unicode.Scalar(value) ?? "?") }
            }
            return "|" + String(scalars) + "|"
        }
    }
}

/// A difference between Lumen and the reference.
struct Mismatch: CustomStringConvertible {
    var row: Int
    var column: Int
    var field: String
    var lumen: String
    var reference: String

    var description: String {
        if column < 0 { return "\(field): Lumen \(lumen), libvterm \(reference)" }
        // Negative rows are scrollback lines, -1 the newest.
        let place = row < 0 ? "scrollback \(row), column \(column)" : "(\(row),\(column))"
        return "\(place) \(field): Lumen \(lumen), libvterm \(reference)"
    }
}

enum ScreenComparison {
    /// Compares `lumen` with `reference` field by field, skipping exactly the
    /// intended differences documented in DifferentialTests.swift:
    /// - D2: foreground colour of a cell where it cannot show, and everything
    ///   but the background on a blank Lumen's erase left;
    /// - D3: faint and hidden (not in the model at all);
    /// - D4: underline style (compared as on/off);
    /// - D1: combining marks past the second (dropped when reading libvterm);
    /// - D12: halves of wide characters libvterm orphaned (read as blanks);
    /// - D20: three DEC Special Graphics characters.
    ///
    /// `allowingText`, when given, may excuse a text mismatch between single
    /// characters (Lumen's, libvterm's): used for D9 on the vttest screens.
    static func compare(lumen: ScreenSnapshot, reference: ScreenSnapshot,
                        allowingText: ((UInt32, UInt32) -> Bool)? = nil) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        if lumen.rows != reference.rows || lumen.columns != reference.columns {
            return [Mismatch(row: -1, column: -1, field: "size", lumen: "\(lumen.columns)x\(lumen.rows)",
                             reference: "\(reference.columns)x\(reference.rows)")]
        }
        // D26: after a wide character in the last two columns libvterm's cursor
        // is on its left half.
        let wideAtEnd = lumen.cursorColumn == lumen.columns - 1 && lumen.columns >= 2
            && lumen.cells[lumen.cursorRow][lumen.columns - 1].width == 0
            && (reference.cursorRow, reference.cursorColumn) == (lumen.cursorRow, lumen.columns - 2)
        if (lumen.cursorRow, lumen.cursorColumn) != (reference.cursorRow, reference.cursorColumn) && !wideAtEnd {
            mismatches.append(Mismatch(row: -1, column: -1, field: "cursor",
                                       lumen: "\(lumen.cursorRow),\(lumen.cursorColumn)",
                                       reference: "\(reference.cursorRow),\(reference.cursorColumn)"))
        }
        if lumen.cursorVisible != reference.cursorVisible {
            mismatches.append(Mismatch(row: -1, column: -1, field: "cursor visible",
                                       lumen: "\(lumen.cursorVisible)", reference: "\(reference.cursorVisible)"))
        }
        if lumen.cursorShape != reference.cursorShape || lumen.cursorBlinking != reference.cursorBlinking {
            mismatches.append(Mismatch(row: -1, column: -1, field: "cursor style",
                                       lumen: "\(lumen.cursorShape) blinking \(lumen.cursorBlinking)",
                                       reference: "\(reference.cursorShape) blinking \(reference.cursorBlinking)"))
        }
        if lumen.reverseVideo != reference.reverseVideo {
            mismatches.append(Mismatch(row: -1, column: -1, field: "reverse video (DECSCNM)",
                                       lumen: "\(lumen.reverseVideo)", reference: "\(reference.reverseVideo)"))
        }
        if lumen.alternateScreen != reference.alternateScreen {
            mismatches.append(Mismatch(row: -1, column: -1, field: "alternate screen",
                                       lumen: "\(lumen.alternateScreen)", reference: "\(reference.alternateScreen)"))
        }
        if lumen.title != reference.title {
            mismatches.append(Mismatch(row: -1, column: -1, field: "title",
                                       lumen: "\"\(lumen.title)\"", reference: "\"\(reference.title)\""))
        }
        if lumen.bells != reference.bells {
            mismatches.append(Mismatch(row: -1, column: -1, field: "bells", lumen: "\(lumen.bells)",
                                       reference: "\(reference.bells)"))
        }
        for row in 0 ..< lumen.rows {
            for column in 0 ..< lumen.columns {
                compareCell(lumen.cells[row][column], reference.cells[row][column], row: row, column: column,
                            allowingText: allowingText, into: &mismatches)
            }
        }
        return mismatches
    }

    /// D20: DEC Special Graphics `_`, `y` and `z` are U+00A0, U+2264 and U+2265
    /// in xterm and Lumen, `_`, U+2A7D and U+2A7E in libvterm.
    static let specialGraphicsVariants: [(lumen: UInt32, reference: UInt32)] = [
        (0xA0, 0x5F), (0x2264, 0x2A7D), (0x2265, 0x2A7E),
    ]

    static func compareCell(_ lumen: CellState, _ reference: CellState, row: Int, column: Int,
                            allowingText: ((UInt32, UInt32) -> Bool)? = nil, into mismatches: inout [Mismatch]) {
        func note(_ field: String, _ left: String, _ right: String) {
            mismatches.append(Mismatch(row: row, column: column, field: field, lumen: left, reference: right))
        }
        if lumen.scalars != reference.scalars {
            let pair = (lumen.scalars.first ?? 0, reference.scalars.first ?? 0)
            let singles = lumen.scalars.count == 1 && reference.scalars.count == 1
            let variant = singles && specialGraphicsVariants.contains { $0 == pair }
            let allowed = singles && (allowingText?(pair.0, pair.1) ?? false)
            if !variant && !allowed {
                note("text", describe(lumen.scalars.array), describe(reference.scalars.array))
            }
        }
        if lumen.width != reference.width { note("width", "\(lumen.width)", "\(reference.width)") }
        if lumen.background != reference.background && !reference.backgroundUnknown {
            note("background", "\(lumen.background)", "\(reference.background)")
        }
        // D2: libvterm's erase keeps the whole pen; where Lumen's erase left a
        // blank, only the background is compared.
        if lumen.looksErased && reference.scalars == [0x20] { return }
        if lumen.bold != reference.bold { note("bold", "\(lumen.bold)", "\(reference.bold)") }
        if lumen.italic != reference.italic { note("italic", "\(lumen.italic)", "\(reference.italic)") }
        if lumen.underline != reference.underline { note("underline", "\(lumen.underline)", "\(reference.underline)") }
        if lumen.blink != reference.blink { note("blink", "\(lumen.blink)", "\(reference.blink)") }
        if lumen.inverse != reference.inverse { note("inverse", "\(lumen.inverse)", "\(reference.inverse)") }
        if lumen.strike != reference.strike { note("strike", "\(lumen.strike)", "\(reference.strike)") }
        let foregroundShows = !(lumen.foregroundIsInvisible && reference.foregroundIsInvisible)
        if foregroundShows && lumen.foreground != reference.foreground {
            note("foreground", "\(lumen.foreground)", "\(reference.foreground)")
        }
    }

    static func describe(_ scalars: [UInt32]) -> String {
        if scalars.isEmpty { return "(wide right half)" }
        let text = scalars.map { value -> String in
            let scalar = Unicode.Scalar(value)
            let printable = value >= 0x20 && value != 0x7F && scalar != nil
            return printable ? String(Character(scalar!)) : "\\u{\(String(value, radix: 16))}"
        }.joined()
        let codes = scalars.map { "U+" + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
        return "\"\(text)\" [\(codes)]"
    }

    /// A readable report: the first mismatches, then both screens.
    static func report(_ mismatches: [Mismatch], lumen: ScreenSnapshot, reference: ScreenSnapshot,
                       limit: Int = 12) -> String {
        var lines = mismatches.prefix(limit).map { "  " + $0.description }
        if mismatches.count > limit { lines.append("  … \(mismatches.count - limit) more") }
        lines.append("Lumen screen (cursor \(lumen.cursorRow),\(lumen.cursorColumn)):")
        lines += lumen.text.map { "  " + $0 }
        lines.append("libvterm screen (cursor \(reference.cursorRow),\(reference.cursorColumn)):")
        lines += reference.text.map { "  " + $0 }
        return lines.joined(separator: "\n")
    }
}

/// Lumen and libvterm side by side, fed the same bytes.
final class DifferentialPair {
    let lumen: Terminal
    let reference: ReferenceTerminal

    init(columns: Int = 80, rows: Int = 24, scrollbackLines: Int = 1000) {
        lumen = Terminal(columns: columns, rows: rows, scrollbackLines: scrollbackLines)
        reference = ReferenceTerminal(columns: columns, rows: rows, scrollbackLines: scrollbackLines)
    }

    func feed(_ bytes: [UInt8]) {
        lumen.feed(bytes)
        reference.feed(bytes)
    }

    func feed(_ text: String) { feed(Array(text.utf8)) }

    /// Feeds `bytes` in random pieces: Lumen's cut anywhere, libvterm's moved
    /// out of UTF-8 sequences and OSC strings and away from before combining
    /// marks (D25: libvterm 0.1.4 mis-decodes a UTF-8 sequence, may drop an OSC
    /// string, and wraps a mark whose base is in the last column, when they are
    /// split between writes).
    /// Both have all of `bytes` afterwards.
    func feedSplitting(_ bytes: ArraySlice<UInt8>, _ random: inout SeededGenerator) {
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = start + 1 + random.below(bytes.endIndex - start)
            lumen.feed(Array(bytes[start ..< end]))
            start = end
        }
        // Where libvterm may be cut: not before a continuation byte, not inside ESC ] ... BEL / ST.
        var cuttable = [Bool](repeating: true, count: bytes.count + 1)
        var inString = false
        for offset in 0 ..< bytes.count {
            let byte = bytes[bytes.startIndex + offset]
            if byte & 0xC0 == 0x80 { cuttable[offset] = false }
            if byte >= 0xC0 && ScreenSnapshot.startsCombiningMark(bytes, at: bytes.startIndex + offset) {
                cuttable[offset] = false
            }
            if inString { cuttable[offset] = false }
            if byte == 0x1B && offset + 1 < bytes.count && bytes[bytes.startIndex + offset + 1] == UInt8(ascii: "]") {
                inString = true
            } else if inString && (byte == 0x07 || (byte == UInt8(ascii: "\\") && offset > 0 && bytes[bytes.startIndex + offset - 1] == 0x1B)) {
                inString = false
            }
        }
        start = bytes.startIndex
        while start < bytes.endIndex {
            var end = start + 1 + random.below(bytes.endIndex - start)
            while end < bytes.endIndex && !cuttable[end - bytes.startIndex] { end += 1 }
            reference.feed(bytes[start ..< end])
            start = end
        }
    }

    /// Differences on the screen now.
    func mismatches(allowingText: ((UInt32, UInt32) -> Bool)? = nil) -> [Mismatch] {
        ScreenComparison.compare(lumen: ScreenSnapshot(lumen), reference: ScreenSnapshot(reference),
                                 allowingText: allowingText)
    }

    /// Differences between the scrollbacks (line count, then cells).
    func scrollbackMismatches() -> [Mismatch] {
        let count = lumen.scrollbackCount
        guard count == reference.scrollbackCount && lumen.scrollbackCount <= lumen.scrollbackCapacity else {
            return [Mismatch(row: -1, column: -1, field: "scrollback lines", lumen: "\(lumen.scrollbackCount)",
                             reference: "\(reference.scrollbackCount)")]
        }
        var mismatches: [Mismatch] = []
        for line in 0 ..< count {
            let cells = lumen.scrollbackLine(line)
            let referenceCells = ScreenSnapshot.normalizingWideHalves(
                (0 ..< lumen.columns).map { reference.scrollbackCell(line: line, column: $0) })
            for column in 0 ..< lumen.columns {
                let cell = column < cells.count ? cells[column] : Cell.blank
                ScreenComparison.compareCell(CellState(lumen: cell), referenceCells[column],
                                             row: -(count - line), column: column, into: &mismatches)
            }
            if mismatches.count > 50 { break }
        }
        return mismatches
    }

    func report(_ mismatches: [Mismatch]) -> String {
        ScreenComparison.report(mismatches, lumen: ScreenSnapshot(lumen), reference: ScreenSnapshot(reference))
    }
}
