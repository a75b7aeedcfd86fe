import Terminal
import XCTest

final class TerminalPrintingTests: XCTestCase {
    func testPlainText() {
        let t = terminal("hello")
        XCTAssertEqual(screenLines(t), ["hello", "", "", ""])
        XCTAssertEqual(cursorOf(t), [0, 5])
    }

    func testAutowrapAndPendingWrap() {
        let t = terminal(columns: 5, "abcde")
        XCTAssertEqual(cursorOf(t), [0, 4])
        XCTAssertTrue(t.cursorState.pendingWrap, "the last column sets the wrap flag, no wrap yet")
        XCTAssertFalse(t.isRowWrapped(0))
        t.feed("fg")
        XCTAssertEqual(screenLines(t), ["abcde", "fg", "", ""])
        XCTAssertEqual(cursorOf(t), [1, 2])
        XCTAssertTrue(t.isRowWrapped(0))
        XCTAssertFalse(t.isRowWrapped(1))
    }

    func testCarriageReturnCancelsPendingWrap() {
        let t = terminal(columns: 5, "abcde\rX")
        XCTAssertEqual(screenLines(t), ["Xbcde", "", "", ""])
        XCTAssertEqual(cursorOf(t), [0, 1])
    }

    func testWithoutAutowrapTheLastColumnIsOverwritten() {
        let t = terminal(columns: 5, "\(esc)[?7labcdefg")
        XCTAssertEqual(screenLines(t), ["abcdg", "", "", ""])
        XCTAssertEqual(cursorOf(t), [0, 4])
        XCTAssertFalse(t.cursorState.pendingWrap)
    }

    func testWrapAtTheBottomScrolls() {
        let t = terminal(columns: 3, rows: 2, "abcdefgh")
        XCTAssertEqual(screenLines(t), ["def", "gh"])
        XCTAssertEqual(scrollbackLines(t), ["abc"])
    }

    func testWideCharactersTakeTwoCells() {
        let t = terminal("漢字x")
        XCTAssertEqual(screenLines(t)[0], "漢字x")
        XCTAssertEqual(t.cell(row: 0, column: 0).width, 2)
        XCTAssertEqual(t.cell(row: 0, column: 0).scalar, 0x6F22)
        XCTAssertEqual(t.cell(row: 0, column: 1).width, 0)
        XCTAssertTrue(t.cell(row: 0, column: 1).isWideContinuation)
        XCTAssertEqual(t.cell(row: 0, column: 4).scalar, UInt32(UInt8(ascii: "x")))
        XCTAssertEqual(cursorOf(t), [0, 5])
    }

    func testEmojiIsWide() {
        let t = terminal("😀!")
        XCTAssertEqual(t.cell(row: 0, column: 0).width, 2)
        XCTAssertEqual(cursorOf(t), [0, 3])
    }

    func testWideCharacterAtTheLastColumnWrapsFirst() {
        let t = terminal(columns: 5, "abcd漢")
        XCTAssertEqual(screenLines(t), ["abcd", "漢", "", ""])
        XCTAssertEqual(t.cell(row: 0, column: 4), .blank)
        XCTAssertTrue(t.isRowWrapped(0))
        XCTAssertEqual(cursorOf(t), [1, 2])
    }

    func testWideCharacterFillingTheLineSetsPendingWrap() {
        let t = terminal(columns: 4, "ab漢")
        XCTAssertEqual(cursorOf(t), [0, 3])
        XCTAssertTrue(t.cursorState.pendingWrap)
        t.feed("c")
        XCTAssertEqual(screenLines(t), ["ab漢", "c", "", ""])
    }

    func testWideCharacterWithoutAutowrapStaysOnTheLine() {
        let t = terminal(columns: 5, "\(esc)[?7labcd漢")
        XCTAssertEqual(screenLines(t), ["abc漢", "", "", ""])
        XCTAssertEqual(cursorOf(t), [0, 4])
    }

    func testOverwritingTheRightHalfClearsTheLeftHalf() {
        let t = terminal("漢字\r\(esc)[Cx")
        XCTAssertEqual(screenLines(t)[0], " x字")
        XCTAssertEqual(t.cell(row: 0, column: 0), .blank)
    }

    func testOverwritingTheLeftHalfClearsTheRightHalf() {
        let t = terminal("漢字\rx")
        XCTAssertEqual(screenLines(t)[0], "x 字")
        XCTAssertEqual(t.cell(row: 0, column: 1), .blank)
    }

