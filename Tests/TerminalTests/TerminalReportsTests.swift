import Terminal
import XCTest

final class TerminalReportsTests: XCTestCase {
    func testStatusReport() {
        XCTAssertEqual(responsesText(terminal("\(esc)[5n")), "\(esc)[0n")
    }

    func testCursorPositionReport() {
        let t = terminal("\(esc)[2;3H\(esc)[6n")
        XCTAssertEqual(responsesText(t), "\(esc)[2;3R")
        XCTAssertEqual(t.takeResponses(), [], "taking empties the buffer")
        t.feed("\(esc)[?6n")
        XCTAssertEqual(responsesText(t), "\(esc)[?2;3;1R")
    }

    func testCursorPositionReportHonoursOriginMode() {
        let t = terminal(columns: 10, rows: 6, "\(esc)[3;5r\(esc)[?6h\(esc)[2;4H\(esc)[6n")
        XCTAssertEqual(responsesText(t), "\(esc)[2;4R")
        t.feed("\(esc)[?6l\(esc)[6n")
        XCTAssertEqual(responsesText(t), "\(esc)[1;1R")
    }

    func testCursorPositionReportWithPendingWrap() {
        let t = terminal(columns: 5, "abcde\(esc)[6n")
        XCTAssertEqual(responsesText(t), "\(esc)[1;5R")
    }

    func testLargeCoordinates() {
        let t = Terminal(columns: 300, rows: 120)
        t.feed("\(esc)[120;300H\(esc)[6n")
        XCTAssertEqual(responsesText(t), "\(esc)[120;300R")
    }

    func testDeviceAttributes() {
        XCTAssertEqual(responsesText(terminal("\(esc)[c")), "\(esc)[?62;22c")
        XCTAssertEqual(responsesText(terminal("\(esc)[0c")), "\(esc)[?62;22c")
        XCTAssertEqual(responsesText(terminal("\(esc)[1c")), "")
        XCTAssertEqual(responsesText(terminal("\(esc)[>c")), "\(esc)[>1;10;0c")
        XCTAssertEqual(responsesText(terminal("\(esc)[>0c")), "\(esc)[>1;10;0c")
    }

    func testResponsesAccumulateInOrder() {
        let t = terminal("\(esc)[5n\(esc)[c\(esc)[6n")
        XCTAssertEqual(responsesText(t), "\(esc)[0n\(esc)[?62;22c\(esc)[1;1R")
    }

    func testUnknownQueriesAreSilent() {
        XCTAssertEqual(responsesText(terminal("\(esc)[7n\(esc)[?5n\(esc)[18t\(esc)[>0q")), "")
    }
}
