import XCTest
@testable import Shell

final class LineEditorTests: XCTestCase {
    func testTypingEchoesEachCharacter() {
        var harness = EditorHarness()
        XCTAssertEqual(harness.screen.currentRow, "> ")
        let printed = harness.type("echo hi")
        XCTAssertEqual(printed, Array("echo hi".utf8), "plain typing is plain echo")
        harness.assertShowsLine("echo hi")
        XCTAssertTrue(harness.events.isEmpty)
    }

    func testUTF8IsEditedByScalar() {
        var harness = EditorHarness()
        harness.type("héllo €𝄞")
        XCTAssertEqual(harness.editor.line.count, 8)
        harness.assertShowsLine("héllo €𝄞")
        harness.type(Keys.left + Keys.backspace)
        harness.assertShowsLine("héllo 𝄞", cursor: 6)
        harness.type(Keys.home + Keys.right + Keys.delete)
        harness.assertShowsLine("hllo 𝄞", cursor: 1)
        // A UTF-8 sequence split across feeds still makes one character.
        harness.feed([0xc3])
        harness.feed([0xa9])
        harness.assertShowsLine("héllo 𝄞", cursor: 2)
    }

    func testInvalidUTF8AndC1ControlsAreDropped() {
        var harness = EditorHarness()
        harness.feed([0x61, 0x80, 0xff, 0xc0, 0xaf, 0xe0, 0x80, 0x80, 0xed, 0xa0, 0x80, 0xc2, 0x9b, 0xc3, 0x62])
        harness.assertShowsLine("ab")
    }

    func testArrowsHomeAndEndInEveryEncoding() {
        var harness = EditorHarness()
        harness.type("abcdef")
        for (keys, cursor) in [(Keys.left, 5), (Keys.ss3Left, 4), (Keys.control("b"), 3), (Keys.right, 4),
                               (Keys.ss3Right, 5), (Keys.control("f"), 6), (Keys.right, 6),
                               (Keys.home, 0), (Keys.left, 0), (Keys.end, 6), (Keys.ss3Home, 0), (Keys.ss3End, 6),
                               (Keys.vtHome, 0), (Keys.vtEnd, 6), ("\u{1b}[7~", 0), ("\u{1b}[8~", 6),
                               (Keys.control("a"), 0), (Keys.control("e"), 6)] {
            harness.type(keys)
            harness.assertShowsLine("abcdef", cursor: cursor)
        }
        harness.type(Keys.home + Keys.right + Keys.right + "XY")
        harness.assertShowsLine("abXYcdef", cursor: 4)
    }

    func testBackspaceWithDELAndControlH() {
        var harness = EditorHarness()
        harness.type("abcd" + Keys.backspace)
        harness.assertShowsLine("abc")
        harness.type(Keys.controlH)
        harness.assertShowsLine("ab")
        harness.type(Keys.left + Keys.backspace)
        harness.assertShowsLine("b", cursor: 0)
        harness.type(Keys.backspace)
        harness.assertShowsLine("b", cursor: 0)
    }

    func testDeleteAndControlD() {
        var harness = EditorHarness()
        harness.type("abc" + Keys.home + Keys.delete)
        harness.assertShowsLine("bc", cursor: 0)
        harness.type(Keys.control("d"))
        harness.assertShowsLine("c", cursor: 0)
        harness.type(Keys.end + Keys.delete + Keys.control("d"))
        harness.assertShowsLine("c")
        XCTAssertTrue(harness.events.isEmpty, "Ctrl-D on a non-empty line is no end of input")
        harness.type(Keys.backspace + Keys.control("d"))
        XCTAssertEqual(harness.events, [.endOfInput])
    }

    func testControlKKillsToEndAndControlYYanks() {
        var harness = EditorHarness()
        harness.type("hello world" + Keys.home + Keys.right + Keys.right + Keys.control("k"))
        harness.assertShowsLine("he", cursor: 2)
        harness.type(Keys.control("y"))
        harness.assertShowsLine("hello world")
        harness.type(Keys.control("y"))
        harness.assertShowsLine("hello worldllo world")
    }

    func testControlUKillsToStart() {
        var harness = EditorHarness()
        harness.type("hello world" + Keys.left + Keys.left + Keys.control("u"))
        harness.assertShowsLine("ld", cursor: 0)
        harness.type(Keys.end + Keys.control("y"))
        harness.assertShowsLine("ldhello wor")
    }

    func testControlWKillsWordsAndConsecutiveKillsYankTogether() {
        var harness = EditorHarness()
        harness.type("cat /usr/bin/file  other  ")
        harness.type(Keys.control("w"))
        harness.assertShowsLine("cat /usr/bin/file  ")
        harness.type(Keys.control("w"))
        harness.assertShowsLine("cat ")
        harness.type(Keys.home + Keys.control("y"))
        harness.assertShowsLine("/usr/bin/file  other  cat ", cursor: 22)
        harness.type(Keys.control("w") + Keys.control("w") + Keys.control("w"))
        harness.assertShowsLine("cat ", cursor: 0)
        harness.type(Keys.control("w"))
        harness.assertShowsLine("cat ", cursor: 0)
    }

