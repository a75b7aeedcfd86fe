import Terminal
import XCTest

final class TerminalResizeTests: XCTestCase {
    func testNarrowingRewrapsAWrappedLine() {
        let t = terminal(columns: 10, rows: 3, "abcdefghijklmno")
        XCTAssertEqual(screenLines(t), ["abcdefghij", "klmno", ""])
        XCTAssertEqual(cursorOf(t), [1, 5])
        t.resize(columns: 5, rows: 3)
        XCTAssertEqual(screenLines(t), ["abcde", "fghij", "klmno"])
        XCTAssertEqual(cursorOf(t), [2, 4])
        XCTAssertTrue(t.cursorState.pendingWrap, "the cursor was just past the 'o', now at the edge")
        XCTAssertEqual(t.scrollbackCount, 0)
        t.feed("p")
        XCTAssertEqual(screenLines(t), ["fghij", "klmno", "p"])
    }

    func testWideningJoinsWrappedLines() {
        let t = terminal(columns: 5, rows: 3, "abcdefgh")
        XCTAssertEqual(screenLines(t), ["abcde", "fgh", ""])
        t.resize(columns: 10, rows: 3)
        XCTAssertEqual(screenLines(t), ["abcdefgh", "", ""])
        XCTAssertEqual(cursorOf(t), [0, 8])
        XCTAssertFalse(t.isRowWrapped(0))
    }

    func testRoundTripRestoresTheLayout() {
        let t = terminal(columns: 10, rows: 3, "abcdefghijklmno")
        t.resize(columns: 4, rows: 3)
        t.resize(columns: 10, rows: 3)
        XCTAssertEqual(screenLines(t), ["abcdefghij", "klmno", ""])
        XCTAssertEqual(cursorOf(t), [1, 5])
        XCTAssertFalse(t.cursorState.pendingWrap)
    }

    func testUnwrappedLinesAreNotJoined() {
        let t = terminal(columns: 10, rows: 3, "abc\r\ndef")
        t.resize(columns: 20, rows: 3)
        XCTAssertEqual(screenLines(t), ["abc", "def", ""])
        t.resize(columns: 2, rows: 3)
        XCTAssertEqual(screenLines(t), ["c", "de", "f"])
        XCTAssertEqual(scrollbackLines(t), ["ab"])
        XCTAssertEqual(cursorOf(t), [2, 1])
    }

    func testShrinkingRowsMovesLinesIntoTheScrollback() {
        let t = terminal(columns: 10, rows: 4, "1\r\n2\r\n3\r\n4")
        t.resize(columns: 10, rows: 2)
        XCTAssertEqual(screenLines(t), ["3", "4"])
        XCTAssertEqual(scrollbackLines(t), ["1", "2"])
        XCTAssertEqual(cursorOf(t), [1, 1])
    }

    func testGrowingRowsPullsLinesBackFromTheScrollback() {
        let t = terminal(columns: 10, rows: 2, "1\r\n2\r\n3\r\n4")
        XCTAssertEqual(scrollbackLines(t), ["1", "2"])
        t.resize(columns: 10, rows: 4)
        XCTAssertEqual(screenLines(t), ["1", "2", "3", "4"])
        XCTAssertEqual(t.scrollbackCount, 0)
        XCTAssertEqual(cursorOf(t), [3, 1])
    }

    func testBlankRowsBelowTheCursorAreNotKept() {
        let t = terminal(columns: 10, rows: 4, "hi")
        t.resize(columns: 10, rows: 2)
        XCTAssertEqual(screenLines(t), ["hi", ""])
        XCTAssertEqual(t.scrollbackCount, 0)
        XCTAssertEqual(cursorOf(t), [0, 2])
    }

    func testContentBelowTheCursorCountsButTheCursorStaysOnScreen() {
        let t = terminal(columns: 10, rows: 4, "\(esc)[4;1Hbottom\(esc)[1;1Htop")
        t.resize(columns: 10, rows: 2)
        XCTAssertEqual(screenLines(t), ["top", ""], "the screen may not start below the cursor")
        XCTAssertEqual(cursorOf(t), [0, 3])
    }

    func testWideCharactersReflowWithoutSplitting() {
        let t = terminal(columns: 5, rows: 3, "abcd漢")
        XCTAssertEqual(screenLines(t), ["abcd", "漢", ""])
        t.resize(columns: 10, rows: 3)
        XCTAssertEqual(screenLines(t), ["abcd漢", "", ""], "the padding cell is dropped when rejoining")
        XCTAssertEqual(cursorOf(t), [0, 6])
        t.resize(columns: 5, rows: 3)
        XCTAssertEqual(screenLines(t), ["abcd", "漢", ""])
        XCTAssertEqual(cursorOf(t), [1, 2])
        XCTAssertNil(invariantViolation(t))
        t.resize(columns: 3, rows: 3)
        XCTAssertEqual(screenLines(t), ["abc", "d漢", ""])
        XCTAssertEqual(cursorOf(t), [1, 2])
        XCTAssertTrue(t.cursorState.pendingWrap)
        XCTAssertNil(invariantViolation(t))
    }

    func testScrollbackIsReflowedToo() {
        let t = terminal(columns: 5, rows: 2, "abcdefghij\r\nxy")
        XCTAssertEqual(scrollbackLines(t), ["abcde"])
        XCTAssertEqual(screenLines(t), ["fghij", "xy"])
        t.resize(columns: 10, rows: 2)
        XCTAssertEqual(screenLines(t), ["abcdefghij", "xy"])
        XCTAssertEqual(t.scrollbackCount, 0)
        XCTAssertEqual(cursorOf(t), [1, 2])
        t.resize(columns: 3, rows: 2)
        XCTAssertEqual(scrollbackLines(t), ["abc", "def", "ghi"])
        XCTAssertEqual(screenLines(t), ["j", "xy"])
    }

