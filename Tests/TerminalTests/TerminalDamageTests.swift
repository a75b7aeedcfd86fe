import Terminal
import XCTest

final class TerminalDamageTests: XCTestCase {
    /// A 10×4 terminal whose initial full redraw has been taken.
    func cleanTerminal(_ text: String = "") -> Terminal {
        let t = terminal(columns: 10, rows: 4, text)
        let first = t.takeDamage()
        XCTAssertTrue(first.fullRedraw, "the first frame draws everything")
        XCTAssertTrue(t.takeDamage().isEmpty)
        return t
    }

    func testPrintingDamagesItsCells() {
        let t = cleanTerminal()
        t.feed("\(esc)[2;3Hab")
        let damage = t.takeDamage()
        XCTAssertFalse(damage.fullRedraw)
        XCTAssertEqual(damage.scrolledLines, 0)
        XCTAssertTrue(damage.cursorMoved)
        XCTAssertTrue(damage.dirtyColumns(inRow: 1).contains(2))
        XCTAssertTrue(damage.dirtyColumns(inRow: 1).contains(3))
        XCTAssertFalse(damage.isRowDirty(2))
        XCTAssertFalse(damage.isRowDirty(3))
        XCTAssertTrue(damage.isRowDirty(0), "the old cursor cell is redrawn")
        XCTAssertLessThanOrEqual(damage.dirtyColumns(inRow: 0).upperBound, 2)
    }

    func testNothingChangedIsEmpty() {
        let t = cleanTerminal("abc")
        t.feed("\(esc)[1;4H")  // where it already is
        XCTAssertTrue(t.takeDamage().isEmpty)
    }

    func testCursorMoveDamagesOldAndNewPositions() {
        let t = cleanTerminal()
        t.feed("\(esc)[4;6H")
        let damage = t.takeDamage()
        XCTAssertTrue(damage.cursorMoved)
        XCTAssertEqual(damage.dirtyRows, [0, 3])
        XCTAssertTrue(damage.dirtyColumns(inRow: 3).contains(5))
    }

    func testCursorVisibilityAndShapeCount() {
        let t = cleanTerminal()
        t.feed("\(esc)[?25l")
        XCTAssertTrue(t.takeDamage().cursorMoved)
        t.feed("\(esc)[6 q")
        XCTAssertTrue(t.takeDamage().cursorMoved)
    }

    func testFullScreenScrollIsReportedAsAScroll() {
        let t = cleanTerminal("1\r\n2\r\n3\r\n4")
        t.feed("\r\n5")
        let damage = t.takeDamage()
        XCTAssertFalse(damage.fullRedraw)
        XCTAssertEqual(damage.scrolledLines, 1)
        XCTAssertTrue(damage.isRowDirty(3), "the exposed row")
        XCTAssertFalse(damage.isRowDirty(0))
        XCTAssertFalse(damage.isRowDirty(1))
        XCTAssertTrue(damage.cursorMoved, "the cursor's pixels moved with the scroll")
    }

    func testDamageBeforeAScrollMovesWithIt() {
        let t = cleanTerminal("1\r\n2\r\n3\r\n4")
        t.feed("\(esc)[2;1HX\(esc)[4;2H\n")
        let damage = t.takeDamage()
        XCTAssertEqual(damage.scrolledLines, 1)
        XCTAssertFalse(damage.isRowDirty(1), "row 1 moved…")
        XCTAssertEqual(damage.dirtyColumns(inRow: 0), 0 ..< 1, "…to row 0, still dirty")
        XCTAssertTrue(damage.isRowDirty(2), "the old cursor, moved up with the scroll")
        XCTAssertTrue(damage.isRowDirty(3), "the exposed row")
    }

    func testScrollingMoreThanTheScreenRedrawsEverything() {
        let t = cleanTerminal()
        t.feed(String(repeating: "\n", count: 10))
        let damage = t.takeDamage()
        XCTAssertTrue(damage.fullRedraw)
        XCTAssertEqual(damage.scrolledLines, 0)
        XCTAssertEqual(damage.dirtyColumns(inRow: 2), 0 ..< 10)
    }

    func testRegionScrollMarksTheRegionRows() {
        let t = cleanTerminal("\(esc)[2;3r")
        _ = t.takeDamage()
        t.feed("\(esc)[3;1H\n")
        let damage = t.takeDamage()
        XCTAssertEqual(damage.scrolledLines, 0)
        XCTAssertEqual(damage.dirtyColumns(inRow: 1), 0 ..< 10)
        XCTAssertEqual(damage.dirtyColumns(inRow: 2), 0 ..< 10)
        XCTAssertFalse(damage.isRowDirty(3))
    }