    func testAltAndControlArrowWordMotions() {
        var harness = EditorHarness()
        harness.type("one two-three four")
        harness.type("\u{1b}b")
        harness.assertShowsLine("one two-three four", cursor: 14)
        harness.type("\u{1b}[1;5D")
        harness.assertShowsLine("one two-three four", cursor: 8)
        harness.type("\u{1b}[1;3D")
        harness.assertShowsLine("one two-three four", cursor: 4)
        harness.type("\u{1b}f")
        harness.assertShowsLine("one two-three four", cursor: 7)
        harness.type("\u{1b}[1;5C")
        harness.assertShowsLine("one two-three four", cursor: 13)
        harness.type("\u{1b}d")
        harness.assertShowsLine("one two-three", cursor: 13)
        harness.type("\u{1b}\u{7f}")
        harness.assertShowsLine("one two-", cursor: 8)
        harness.type(Keys.home + "\u{1b}[3;5~")
        harness.assertShowsLine(" two-", cursor: 0)
    }

    func testControlTTransposes() {
        var harness = EditorHarness()
        harness.type("ab" + Keys.control("t"))
        harness.assertShowsLine("ba")
        harness.type("c" + Keys.left + Keys.left + Keys.control("t"))
        harness.assertShowsLine("abc", cursor: 2)
    }

    func testEnterSubmitsAndCRLFIsOneEnter() {
        var harness = EditorHarness()
        harness.type("ls -l\r\n")
        XCTAssertEqual(harness.events, [.submitted("ls -l")])
        XCTAssertEqual(harness.screen.text(ofRow: 0), "> ls -l")
        XCTAssertEqual(harness.screen.row, 1)
        XCTAssertEqual(harness.screen.column, 0)
        XCTAssertEqual(harness.line, "")
        harness.type("a\rb\nc\r\r\n")
        XCTAssertEqual(harness.events, [.submitted("ls -l"), .submitted("a"), .submitted("b"), .submitted("c"),
                                        .submitted("")])
    }

    func testSubmittingWithTheCursorMidLineKeepsTheWholeLine() {
        var harness = EditorHarness()
        harness.type("echo hello" + Keys.home + "\r")
        XCTAssertEqual(harness.events, [.submitted("echo hello")])
        XCTAssertEqual(harness.screen.text(ofRow: 0), "> echo hello")
        XCTAssertEqual(harness.screen.row, 1)
    }

    func testControlCCancelsAndPrintsAFreshPrompt() {
        var harness = EditorHarness()
        harness.type("abc" + Keys.left + Keys.control("c"))
        XCTAssertEqual(harness.events, [.cancelled])
        XCTAssertEqual(harness.screen.text(ofRow: 0), "> abc^C")
        harness.assertShowsLine("")
        XCTAssertEqual(harness.screen.row, 1)
    }

    func testControlLClearsTheScreenAndRedraws() {
        var harness = EditorHarness()
        harness.type("first\r")
        harness.type("second" + Keys.left + Keys.control("l"))
        XCTAssertEqual(harness.events, [.submitted("first"), .clearScreen])
        XCTAssertEqual(harness.screen.row, 0)
        harness.assertShowsLine("second", cursor: 5)
        XCTAssertEqual(harness.screen.lines.filter { !$0.isEmpty }, ["> second"])
    }

    func testUnknownEscapeSequencesAreConsumedWhole() {
        var harness = EditorHarness()
        harness.type("ab")
        for sequence in ["\u{1b}[24~", "\u{1b}[?1;2c", "\u{1b}[<0;12;5M", "\u{1b}OP", "\u{1b}[1;2P", "\u{1b}x",
                         "\u{1b}[5~", "\u{1b}[2~", "\u{1b}[12;40R", "\u{1b}[" + String(repeating: "9", count: 100) + "A",
                         "\u{1b}[1;5Z", "\u{1b}[ q", "\u{1b}\u{1b}", "\u{1b}[\u{1b}[Z"] {
            harness.type(sequence)
            harness.assertShowsLine("ab")
        }
        XCTAssertTrue(harness.events.isEmpty)
        // Escape followed by a key that is not part of a sequence: the key still works.
        harness.type("\u{1b}\r")
        XCTAssertEqual(harness.events, [.submitted("ab")])
    }

    func testBracketedPasteInsertsTextLiterally() {
        var harness = EditorHarness()
        harness.type("x\u{1b}[200~a\tb\r\nc\u{1}d\u{7f}\u{1b}[Ae\u{1b}[201~")
        harness.assertShowsLine("xa b cde")
        XCTAssertTrue(harness.events.isEmpty, "no Enter while pasting")
        harness.type(Keys.control("a") + "!")
        harness.assertShowsLine("!xa b cde", cursor: 1)
    }