    func testTrailingSpacesTypedBeforeTheCursorSurvive() {
        let t = terminal(columns: 10, rows: 2, "ab   ")
        t.resize(columns: 4, rows: 2)
        XCTAssertEqual(cursorOf(t), [1, 1])
        t.feed("x")
        XCTAssertEqual(screenLines(t), ["ab", " x"])
    }

    func testAlternateScreenIsClippedAndMainReflowedUnderneath() {
        let t = terminal(columns: 10, rows: 3, "abcdefghijklmno\(esc)[?1049h\(esc)[3;1Hfull")
        t.resize(columns: 5, rows: 3)
        XCTAssertEqual(screenLines(t), ["", "", "full"], "the alternate screen is only cut")
        t.resize(columns: 8, rows: 2)
        XCTAssertEqual(screenLines(t), ["", "full"], "rows go from the top when the cursor would be lost")
        t.feed("\(esc)[?1049l")
        XCTAssertEqual(screenLines(t), ["abcdefgh", "ijklmno"])
        XCTAssertEqual(cursorOf(t), [1, 7], "the saved cursor followed the reflow")
        XCTAssertNil(invariantViolation(t))
    }

    /// The text of the main screen and scrollback as logical lines: wrapped rows
    /// joined (wrap padding dropped), trailing spaces trimmed, trailing empty
    /// lines dropped.
    func logicalLines(_ t: Terminal) -> [String] {
        var rows: [([Cell], Bool)] = []
        for index in 0 ..< t.scrollbackCount {
            rows.append((t.scrollbackLine(index), t.isScrollbackLineWrapped(index)))
        }
        for row in 0 ..< t.rows {
            rows.append(((0 ..< t.columns).map { t.cell(row: row, column: $0) }, t.isRowWrapped(row)))
        }
        var lines: [String] = []
        var current: [Cell] = []
        for (cells, wrapped) in rows {
            current += wrapped ? cells.filter { !$0.isWrapPadding } : cells
            if !wrapped {
                lines.append(rowText(current))
                current = []
            }
        }
        while lines.last == "" { lines.removeLast() }
        return lines
    }

    func testReflowPreservesTextAtAnyWidth() {
        var random = SeededGenerator(seed: 3)
        let alphabet = Array("abcdefghij   漢字é")
        var paragraphs: [String] = []
        for _ in 0 ..< 40 {
            var paragraph = ""
            for _ in 0 ..< Int(random.next() % 70) { paragraph.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
            while paragraph.hasSuffix(" ") { paragraph.removeLast() }
            paragraphs.append(paragraph)
        }
        while paragraphs.last == "" { paragraphs.removeLast() }
        let t = Terminal(columns: 20, rows: 6, scrollbackLines: 10_000)
        t.feed(paragraphs.joined(separator: "\r\n"))
        XCTAssertEqual(logicalLines(t), paragraphs)
        for (columns, rows) in [(7, 6), (13, 3), (31, 10), (2, 4), (5, 1), (20, 6), (44, 2), (3, 30), (80, 24)] {
            t.resize(columns: columns, rows: rows)
            XCTAssertEqual(logicalLines(t), paragraphs, "at \(columns)x\(rows)")
            XCTAssertNil(invariantViolation(t))
            XCTAssertEqual(cursorOf(t)[0], min(t.rows - 1, cursorOf(t)[0]))
        }
        // The cursor is still just after the last character: typing continues the text.
        t.feed("Z")
        XCTAssertEqual(logicalLines(t).last, paragraphs.last! + "Z")
    }

    func testResizeResetsMarginsAndKeepsTabStops() {
        let t = terminal(columns: 20, rows: 5, "\(esc)[2;3r\(esc)[1;4H\(esc)H")
        t.resize(columns: 30, rows: 6)
        XCTAssertEqual(t.scrollRegion, 0 ... 5)
        t.feed("\r\t")
        XCTAssertEqual(t.cursorState.column, 3)
        t.feed("\t\t\t")
        XCTAssertEqual(t.cursorState.column, 24, "default stops in the new columns")
    }

    func testResizeIsClamped() {
        let t = terminal(columns: 10, rows: 3, "text")
        t.resize(columns: 0, rows: -5)
        XCTAssertEqual(t.columns, Terminal.minimumColumns)
        XCTAssertEqual(t.rows, Terminal.minimumRows)
        XCTAssertNil(invariantViolation(t))
        t.resize(columns: 1_000_000, rows: 3)
        XCTAssertEqual(t.columns, Terminal.maximumColumns)
        XCTAssertNil(invariantViolation(t))
        t.resize(columns: 10, rows: 1_000_000)
        XCTAssertEqual(t.rows, Terminal.maximumRows)
        XCTAssertNil(invariantViolation(t))
        t.resize(columns: 10, rows: 3)
        XCTAssertEqual(screenLines(t)[0], "text")
    }

    func testResizeRedrawsEverything() {
        let t = terminal()
        _ = t.takeDamage()
        t.resize(columns: 12, rows: 5)
        let damage = t.takeDamage()
        XCTAssertTrue(damage.fullRedraw)
        XCTAssertEqual(damage.rows, 5)
        XCTAssertEqual(damage.columns, 12)
    }

    func testSavedCursorIsClamped() {
        let t = terminal(columns: 10, rows: 5, "\(esc)[5;10H\(esc)7")
        t.resize(columns: 4, rows: 2)
        t.feed("\(esc)8")
        XCTAssertNil(invariantViolation(t))
    }
}