    func testScrollDownMarksRows() {
        let t = cleanTerminal("1\r\n2\r\n3\r\n4\(esc)[H")
        _ = t.takeDamage()
        t.feed("\(esc)M")
        let damage = t.takeDamage()
        XCTAssertEqual(damage.scrolledLines, 0)
        XCTAssertEqual(damage.dirtyRows, [0, 1, 2, 3])
    }

    func testFullRedrawTriggers() {
        let t = cleanTerminal("1\r\n2\r\n3\r\n4\r\n5")
        for trigger in ["\(esc)[?1049h", "\(esc)[?1049l", "\(esc)c", "\(esc)]4;3;#123456\u{7}", "\(esc)]104\u{7}", "\(esc)[?5h"] {
            t.feed(trigger)
            XCTAssertTrue(t.takeDamage().fullRedraw, trigger.debugDescription)
        }
        t.feed("a\r\nb\r\nc\r\nd\r\ne")
        _ = t.takeDamage()
        t.scrollView(by: 1)
        XCTAssertTrue(t.takeDamage().fullRedraw)
        t.feed("x")
        XCTAssertTrue(t.takeDamage().fullRedraw, "snapping back to the bottom")
        t.resize(columns: 11, rows: 4)
        XCTAssertTrue(t.takeDamage().fullRedraw)
    }

    func testEditingDamagesTheRestOfTheLine() {
        let t = cleanTerminal("abcdefghij")
        t.feed("\(esc)[1;3H")
        _ = t.takeDamage()
        t.feed("\(esc)[P")
        XCTAssertEqual(t.takeDamage().dirtyColumns(inRow: 0).upperBound, 10)
        t.feed("\(esc)[K")
        XCTAssertTrue(t.takeDamage().dirtyColumns(inRow: 0).contains(9))
    }

    func testOutOfRangeQueriesAreClean() {
        let damage = cleanTerminal().takeDamage()
        XCTAssertEqual(damage.dirtyColumns(inRow: -1), 0 ..< 0)
        XCTAssertEqual(damage.dirtyColumns(inRow: 4), 0 ..< 0)
    }
}

/// A model renderer that only ever applies damage must keep showing exactly
/// what the terminal shows.
final class TerminalDamageModelTests: XCTestCase {
    func testARendererFollowingTheDamageStaysInSync() {
        var random = SeededGenerator(seed: 2024)
        let t = Terminal(columns: 30, rows: 8, scrollbackLines: 100)
        // Cells the model has never drawn hold a snowman, so a row the damage
        // forgot shows up as a mismatch.
        let undrawn = Cell(scalar: 0x2603)
        var shown = [[Cell]](repeating: [Cell](repeating: undrawn, count: 30), count: 8)
        for step in 0 ..< 3000 {
            t.feed(randomInput(&random, size: Int(random.next() % 200)))
            switch random.next() % 50 {
            case 0: t.resize(columns: 2 + Int(random.next() % 40), rows: 1 + Int(random.next() % 12))
            case 1: t.scrollView(by: Int(random.next() % 10) - 3)
            default: break
            }
            let damage = t.takeDamage()
            if damage.rows != shown.count || damage.columns != shown[0].count {
                XCTAssertTrue(damage.fullRedraw, "a new size must redraw everything")
                shown = [[Cell]](repeating: [Cell](repeating: undrawn, count: damage.columns), count: damage.rows)
            }
            if !damage.fullRedraw && damage.scrolledLines > 0 {
                // Move the pixels: rows go up, the exposed bottom rows hold stale garbage.
                shown.removeFirst(damage.scrolledLines)
                for _ in 0 ..< damage.scrolledLines {
                    shown.append([Cell](repeating: undrawn, count: damage.columns))
                }
            }
            for row in 0 ..< damage.rows {
                for column in damage.dirtyColumns(inRow: row) {
                    shown[row][column] = t.visibleCell(row: row, column: column)
                }
            }
            for row in 0 ..< t.rows {
                let actual = (0 ..< t.columns).map { t.visibleCell(row: row, column: $0) }
                if shown[row] != actual {
                    XCTFail("step \(step): row \(row) shows \(rowText(shown[row]).debugDescription), terminal has \(rowText(actual).debugDescription)")
                    return
                }
            }
        }
    }
}
