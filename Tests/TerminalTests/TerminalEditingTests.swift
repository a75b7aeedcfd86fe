import Terminal
import XCTest

/// Erasing, inserting and deleting, scrolling and scroll regions, on a 10×4
/// screen filled with distinct text.
final class TerminalEditingTests: XCTestCase {
    let filled = ["abcdefghij", "klmnopqrst", "uvwxyzABCD", "EFGHIJKLMN"]

    func filledTerminal(scrollback: Int = 100) -> Terminal {
        let t = Terminal(columns: 10, rows: 4, scrollbackLines: scrollback)
        for (row, text) in filled.enumerated() { t.feed("\(esc)[\(row + 1);1H\(text)") }
        XCTAssertEqual(screenLines(t), filled)
        return t
    }

    func testEraseBelow() {
        let t = filledTerminal()
        t.feed("\(esc)[2;6H\(esc)[J")
        XCTAssertEqual(screenLines(t), ["abcdefghij", "klmno", "", ""])
        XCTAssertEqual(cursorOf(t), [1, 5])
    }

    func testEraseAbove() {
        let t = filledTerminal()
        t.feed("\(esc)[2;6H\(esc)[1J")
        XCTAssertEqual(screenLines(t), ["", "      qrst", "uvwxyzABCD", "EFGHIJKLMN"])
    }

    func testEraseAll() {
        let t = filledTerminal()
        t.feed("\(esc)[2;6H\(esc)[2J")
        XCTAssertEqual(screenLines(t), ["", "", "", ""])
        XCTAssertEqual(cursorOf(t), [1, 5], "ED does not move the cursor")
    }

    func testEraseScrollbackLeavesTheScreen() {
        let t = filledTerminal()
        t.feed("\(esc)[4;1H\n\n")
        XCTAssertEqual(t.scrollbackCount, 2)
        t.feed("\(esc)[3J")
        XCTAssertEqual(t.scrollbackCount, 0)
        XCTAssertEqual(screenLines(t), ["uvwxyzABCD", "EFGHIJKLMN", "", ""])
    }

    func testEraseInLine() {
        let t = filledTerminal()
        t.feed("\(esc)[1;4H\(esc)[K\(esc)[2;4H\(esc)[1K\(esc)[3;4H\(esc)[2K")
        XCTAssertEqual(screenLines(t), ["abc", "    opqrst", "", "EFGHIJKLMN"])
    }

    func testEraseUsesTheCurrentBackground() {
        let t = filledTerminal()
        t.feed("\(esc)[44m\(esc)[2J")
        let cell = t.cell(row: 2, column: 5)
        XCTAssertEqual(cell.scalar, 0x20)
        XCTAssertEqual(cell.background, .indexed(4))
        XCTAssertEqual(cell.attributes, [])
        XCTAssertFalse(cell.isBlank, "a coloured blank is not blank")
    }

    func testEraseCharacters() {
        let t = filledTerminal()
        t.feed("\(esc)[1;3H\(esc)[3X\(esc)[2;9H\(esc)[99X")
        XCTAssertEqual(screenLines(t), ["ab   fghij", "klmnopqr", "uvwxyzABCD", "EFGHIJKLMN"])
        XCTAssertEqual(cursorOf(t), [1, 8])
    }

    func testInsertCharacters() {
        let t = filledTerminal()
        t.feed("\(esc)[1;3H\(esc)[2@\(esc)[2;9H\(esc)[99@")
        XCTAssertEqual(screenLines(t)[0], "ab  cdefgh")
        XCTAssertEqual(screenLines(t)[1], "klmnopqr")
    }

    func testDeleteCharacters() {
        let t = filledTerminal()
        t.feed("\(esc)[1;3H\(esc)[2P\(esc)[2;9H\(esc)[99P")
        XCTAssertEqual(screenLines(t)[0], "abefghij")
        XCTAssertEqual(screenLines(t)[1], "klmnopqr")
    }

    func testEditingSplitsNoWideCharacter() {
        let t = terminal("漢字ab\(esc)[1;2H\(esc)[X")
        XCTAssertEqual(screenLines(t)[0], "  字ab", "erasing half a wide character erases all of it")
        let u = terminal("a漢b\(esc)[1;2H\(esc)[P")
        XCTAssertEqual(screenLines(u)[0], "a b", "deleting its left half blanks the orphaned right half")
        let v = terminal("a漢b\(esc)[1;3H\(esc)[@")
        XCTAssertEqual(screenLines(v)[0], "a   b", "inserting inside a wide character splits it into blanks")
        for term in [t, u, v] { XCTAssertNil(invariantViolation(term)) }
    }

    func testInsertLines() {
        let t = filledTerminal()
        t.feed("\(esc)[2;5H\(esc)[L")
        XCTAssertEqual(screenLines(t), ["abcdefghij", "", "klmnopqrst", "uvwxyzABCD"])
        XCTAssertEqual(cursorOf(t), [1, 0], "IL returns the carriage")
        t.feed("\(esc)[9L")
        XCTAssertEqual(screenLines(t), ["abcdefghij", "", "", ""])
    }

