import Terminal
import XCTest

final class TerminalModesTests: XCTestCase {
    func testDefaults() {
        let modes = Terminal().modes
        XCTAssertFalse(modes.applicationCursorKeys)
        XCTAssertFalse(modes.bracketedPaste)
        XCTAssertTrue(modes.cursorVisible)
        XCTAssertTrue(modes.autowrap)
        XCTAssertFalse(modes.originMode)
        XCTAssertFalse(modes.insertMode)
        XCTAssertFalse(modes.alternateScreen)
        XCTAssertEqual(modes.mouseTracking, .off)
    }

    func testSimpleModes() {
        let t = terminal("\(esc)[?1h\(esc)[?2004h\(esc)[4h\(esc)[20h\(esc)=\(esc)[?1004;1006h")
        XCTAssertTrue(t.modes.applicationCursorKeys)
        XCTAssertTrue(t.modes.bracketedPaste)
        XCTAssertTrue(t.modes.insertMode)
        XCTAssertTrue(t.modes.newLineMode)
        XCTAssertTrue(t.modes.applicationKeypad)
        XCTAssertTrue(t.modes.focusEvents)
        XCTAssertTrue(t.modes.sgrMouseEncoding)
        t.feed("\(esc)[?1l\(esc)[?2004l\(esc)[4l\(esc)[20l\(esc)>")
        XCTAssertFalse(t.modes.applicationCursorKeys)
        XCTAssertFalse(t.modes.bracketedPaste)
        XCTAssertFalse(t.modes.insertMode)
        XCTAssertFalse(t.modes.newLineMode)
        XCTAssertFalse(t.modes.applicationKeypad)
    }

    func testSeveralModesInOneSequence() {
        let t = terminal("\(esc)[?1;25;2004l\(esc)[?1;2004h")
        XCTAssertTrue(t.modes.applicationCursorKeys)
        XCTAssertFalse(t.modes.cursorVisible)
        XCTAssertTrue(t.modes.bracketedPaste)
    }

    func testMouseTracking() {
        let t = terminal("\(esc)[?1000h")
        XCTAssertEqual(t.modes.mouseTracking, .normal)
        t.feed("\(esc)[?1002h")
        XCTAssertEqual(t.modes.mouseTracking, .buttonEvent)
        t.feed("\(esc)[?1000l")
        XCTAssertEqual(t.modes.mouseTracking, .buttonEvent, "resetting another mode leaves this one")
        t.feed("\(esc)[?1002l")
        XCTAssertEqual(t.modes.mouseTracking, .off)
    }

    func testReverseVideo() {
        let t = terminal()
        _ = t.takeDamage()
        t.feed("\(esc)[?5h")
        XCTAssertTrue(t.modes.reverseVideo)
        XCTAssertTrue(t.takeDamage().fullRedraw)
    }

    func testAlternateScreen1049() {
        let t = terminal("main\r\nsecond\(esc)[1;31m")
        t.feed("\(esc)[?1049h")
        XCTAssertTrue(t.modes.alternateScreen)
        XCTAssertEqual(screenLines(t), ["", "", "", ""])
        XCTAssertEqual(cursorOf(t), [1, 6], "the cursor stays put")
        t.feed("\(esc)[Halt\(esc)[m")
        XCTAssertEqual(screenLines(t), ["alt", "", "", ""])
        t.feed("\(esc)[?1049l")
        XCTAssertFalse(t.modes.alternateScreen)
        XCTAssertEqual(screenLines(t), ["main", "second", "", ""])
        XCTAssertEqual(cursorOf(t), [1, 6], "the saved cursor is restored")
        t.feed("X")
        XCTAssertEqual(t.cell(row: 1, column: 6).foreground, .indexed(1), "with its rendition")
    }

    func testAlternateScreenIsClearedOnEachEntry() {
        let t = terminal("\(esc)[?1049hjunk\(esc)[?1049l\(esc)[?1049h")
        XCTAssertEqual(screenLines(t), ["", "", "", ""])
    }

    func testAlternateScreenHasNoScrollback() {
        let t = terminal(columns: 5, rows: 2, "a\r\nb\r\nc")
        XCTAssertEqual(t.scrollbackCount, 1)
        t.feed("\(esc)[?1049h1\r\n2\r\n3\r\n4")
        XCTAssertEqual(screenLines(t), ["3", "4"])
        XCTAssertEqual(t.scrollbackCount, 1)
        t.feed("\(esc)[?1049l")
        XCTAssertEqual(screenLines(t), ["b", "c"])
    }

