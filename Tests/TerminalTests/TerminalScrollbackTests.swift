import Terminal
import XCTest

final class TerminalScrollbackTests: XCTestCase {
    /// "L0\r\nL1\r\n…L(n-1)" with no final newline.
    func numberedLines(_ count: Int) -> String {
        (0 ..< count).map { "L\($0)" }.joined(separator: "\r\n")
    }

    func testLinesScrolledOffTheTopAreKept() {
        let t = terminal(columns: 10, rows: 4, numberedLines(10))
        XCTAssertEqual(screenLines(t), ["L6", "L7", "L8", "L9"])
        XCTAssertEqual(scrollbackLines(t), ["L0", "L1", "L2", "L3", "L4", "L5"])
    }

    func testRingIsBounded() {
        let t = terminal(columns: 10, rows: 4, scrollback: 50, numberedLines(200))
        XCTAssertEqual(t.scrollbackCount, 50)
        XCTAssertEqual(scrollbackLines(t).first, "L146")
        XCTAssertEqual(scrollbackLines(t).last, "L195")
        XCTAssertEqual(screenLines(t), ["L196", "L197", "L198", "L199"])
    }

    func testDefaultCapacityIsTenThousandLines() {
        let t = Terminal(columns: 20, rows: 5)
        XCTAssertEqual(t.scrollbackCapacity, 10_000)
        t.feed(numberedLines(12_000))
        XCTAssertEqual(t.scrollbackCount, 10_000)
        XCTAssertEqual(rowText(t.scrollbackLine(0)), "L1995")
        XCTAssertEqual(rowText(t.scrollbackLine(9_999)), "L11994")
    }

    func testLinesAreStoredTrimmed() {
        let t = terminal(columns: 80, rows: 2, "short\r\n\r\nx\r\ny")
        XCTAssertEqual(t.scrollbackLine(0).count, 5)
        XCTAssertEqual(t.scrollbackLine(1).count, 0)
        // Coloured blanks are content and stay.
        let u = terminal(columns: 80, rows: 2, "\(esc)[41m\(esc)[Kred\(esc)[m\r\nx\r\ny")
        XCTAssertEqual(u.scrollbackLine(0).count, 80)
    }

    func testWrappedLinesKeepTheirFullWidth() {
        let t = terminal(columns: 5, rows: 2, "abcd \r\n")  // exactly 5 cells incl. a trailing space, no wrap
        XCTAssertEqual(t.scrollbackCount, 0)
        let u = terminal(columns: 5, rows: 1, "abcd efg")
        // "abcd " wrapped: its trailing space is text.
        XCTAssertEqual(u.scrollbackLine(0).count, 5)
    }

    func testPartialRegionsAndTheAlternateScreenKeepNothing() {
        let t = terminal(columns: 10, rows: 4, "\(esc)[1;3r" + numberedLines(10))
        XCTAssertEqual(t.scrollbackCount, 0)
        let u = terminal(columns: 10, rows: 4, "\(esc)[?1049h" + numberedLines(10))
        XCTAssertEqual(u.scrollbackCount, 0)
    }

    func testScrollingTheView() {
        let t = terminal(columns: 10, rows: 4, numberedLines(10))
        t.scrollView(by: 2)
        XCTAssertEqual(t.viewOffset, 2)
        XCTAssertEqual(visibleLines(t), ["L4", "L5", "L6", "L7"])
        t.scrollView(by: -1)
        XCTAssertEqual(visibleLines(t), ["L5", "L6", "L7", "L8"])
        t.scrollView(by: 1000)
        XCTAssertEqual(t.viewOffset, 6)
        XCTAssertEqual(visibleLines(t), ["L0", "L1", "L2", "L3"])
        t.scrollView(by: -1000)
        XCTAssertEqual(t.viewOffset, 0)
        XCTAssertEqual(visibleLines(t), screenLines(t))
    }

    func testVisibleCellsOfTrimmedLinesAreBlank() {
        let t = terminal(columns: 10, rows: 2, "ab\r\ncd\r\nef")
        t.scrollView(by: 1)
        XCTAssertEqual(t.visibleCell(row: 0, column: 1).scalar, UInt32(UInt8(ascii: "b")))
        XCTAssertEqual(t.visibleCell(row: 0, column: 9), .blank)
        XCTAssertEqual(t.visibleCell(row: -1, column: 0), .blank)
        XCTAssertEqual(t.visibleCell(row: 0, column: 10), .blank)
    }

    func testNewOutputSnapsTheViewBack() {
        let t = terminal(columns: 10, rows: 4, numberedLines(10))
        t.scrollView(by: 3)
        t.feed("!")
        XCTAssertEqual(t.viewOffset, 0)
        XCTAssertEqual(visibleLines(t).last, "L9!")
        t.scrollView(by: 3)
        t.resetView()
        XCTAssertEqual(t.viewOffset, 0)
    }

    func testNoViewScrollingOnTheAlternateScreen() {
        let t = terminal(columns: 10, rows: 4, numberedLines(10) + "\(esc)[?1049h")
        t.scrollView(by: 3)
        XCTAssertEqual(t.viewOffset, 0)
    }

    func testEraseScrollbackResetsTheView() {
        let t = terminal(columns: 10, rows: 4, numberedLines(10))
        t.scrollView(by: 3)
        t.feed("\(esc)[3J")
        XCTAssertEqual(t.viewOffset, 0)
        XCTAssertEqual(t.scrollbackCount, 0)
    }

    func testZeroCapacityKeepsNothing() {
        let t = terminal(columns: 10, rows: 2, scrollback: 0, numberedLines(10))
        XCTAssertEqual(t.scrollbackCount, 0)
        t.scrollView(by: 5)
        XCTAssertEqual(t.viewOffset, 0)
    }
}