    func testWideOverNarrowAndWideOverShiftedWide() {
        let t = terminal("a漢b\r\(esc)[C字")
        // 字 at columns 1–2 covers 漢's left half at 1; its right half at 2 is
        // overwritten too, and 'b' at 3 survives.
        XCTAssertEqual(screenLines(t)[0], "a字b")
        let u = terminal("漢字\r\(esc)[C語")
        // 語 at 1–2 cuts 漢 (0–1) and 字 (2–3): both lose their other half.
        XCTAssertEqual(screenLines(u)[0], " 語")
        XCTAssertEqual(u.cell(row: 0, column: 3), .blank)
        XCTAssertNil(invariantViolation(u))
    }

    func testCombiningMarksAttachToThePreviousCell() {
        let t = terminal("e\u{301}x")
        XCTAssertEqual(t.cell(row: 0, column: 0).scalar, 0x65)
        XCTAssertEqual(t.cell(row: 0, column: 0).combiningMarkCount, 1)
        XCTAssertEqual(t.cell(row: 0, column: 0).combiningMark(0), 0x301)
        XCTAssertEqual(cursorOf(t), [0, 2])
        XCTAssertEqual(screenLines(t)[0], "e\u{301}x")
    }

    func testAtMostTwoCombiningMarksAreKept() {
        let t = terminal("a\u{300}\u{301}\u{302}")
        XCTAssertEqual(t.cell(row: 0, column: 0).combiningMarkCount, 2)
        XCTAssertEqual(t.cell(row: 0, column: 0).combiningMark(1), 0x301)
        XCTAssertEqual(cursorOf(t), [0, 1])
    }

    func testCombiningMarkOnAWideCharacterAndWithPendingWrap() {
        let t = terminal("漢\u{20DD}")
        XCTAssertEqual(t.cell(row: 0, column: 0).combiningMark(0), 0x20DD)
        let u = terminal(columns: 5, "abcde\u{301}")
        XCTAssertEqual(u.cell(row: 0, column: 4).combiningMark(0), 0x301)
        XCTAssertTrue(u.cursorState.pendingWrap)
    }

    func testCombiningMarkAtTheStartOfALineIsDropped() {
        let t = terminal("\u{301}a")
        XCTAssertEqual(screenLines(t)[0], "a")
        XCTAssertEqual(t.cell(row: 0, column: 0).combiningMarkCount, 0)
    }

    func testZeroWidthJoinerAndVariationSelectorAttach() {
        let t = terminal("👨\u{200D}👩")
        XCTAssertEqual(t.cell(row: 0, column: 0).combiningMark(0), 0x200D)
        XCTAssertEqual(t.cell(row: 0, column: 2).scalar, 0x1F469)
        XCTAssertEqual(cursorOf(t), [0, 4])
    }

    func testC1ControlsFromUTF8PrintNothing() {
        let t = terminal("a\u{9B}b\u{85}c")
        XCTAssertEqual(screenLines(t)[0], "abc")
    }

    func testInvalidUTF8PrintsReplacementCharacters() {
        let t = Terminal(columns: 10, rows: 2)
        t.feed([0x61, 0xC3, 0x62, 0xFF, 0xE6, 0xBC])
        t.feed([0xA2])  // completes 漢 across feeds
        XCTAssertEqual(screenLines(t)[0], "a\u{FFFD}b\u{FFFD}漢")
    }

    func testInsertMode() {
        let t = terminal("abc\r\(esc)[4hXY")
        XCTAssertEqual(screenLines(t)[0], "XYabc")
        t.feed("\(esc)[4lZ")
        XCTAssertEqual(screenLines(t)[0], "XYZbc")
    }

    func testInsertModePushesCellsOffTheEnd() {
        let t = terminal(columns: 5, "abcd漢\(esc)[1;1H\(esc)[4hX")
        // The line was "abcd" + padding; inserting shifts 'd' to the last column.
        XCTAssertEqual(screenLines(t)[0], "Xabcd")
        let u = terminal(columns: 5, "abc漢\(esc)[1;1H\(esc)[4hX")
        // 漢 at 3–4 would be cut by the edge: it goes.
        XCTAssertEqual(screenLines(u)[0], "Xabc")
        XCTAssertNil(invariantViolation(u))
    }