    /// xterm restores through origin-relative positioning: in origin mode a
    /// cursor saved below a region set meanwhile comes back on the region's last line.
    func testRestoringInOriginModeStopsAtTheBottomMargin() {
        let t = terminal(columns: 10, rows: 8, "\(esc)[?6h\(esc)[7;1H\(esc)[?1049h\(esc)[2;4r\(esc)[?1049l")
        XCTAssertEqual(cursorOf(t), [3, 0], "1049 l lands on the bottom margin")
        t.feed("\(esc)[r\(esc)[8;3H\(esc)7\(esc)[3;5r\(esc)8")
        XCTAssertEqual(cursorOf(t), [4, 2], "so does DECRC")
        t.feed("\(esc)[r\(esc)[1;1H\(esc)7\(esc)[3;5r\(esc)8")
        XCTAssertEqual(cursorOf(t), [0, 0], "a row above the region is kept")
        t.feed("\(esc)[?6l\(esc)[r\(esc)[8;1H\(esc)7\(esc)[3;5r\(esc)8")
        XCTAssertEqual(cursorOf(t), [7, 0], "outside origin mode nothing is clamped")
    }

    func testRepeated1049IsHarmless() {
        let t = terminal("text\(esc)[?1049h\(esc)[?1049hx\(esc)[?1049l\(esc)[?1049l")
        XCTAssertEqual(screenLines(t)[0], "text")
        XCTAssertEqual(cursorOf(t), [0, 4])
    }

    func testMode47SwitchesWithoutClearingOrSaving() {
        let t = terminal("main\(esc)[?47hA\(esc)[?47l")
        XCTAssertEqual(screenLines(t)[0], "main")
        XCTAssertEqual(cursorOf(t), [0, 5], "the cursor moved on the alternate screen and stays moved")
        t.feed("\(esc)[?47h")
        XCTAssertEqual(screenLines(t)[0], "    A", "47 keeps the alternate screen's contents")
    }

    func testMode1047ClearsWhenLeaving() {
        let t = terminal("main\(esc)[?1047hA\(esc)[?1047l")
        XCTAssertEqual(screenLines(t)[0], "main")
        t.feed("\(esc)[?47h")
        XCTAssertEqual(screenLines(t)[0], "")
    }

    func testMode1048SavesTheCursor() {
        let t = terminal("\(esc)[2;3H\(esc)[?1048h\(esc)[H\(esc)[?1048l")
        XCTAssertEqual(cursorOf(t), [1, 2])
    }

    func testEachScreenHasItsOwnSavedCursor() {
        let t = terminal("\(esc)[2;2H\(esc)7\(esc)[?47h\(esc)[3;3H\(esc)7\(esc)[?47l\(esc)8")
        XCTAssertEqual(cursorOf(t), [1, 1])
        t.feed("\(esc)[?47h\(esc)8")
        XCTAssertEqual(cursorOf(t), [2, 2])
    }

    func testSoftReset() {
        let t = terminal("text\(esc)[2;3r\(esc)[?6h\(esc)[4h\(esc)[?25l\(esc)[?7l\(esc)[?1h\(esc)[1;31m\(esc)(0")
        t.feed("\(esc)[!p")
        XCTAssertFalse(t.modes.originMode)
        XCTAssertFalse(t.modes.insertMode)
        XCTAssertTrue(t.modes.cursorVisible)
        XCTAssertTrue(t.modes.autowrap)
        XCTAssertFalse(t.modes.applicationCursorKeys)
        XCTAssertEqual(t.scrollRegion, 0 ... 3)
        XCTAssertEqual(screenLines(t)[0], "text", "the screen is untouched")
        t.feed("\(esc)[1;1Hq")
        XCTAssertEqual(t.cell(row: 0, column: 0), Cell(scalar: UInt32(UInt8(ascii: "q"))), "pen and charset reset")
        t.feed("\(esc)[3;3H\(esc)8")
        XCTAssertEqual(cursorOf(t), [0, 0], "the saved cursor is home")
    }

    func testFullReset() {
        let t = terminal(columns: 5, rows: 2, "a\r\nb\r\nc\(esc)[?1h\(esc)[2 q\(esc)[31m\(esc)]2;title\u{7}\(esc)[?1049h")
        t.feed("\(esc)c")
        XCTAssertEqual(screenLines(t), ["", ""])
        XCTAssertEqual(cursorOf(t), [0, 0])
        XCTAssertFalse(t.modes.alternateScreen)
        XCTAssertFalse(t.modes.applicationCursorKeys)
        XCTAssertEqual(t.cursorState.shape, .block)
        XCTAssertEqual(t.scrollbackCount, 1, "RIS keeps the scrollback, as xterm does")
        XCTAssertEqual(t.title, "title")
        t.feed("x")
        XCTAssertEqual(t.cell(row: 0, column: 0).foreground, .default)
    }

    func testRequestMode() {
        let t = terminal("\(esc)[?2004$p")
        XCTAssertEqual(responsesText(t), "\(esc)[?2004;2$y")
        t.feed("\(esc)[?2004h\(esc)[?2004$p\(esc)[?9999$p\(esc)[4$p")
        XCTAssertEqual(responsesText(t), "\(esc)[?2004;1$y\(esc)[?9999;0$y\(esc)[4;2$y")
    }
}
