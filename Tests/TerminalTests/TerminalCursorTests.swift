import Terminal
import XCTest

final class TerminalCursorTests: XCTestCase {
    func testCursorPosition() {
        let t = terminal(columns: 10, rows: 5)
        t.feed("\(esc)[2;3H")
        XCTAssertEqual(cursorOf(t), [1, 2])
        t.feed("\(esc)[H")
        XCTAssertEqual(cursorOf(t), [0, 0])
        t.feed("\(esc)[99;99H")
        XCTAssertEqual(cursorOf(t), [4, 9])
        t.feed("\(esc)[0;0f")
        XCTAssertEqual(cursorOf(t), [0, 0])
        t.feed("\(esc)[3;4f")
        XCTAssertEqual(cursorOf(t), [2, 3])
        t.feed("\(esc)[;7H")
        XCTAssertEqual(cursorOf(t), [0, 6])
    }

    func testRelativeMovesClampAtTheEdges() {
        let t = terminal(columns: 10, rows: 5, "\(esc)[3;5H")
        t.feed("\(esc)[A")
        XCTAssertEqual(cursorOf(t), [1, 4])
        t.feed("\(esc)[0A")
        XCTAssertEqual(cursorOf(t), [0, 4])
        t.feed("\(esc)[9A")
        XCTAssertEqual(cursorOf(t), [0, 4])
        t.feed("\(esc)[2B")
        XCTAssertEqual(cursorOf(t), [2, 4])
        t.feed("\(esc)[99B")
        XCTAssertEqual(cursorOf(t), [4, 4])
        t.feed("\(esc)[3C")
        XCTAssertEqual(cursorOf(t), [4, 7])
        t.feed("\(esc)[99C")
        XCTAssertEqual(cursorOf(t), [4, 9])
        t.feed("\(esc)[4D")
        XCTAssertEqual(cursorOf(t), [4, 5])
        t.feed("\(esc)[99D")
        XCTAssertEqual(cursorOf(t), [4, 0])
        t.feed("\(esc)[65535C\(esc)[65535A")
        XCTAssertEqual(cursorOf(t), [0, 9])
    }

    func testNextAndPrecedingLine() {
        let t = terminal(columns: 10, rows: 5, "\(esc)[2;5H\(esc)[2E")
        XCTAssertEqual(cursorOf(t), [3, 0])
        t.feed("\(esc)[1;5H\(esc)[3;5H\(esc)[F")
        XCTAssertEqual(cursorOf(t), [1, 0])
    }

    func testAbsoluteColumnAndRow() {
        let t = terminal(columns: 10, rows: 5, "\(esc)[2;2H\(esc)[7G")
        XCTAssertEqual(cursorOf(t), [1, 6])
        t.feed("\(esc)[3`")
        XCTAssertEqual(cursorOf(t), [1, 2])
        t.feed("\(esc)[4d")
        XCTAssertEqual(cursorOf(t), [3, 2])
        t.feed("\(esc)[2a\(esc)[e")
        XCTAssertEqual(cursorOf(t), [4, 4])
        t.feed("\(esc)[99G\(esc)[99d")
        XCTAssertEqual(cursorOf(t), [4, 9])
    }

    func testMovesClearPendingWrap() {
        let t = terminal(columns: 5, "abcde\(esc)[DX")
        XCTAssertEqual(screenLines(t)[0], "abcXe")
        XCTAssertFalse(t.cursorState.pendingWrap)
    }

    func testCursorUpAndDownStopAtTheMarginsFromInside() {
        let t = terminal(columns: 10, rows: 6, "\(esc)[2;4r")  // rows 1…3
        t.feed("\(esc)[3;1H\(esc)[9A")
        XCTAssertEqual(cursorOf(t), [1, 0], "stops at the top margin")
        t.feed("\(esc)[9B")
        XCTAssertEqual(cursorOf(t), [3, 0], "stops at the bottom margin")
        t.feed("\(esc)[6;1H\(esc)[9A")
        XCTAssertEqual(cursorOf(t), [1, 0], "from below the region, stops at its top margin too")
        t.feed("\(esc)[1;1H\(esc)[9A")
        XCTAssertEqual(cursorOf(t), [0, 0])
        t.feed("\(esc)[5;1H\(esc)[9B")
        XCTAssertEqual(cursorOf(t), [5, 0], "below the region, down to the last row")
    }

