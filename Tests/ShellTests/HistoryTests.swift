import XCTest
@testable import Shell

final class HistoryTests: XCTestCase {
    func testBlankLinesAndImmediateRepeatsAreSkipped() {
        var history = History()
        XCTAssertTrue(history.add("ls"))
        XCTAssertFalse(history.add("ls"))
        XCTAssertFalse(history.add(""))
        XCTAssertFalse(history.add(" \t "))
        XCTAssertTrue(history.add("pwd"))
        XCTAssertTrue(history.add("ls"))
        XCTAssertEqual(history.entries, ["ls", "pwd", "ls"])
    }

    func testTheOldestEntriesAreForgottenAtCapacity() {
        var history = History(capacity: 3)
        for number in 1...5 { history.add("cmd \(number)") }
        XCTAssertEqual(history.entries, ["cmd 3", "cmd 4", "cmd 5"])
        XCTAssertEqual(History().capacity, 500)
    }

    func testNavigationKeepsTheLineBeingEdited() {
        var history = History()
        XCTAssertNil(history.previous(current: "x"), "no history")
        XCTAssertNil(history.next())
        history.add("a")
        history.add("b")
        XCTAssertEqual(history.previous(current: "draft"), "b")
        XCTAssertEqual(history.previous(current: "b"), "a")
        XCTAssertNil(history.previous(current: "a"))
        XCTAssertEqual(history.next(), "b")
        XCTAssertEqual(history.next(), "draft")
        XCTAssertNil(history.next())
        XCTAssertEqual(history.previous(current: "new"), "b")
        history.resetNavigation()
        XCTAssertNil(history.next())
    }

    func testTheHistoryFileRoundTrips() {
        var history = History()
        for line in ["echo 'héllo'", "cat a | upper > b", "ls ; pwd"] { history.add(line) }
        let body = history.serialized()
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "echo 'héllo'\ncat a | upper > b\nls ; pwd\n")
        XCTAssertEqual(History.parse(body).entries, history.entries)
    }

    func testParsingToleratesHandWrittenFiles() {
        let body = Array("one\r\n\r\ntwo\n\ntwo\nthree".utf8) + [0xff, 0x0a]
        XCTAssertEqual(History.parse(body).entries, ["one", "two", "three\u{FFFD}"])
        XCTAssertEqual(History.parse(body, capacity: 2).entries, ["two", "three\u{FFFD}"])
        XCTAssertTrue(History.parse([]).isEmpty)
    }

    func testLineBreaksInAnEntryBecomeSpaces() {
        var history = History()
        history.add("echo a\necho b\r")
        XCTAssertEqual(history.entries, ["echo a echo b "])
        XCTAssertEqual(History.parse(history.serialized()).entries, history.entries)
    }
}
