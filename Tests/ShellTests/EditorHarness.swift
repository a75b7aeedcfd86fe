import XCTest
@testable import Shell

/// Keys as a VT/xterm terminal sends them.
enum Keys {
    static let left = "\u{1b}[D", right = "\u{1b}[C", up = "\u{1b}[A", down = "\u{1b}[B"
    static let home = "\u{1b}[H", end = "\u{1b}[F", delete = "\u{1b}[3~"
    static let ss3Left = "\u{1b}OD", ss3Right = "\u{1b}OC", ss3Up = "\u{1b}OA", ss3Down = "\u{1b}OB"
    static let ss3Home = "\u{1b}OH", ss3End = "\u{1b}OF"
    static let vtHome = "\u{1b}[1~", vtEnd = "\u{1b}[4~"
    static let backspace = "\u{7f}", controlH = "\u{8}", tab = "\t", enter = "\r"
    static func control(_ letter: Character) -> String {
        String(UnicodeScalar(letter.asciiValue! - 0x60))
    }
}

/// A line editor wired to a history, a completion list and a screen model.
struct EditorHarness {
    var editor: LineEditor
    var history = History()
    var screen: TestScreen
    var candidates: (String, Int) -> [String] = { _, _ in [] }
    var events: [LineEditorEvent] = []
    /// Everything the editor printed.
    var output: [UInt8] = []

    init(prompt: String = "> ", columns: Int = 80) {
        editor = LineEditor(prompt: prompt, columns: columns)
        screen = TestScreen(width: columns)
        var start: [UInt8] = []
        editor.startLine(into: &start)
        screen.feed(start)
        output = start
    }

    /// Feeds `text`'s UTF-8 bytes one by one; returns the bytes printed.
    @discardableResult
    mutating func type(_ text: String) -> [UInt8] {
        feed(Array(text.utf8))
    }

    @discardableResult
    mutating func feed(_ bytes: [UInt8]) -> [UInt8] {
        var printed: [UInt8] = []
        for byte in bytes {
            let event = editor.feed(byte, history: &history, output: &printed, completions: candidates)
            if event != .none { events.append(event) }
            XCTAssertTrue(editor.cursor >= 0 && editor.cursor <= editor.line.count, "cursor within the line")
        }
        screen.feed(printed)
        output += printed
        return printed
    }

    var line: String { editor.text }
    var cursor: Int { editor.cursor }

    /// The row shows the prompt and the line, with the cursor where the editor has it.
    func assertShowsLine(_ expected: String, cursor expectedCursor: Int? = nil, prompt: String = "> ",
                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(editor.text, expected, "editor line", file: file, line: line)
        XCTAssertEqual(screen.currentRow, prompt + expected, "screen row", file: file, line: line)
        let cursor = expectedCursor ?? expected.unicodeScalars.count
        XCTAssertEqual(editor.cursor, cursor, "editor cursor", file: file, line: line)
        XCTAssertEqual(screen.column, prompt.unicodeScalars.count + cursor, "screen cursor column", file: file, line: line)
    }

    /// For lines wider than the screen: the row shows the prompt and a window
    /// of the line that contains the cursor, at the right place.
    func assertWindowConsistent(promptWidth: Int = 2, file: StaticString = #filePath, line: UInt = #line) {
        let row = Array(screen.currentRow.unicodeScalars)
        XCTAssertLessThan(row.count, screen.width, "never writes the last column", file: file, line: line)
        let visible = Array(row.dropFirst(promptWidth))
        let first = editor.cursor - (screen.column - promptWidth)
        XCTAssertTrue(first >= 0 && first + visible.count <= editor.line.count, "window inside the line",
                      file: file, line: line)
        guard first >= 0, first + visible.count <= editor.line.count else { return }
        XCTAssertTrue(Array(editor.line[first..<(first + visible.count)]) == visible, "window shows the line",
                      file: file, line: line)
    }
}