    func testDeleteLines() {
        let t = filledTerminal()
        t.feed("\(esc)[2;5H\(esc)[M")
        XCTAssertEqual(screenLines(t), ["abcdefghij", "uvwxyzABCD", "EFGHIJKLMN", ""])
        XCTAssertEqual(t.scrollbackCount, 0, "DL never feeds the scrollback")
        t.feed("\(esc)[2M")
        XCTAssertEqual(screenLines(t), ["abcdefghij", "", "", ""])
    }

    func testInsertAndDeleteLinesInsideARegion() {
        let t = filledTerminal()
        t.feed("\(esc)[2;3r\(esc)[2;1H\(esc)[L")
        XCTAssertEqual(screenLines(t), ["abcdefghij", "", "klmnopqrst", "EFGHIJKLMN"])
        t.feed("\(esc)[2;1H\(esc)[2M")
        XCTAssertEqual(screenLines(t), ["abcdefghij", "", "", "EFGHIJKLMN"])
        // Outside the region IL and DL do nothing.
        let u = filledTerminal()
        u.feed("\(esc)[2;3r\(esc)[4;1H\(esc)[L\(esc)[1;1H\(esc)[M")
        XCTAssertEqual(screenLines(u), filled)
    }

    func testScrollUpAndDown() {
        let t = filledTerminal()
        t.feed("\(esc)[S")
        XCTAssertEqual(screenLines(t), ["klmnopqrst", "uvwxyzABCD", "EFGHIJKLMN", ""])
        XCTAssertEqual(scrollbackLines(t), ["abcdefghij"])
        t.feed("\(esc)[2T")
        XCTAssertEqual(screenLines(t), ["", "", "klmnopqrst", "uvwxyzABCD"])
        t.feed("\(esc)[99S")
        XCTAssertEqual(screenLines(t), ["", "", "", ""])
    }

    func testSDWithFiveParametersIsNotAScroll() {
        let t = filledTerminal()
        t.feed("\(esc)[1;2;3;4;5T")
        XCTAssertEqual(screenLines(t), filled)
    }

    func testLineFeedAtTheBottomScrollsIntoTheScrollback() {
        let t = filledTerminal()
        t.feed("\(esc)[4;1H\nX")
        XCTAssertEqual(screenLines(t), ["klmnopqrst", "uvwxyzABCD", "EFGHIJKLMN", "X"])
        XCTAssertEqual(scrollbackLines(t), ["abcdefghij"])
    }

    func testScrollRegion() {
        let t = filledTerminal()
        t.feed("\(esc)[2;3r")
        XCTAssertEqual(t.scrollRegion, 1 ... 2)
        XCTAssertEqual(cursorOf(t), [0, 0], "DECSTBM homes the cursor")
        t.feed("\(esc)[3;1H\n")
        XCTAssertEqual(screenLines(t), ["abcdefghij", "uvwxyzABCD", "", "EFGHIJKLMN"])
        XCTAssertEqual(t.scrollbackCount, 0, "a partial region keeps nothing")
        XCTAssertEqual(cursorOf(t), [2, 0])
    }

    func testReverseIndexAtTheTopMarginScrollsTheRegionDown() {
        let t = filledTerminal()
        t.feed("\(esc)[2;3r\(esc)[2;1H\(esc)M")
        XCTAssertEqual(screenLines(t), ["abcdefghij", "", "klmnopqrst", "EFGHIJKLMN"])
        let u = filledTerminal()
        u.feed("\(esc)[1;1H\(esc)M")
        XCTAssertEqual(screenLines(u), ["", "abcdefghij", "klmnopqrst", "uvwxyzABCD"])
    }

    func testLineFeedBelowTheRegionDoesNotScroll() {
        let t = filledTerminal()
        t.feed("\(esc)[1;2r\(esc)[4;1H\nX")
        XCTAssertEqual(screenLines(t), ["abcdefghij", "klmnopqrst", "uvwxyzABCD", "XFGHIJKLMN"])
    }

    func testInvalidScrollRegionIsIgnored() {
        let t = filledTerminal()
        t.feed("\(esc)[2;3r\(esc)[3;3r\(esc)[4;2r")
        XCTAssertEqual(t.scrollRegion, 1 ... 2)
        t.feed("\(esc)[r")
        XCTAssertEqual(t.scrollRegion, 0 ... 3)
        t.feed("\(esc)[2;99r")
        XCTAssertEqual(t.scrollRegion, 1 ... 3)
    }

    func testScreenAlignmentTest() {
        let t = filledTerminal()
        t.feed("\(esc)[2;3r\(esc)[3;3H\(esc)#8")
        XCTAssertEqual(screenLines(t), [String](repeating: "EEEEEEEEEE", count: 4))
        XCTAssertEqual(cursorOf(t), [0, 0])
        XCTAssertEqual(t.scrollRegion, 0 ... 3)
    }
}