    func testControlCEndsAPasteThatNeverEnds() {
        var harness = EditorHarness()
        harness.type("\u{1b}[200~stuck\r" + Keys.control("c"))
        XCTAssertEqual(harness.events, [.cancelled])
        harness.type("ok\r")
        XCTAssertEqual(harness.events, [.cancelled, .submitted("ok")])
    }

    func testLongLinesScrollSidewaysAroundTheCursor() {
        var harness = EditorHarness(columns: 20)
        let text = "abcdefghijklmnopqrstuvwxyz0123456789"
        for character in text {
            harness.type(String(character))
            harness.assertWindowConsistent()
        }
        XCTAssertEqual(harness.line, text)
        XCTAssertEqual(harness.screen.column, 19, "cursor in the last column, after the text")
        XCTAssertEqual(harness.screen.currentRow, "> " + String(text.suffix(17)))
        for key in [Keys.home, Keys.right, Keys.end, Keys.left, Keys.control("w"), Keys.home, Keys.delete,
                    Keys.control("k"), Keys.control("y"), Keys.backspace, Keys.end, Keys.backspace] {
            harness.type(key)
            harness.assertWindowConsistent()
        }
        harness.type(Keys.home)
        XCTAssertEqual(harness.screen.currentRow, "> " + String(harness.line.prefix(17)))
        XCTAssertEqual(harness.screen.lastColumnWrites, 0, "nothing written into the last column")
        // Enter leaves the whole line on screen (wrapped) and moves below it.
        let full = harness.line
        harness.type("\r")
        XCTAssertEqual(harness.screen.lines.joined(), "> " + full)
        XCTAssertEqual(harness.screen.column, 0)
    }

    /// Typing at the end of a line wider than the terminal moves the row left:
    /// the editor deletes at the row's start and writes the new character, not
    /// the whole row again for every key (a pasted line on the serial port was
    /// the whole row per byte).
    func testTypingAtTheEndOfAScrolledLineRedrawsOnlyWhatChanged() {
        var harness = EditorHarness(columns: 80)
        harness.type(String(repeating: "x", count: 100))
        for character in "0123456789" {
            let printed = harness.type(String(character))
            XCTAssertLessThan(printed.count, 20, "bytes for one key: " + String(decoding: printed, as: UTF8.self))
            harness.assertWindowConsistent()
        }
        XCTAssertEqual(harness.screen.currentRow, "> " + String(repeating: "x", count: 67) + "0123456789")
        XCTAssertEqual(harness.screen.column, 79)
        XCTAssertEqual(harness.screen.lastColumnWrites, 0)
    }

    func testPromptEscapeSequencesTakeNoColumns() {
        var harness = EditorHarness(prompt: "\u{1b}[32mlumen\u{1b}[0m> ", columns: 20)
        harness.type("abcdefghijklmnopqrstuvwxyz")
        XCTAssertEqual(harness.screen.currentRow, "lumen> " + "opqrstuvwxyz")
        XCTAssertEqual(harness.screen.column, 19)
        harness.type(Keys.home)
        XCTAssertEqual(harness.screen.currentRow, "lumen> " + "abcdefghijkl")
        XCTAssertEqual(harness.screen.column, 7)
    }

    func testOverlongLinesAreRefusedWithABell() {
        var harness = EditorHarness()
        harness.editor.maximumLength = 5
        harness.type("abcdefg")
        harness.assertShowsLine("abcde")
        XCTAssertEqual(harness.screen.bells, 2)
    }

    func testUpAndDownWalkTheHistoryAndKeepTheDraft() {
        var harness = EditorHarness()
        harness.type("one\rtwo\r")
        harness.type("dra")
        harness.type(Keys.up)
        harness.assertShowsLine("two")
        harness.type(Keys.ss3Up)
        harness.assertShowsLine("one")
        harness.type(Keys.up)
        harness.assertShowsLine("one")
        XCTAssertEqual(harness.screen.bells, 1, "bell at the oldest entry")
        harness.type(Keys.down)
        harness.assertShowsLine("two")
        harness.type(Keys.ss3Down)
        harness.assertShowsLine("dra")
        harness.type(Keys.down)
        harness.assertShowsLine("dra")
        XCTAssertEqual(harness.screen.bells, 2)
        harness.type(Keys.control("p") + Keys.control("p") + Keys.control("n"))
        harness.assertShowsLine("two")
        // Submitting a recalled line goes back to the new line.
        harness.type("\r" + Keys.up)
        harness.assertShowsLine("two")
    }

    func testEnterRecordsNonBlankLinesInTheHistory() {
        var harness = EditorHarness()
        harness.type("a\ra\r\r   \rb\r")
        XCTAssertEqual(harness.history.entries, ["a", "b"])
    }

    func testPromptCanChange() {
        var harness = EditorHarness()
        harness.type("x")
        harness.editor.prompt = "$ "
        var output: [UInt8] = []
        harness.editor.redraw(into: &output)
        harness.screen.feed(output)
        harness.assertShowsLine("x", prompt: "$ ")
    }
}