    func testOriginMode() {
        let t = terminal(columns: 10, rows: 6, "\(esc)[2;4r\(esc)[?6h")
        XCTAssertEqual(cursorOf(t), [1, 0], "DECOM homes to the region's top")
        t.feed("\(esc)[2;3H")
        XCTAssertEqual(cursorOf(t), [2, 2])
        t.feed("\(esc)[9;1H")
        XCTAssertEqual(cursorOf(t), [3, 0], "clamped to the region")
        t.feed("\(esc)[1d")
        XCTAssertEqual(cursorOf(t), [1, 0])
        t.feed("\(esc)[?6l")
        XCTAssertEqual(cursorOf(t), [0, 0])
        XCTAssertFalse(t.modes.originMode)
    }

    func testSaveAndRestoreCursor() {
        let t = terminal(columns: 10, rows: 5, "\(esc)[2;3H\(esc)[1;32m\(esc)(0\(esc)7")
        t.feed("\(esc)[m\(esc)(B\(esc)[5;5H")
        t.feed("\(esc)8q")
        XCTAssertEqual(cursorOf(t), [1, 3])
        let cell = t.cell(row: 1, column: 2)
        XCTAssertEqual(cell.scalar, 0x2500, "charset restored: q is a line")
        XCTAssertEqual(cell.attributes, [.bold])
        XCTAssertEqual(cell.foreground, .indexed(2))
    }

    func testSaveAndRestoreWithCSIsAndCSIu() {
        let t = terminal(columns: 10, rows: 5, "\(esc)[3;4H\(esc)[s\(esc)[H\(esc)[u")
        XCTAssertEqual(cursorOf(t), [2, 3])
    }

    func testSaveRestoresOriginMode() {
        let t = terminal(columns: 10, rows: 6, "\(esc)[2;4r\(esc)[?6h\(esc)7\(esc)[?6l\(esc)8")
        XCTAssertTrue(t.modes.originMode)
    }

    func testRestoreWithoutSaveGoesHome() {
        let t = terminal("\(esc)[1m\(esc)[3;3H\(esc)8x")
        XCTAssertEqual(cursorOf(t), [0, 1])
        XCTAssertEqual(t.cell(row: 0, column: 0).attributes, [])
    }

    func testSaveRestoresPendingWrap() {
        let t = terminal(columns: 5, "abcde\(esc)7\(esc)[H\(esc)8X")
        XCTAssertEqual(screenLines(t), ["abcde", "X", "", ""])
    }

    func testIndexNextLineReverseIndex() {
        let t = terminal(columns: 5, rows: 3, "ab\(esc)Dc\(esc)Ed\(esc)M\(esc)Me")
        XCTAssertEqual(screenLines(t), ["ae", "  c", "d"])
    }

    func testCursorVisibilityAndShape() {
        let t = terminal("\(esc)[?25l")
        XCTAssertFalse(t.cursorState.isVisible)
        XCTAssertFalse(t.modes.cursorVisible)
        t.feed("\(esc)[?25h\(esc)[4 q")
        XCTAssertTrue(t.cursorState.isVisible)
        XCTAssertEqual(t.cursorState.shape, .underline)
        XCTAssertFalse(t.cursorState.isBlinking)
        t.feed("\(esc)[5 q")
        XCTAssertEqual(t.cursorState.shape, .bar)
        XCTAssertTrue(t.cursorState.isBlinking)
        t.feed("\(esc)[2 q")
        XCTAssertEqual(t.cursorState.shape, .block)
        XCTAssertFalse(t.cursorState.isBlinking)
        t.feed("\(esc)[?12h")
        XCTAssertTrue(t.cursorState.isBlinking)
        t.feed("\(esc)[?12l\(esc)[0 q")
        XCTAssertEqual(t.cursorState.shape, .block)
        XCTAssertTrue(t.cursorState.isBlinking)
        t.feed("\(esc)[9 q")
        XCTAssertEqual(t.cursorState.shape, .block, "unknown styles are ignored")
    }
}