    func testRepeatPrecedingCharacter() {
        XCTAssertEqual(screenLines(terminal("a\(esc)[3b"))[0], "aaaa")
        XCTAssertEqual(screenLines(terminal("漢\(esc)[2b"))[0], "漢漢漢")
        // REP only repeats a character printed just before it.
        XCTAssertEqual(screenLines(terminal("a\r\(esc)[3b"))[0], "a")
        XCTAssertEqual(screenLines(terminal("\(esc)[3b"))[0], "")
        XCTAssertEqual(screenLines(terminal("ab\(esc)[b\(esc)[b"))[0], "abbb")
        // A huge count is bounded by the screen size.
        let t = terminal(columns: 4, rows: 2, "x\(esc)[65535b")
        XCTAssertEqual(screenLines(t), ["xxxx", "x"], "1 + 8 characters: one more than a screenful")
    }

    func testDECSpecialGraphics() {
        let t = terminal("\(esc)(0lqk\(esc)(Bq")
        XCTAssertEqual(screenLines(t)[0], "┌─┐q")
        XCTAssertEqual(screenLines(terminal(columns: 20, "\(esc)(0`afgjmnxyz{|}~"))[0], "◆▒°±┘└┼│≤≥π≠£·")
    }

    func testShiftOutAndShiftIn() {
        let t = terminal("\(esc))0q\u{E}q\u{F}q")
        XCTAssertEqual(screenLines(t)[0], "q─q")
    }

    func testUnitedKingdomCharset() {
        XCTAssertEqual(screenLines(terminal("\(esc)(A#\(esc)(B#"))[0], "£#")
    }

    func testTabs() {
        let t = terminal(columns: 20, "a\tb\tc")
        XCTAssertEqual(t.cell(row: 0, column: 8).scalar, UInt32(UInt8(ascii: "b")))
        XCTAssertEqual(t.cell(row: 0, column: 16).scalar, UInt32(UInt8(ascii: "c")))
        t.feed("\t\t")
        XCTAssertEqual(cursorOf(t), [0, 19], "HT stops at the last column")
    }

    func testTabStopsSetAndCleared() {
        let t = terminal(columns: 20, "\(esc)[1;4H\(esc)H\r\tx")
        XCTAssertEqual(t.cell(row: 0, column: 3).scalar, UInt32(UInt8(ascii: "x")))
        t.feed("\(esc)[1;4H\(esc)[g\r\ty")
        XCTAssertEqual(t.cell(row: 0, column: 8).scalar, UInt32(UInt8(ascii: "y")))
        t.feed("\(esc)[3g\r\tz")
        XCTAssertEqual(cursorOf(t), [0, 19])
    }

    func testForwardAndBackwardTabulation() {
        let t = terminal(columns: 40, "\(esc)[2I")
        XCTAssertEqual(cursorOf(t), [0, 16])
        t.feed("\(esc)[Z")
        XCTAssertEqual(cursorOf(t), [0, 8])
        t.feed("\(esc)[5Z")
        XCTAssertEqual(cursorOf(t), [0, 0])
        t.feed("\(esc)[1;12H\(esc)[Z")
        XCTAssertEqual(cursorOf(t), [0, 8])
    }

    func testBackspace() {
        let t = terminal(columns: 5, "ab\u{8}\u{8}\u{8}X")
        XCTAssertEqual(screenLines(t)[0], "Xb")
        let u = terminal(columns: 5, "abcde\u{8}X")
        XCTAssertEqual(screenLines(u)[0], "abcXe", "BS from the pending-wrap position")
    }

    func testBellCounts() {
        let t = terminal("\u{7}a\u{7}")
        XCTAssertEqual(t.bellCount, 2)
        XCTAssertEqual(screenLines(t)[0], "a")
    }

    func testLineFeedKeepsTheColumnUnlessNewLineMode() {
        let t = terminal("ab\ncd")
        XCTAssertEqual(screenLines(t), ["ab", "  cd", "", ""])
        let u = terminal("\(esc)[20hab\ncd\u{B}e\u{C}f")
        XCTAssertEqual(screenLines(u), ["ab", "cd", "e", "f"])
    }

    func testPrintedCellsCarryThePen() {
        let t = terminal("\(esc)[1;31;42mA")
        let cell = t.cell(row: 0, column: 0)
        XCTAssertEqual(cell.attributes, [.bold])
        XCTAssertEqual(cell.foreground, .indexed(1))
        XCTAssertEqual(cell.background, .indexed(2))
    }
}
