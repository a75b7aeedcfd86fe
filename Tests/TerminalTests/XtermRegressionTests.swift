import Terminal
import XCTest

/// Behaviours the libvterm comparison found Lumen getting wrong (xterm and
/// libvterm agree on them).
final class XtermRegressionTests: XCTestCase {
    func text(_ terminal: Terminal, row: Int) -> String {
        String(String.UnicodeScalarView((0..<terminal.columns).compactMap { Unicode.Scalar(terminal.cell(row: row, column: $0).scalar) }))
    }

    /// A tab at a pending wrap keeps the wrap: the next character starts the next row.
    func testTabAtPendingWrapKeepsTheWrap() {
        let terminal = Terminal(columns: 10, rows: 3)
        terminal.feed("wwwwwwwwww\tx")
        XCTAssertEqual(text(terminal, row: 0), "wwwwwwwwww")
        XCTAssertEqual(text(terminal, row: 1), "x         ")
        let cht = Terminal(columns: 10, rows: 3)
        cht.feed("wwwwwwwwww\u{1B}[Ix")
        XCTAssertEqual(text(cht, row: 1), "x         ")
    }

    /// With autowrap off, a combining mark after a character in the last column
    /// joins that character, not the blank before it.
    func testCombiningMarkAtLastColumnWithAutowrapOff() {
        let terminal = Terminal(columns: 10, rows: 2)
        terminal.feed("\u{1B}[?7l\u{1B}[1;10He\u{301}")
        XCTAssertEqual(terminal.cell(row: 0, column: 9).scalar, 0x65)
        XCTAssertEqual(terminal.cell(row: 0, column: 9).combiningMarkCount, 1)
        XCTAssertEqual(terminal.cell(row: 0, column: 8).combiningMarkCount, 0)
    }
}
