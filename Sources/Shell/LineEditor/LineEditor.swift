/// An Emacs-style line editor for an xterm-compatible terminal: feed it the
/// bytes the terminal sends, it edits the line and appends to `output` the
/// bytes that show the change (echo, or a redraw of the row).
///
/// The line is one terminal row: a line wider than the terminal scrolls
/// sideways around the cursor, so redrawing needs only CR, CSI K and cursor
/// moves, and never depends on how the terminal wraps. Nothing is ever written
/// into the last column (where xterm's deferred wrap would make CSI K erase
/// the character just written).
public struct LineEditor {
    /// Printed at the start of every line; may contain escape sequences (colours).
    public var prompt: String {
        didSet { promptWidth = TerminalBytes.visibleWidth(of: prompt) }
    }
    /// The terminal's width in columns.
    public var columns: Int
    /// Longer lines are refused with a bell.
    public var maximumLength: Int

    /// The line being edited, by Unicode scalar.
    public private(set) var line: [Unicode.Scalar] = []
    /// Where the cursor is, as a scalar offset in `line` (0 … `line.count`).
    public private(set) var cursor = 0
    /// Between `ESC [ 200 ~` and `ESC [ 201 ~`: text is inserted, not obeyed.
    public private(set) var isPasting = false

    private var promptWidth: Int
    /// The first scalar of `line` on screen (non-zero when the line scrolled sideways).
    private var scroll = 0
    private var decoder = KeyDecoder()
    /// What Ctrl-Y inserts: the text the last kill command removed.
    private var killBuffer: [Unicode.Scalar] = []
    private var lastAction = LastAction.other

    /// Consecutive kills add up in the kill buffer, and a Tab after a Tab lists
    /// the candidates, as in readline.
    private enum LastAction {
        case other
        case killBackward
        case killForward
        case tab
    }

    public init(prompt: String = "> ", columns: Int = 80, maximumLength: Int = 4096) {
        self.prompt = prompt
        self.promptWidth = TerminalBytes.visibleWidth(of: prompt)
        self.columns = columns
        self.maximumLength = max(1, maximumLength)
    }

    /// The line as text.
    public var text: String { String(String.UnicodeScalarView(line)) }

    // MARK: - Feeding bytes

    /// Handles one byte from the terminal. Up/Down walk `history`; Enter adds
    /// the line to it. Tab asks `completions(line, cursor)` for the candidates
    /// that could replace the word before the cursor.
    public mutating func feed(_ byte: UInt8, history: inout History, output: inout [UInt8],
                              completions: (String, Int) -> [String] = { _, _ in [] }) -> LineEditorEvent {
        guard let key = decoder.decode(byte) else { return .none }
        return handle(key, history: &history, output: &output, completions: completions)
    }

    /// Feeds every byte; returns the events other than `.none`, in order.
    public mutating func feed(_ bytes: [UInt8], history: inout History, output: inout [UInt8],
                              completions: (String, Int) -> [String] = { _, _ in [] }) -> [LineEditorEvent] {
        var events: [LineEditorEvent] = []
        for byte in bytes {
            let event = feed(byte, history: &history, output: &output, completions: completions)
            if event != .none { events.append(event) }
        }
        return events
    }

    /// Prints the prompt and the line, on the row the cursor is on (which should
    /// be empty: the start of a line).
    public mutating func startLine(into output: inout [UInt8]) {
        scroll = 0
        refresh(into: &output)
    }

    /// Replaces the line (cursor at its end) and shows it.
    public mutating func setLine(_ text: String, into output: inout [UInt8]) {
        line = Array(text.unicodeScalars.prefix(maximumLength))
        cursor = line.count
        refresh(into: &output)
    }

    /// Draws the prompt and the visible part of the line again.
    public mutating func redraw(into output: inout [UInt8]) {
        refresh(into: &output)
    }

    private mutating func handle(_ key: EditorKey, history: inout History, output: inout [UInt8],
                                 completions: (String, Int) -> [String]) -> LineEditorEvent {
        if isPasting && key == .control(0x03) {
            // A paste whose end marker never comes must not trap the user:
            // Ctrl-C ends it, and cancels the line as usual.
            isPasting = false
        }
        if isPasting {
            // Pasted text is inserted literally: line breaks and tabs become
            // spaces (the line is one row), other controls are dropped.
            switch key {
            case .text(let scalar): insert([scalar], into: &output)
            case .enter, .tab: insert([" "], into: &output)
            case .pasteEnd: isPasting = false
            default: break
            }
            lastAction = .other
            return .none
        }
        let previousAction = lastAction
        lastAction = .other
        switch key {
        case .text(let scalar): insert([scalar], into: &output)
        case .enter: return submit(history: &history, output: &output)
        case .backspace: deleteBackward(into: &output)
        case .delete: deleteForward(into: &output)
        case .tab:
            lastAction = .tab
            complete(again: previousAction == .tab, completions: completions, output: &output)
        case .left: moveCursor(to: cursor - 1, output: &output)
        case .right: moveCursor(to: cursor + 1, output: &output)
        case .home: moveCursor(to: 0, output: &output)
        case .end: moveCursor(to: line.count, output: &output)
        case .wordLeft: moveCursor(to: wordStart(before: cursor), output: &output)
        case .wordRight: moveCursor(to: wordEnd(after: cursor), output: &output)
        case .up: recall(history.previous(current: text), output: &output)
        case .down: recall(history.next(), output: &output)
        case .killWordBackward:
            kill(wordStart(before: cursor)..<cursor, backward: true, previous: previousAction, output: &output)
        case .killWordForward:
            kill(cursor..<wordEnd(after: cursor), backward: false, previous: previousAction, output: &output)
        case .pasteBegin: isPasting = true
        case .pasteEnd, .ignored: break
        case .control(let code):
            return control(code, previous: previousAction, history: &history, output: &output)
        }
        return .none
    }

    private mutating func control(_ code: UInt8, previous: LastAction, history: inout History,
                                  output: inout [UInt8]) -> LineEditorEvent {
        switch code {
        case 0x01: moveCursor(to: 0, output: &output)                 // Ctrl-A
        case 0x02: moveCursor(to: cursor - 1, output: &output)        // Ctrl-B
        case 0x03: return cancel(history: &history, output: &output)  // Ctrl-C
        case 0x04:                                                    // Ctrl-D
            if line.isEmpty { return .endOfInput }
            deleteForward(into: &output)
        case 0x05: moveCursor(to: line.count, output: &output)        // Ctrl-E
        case 0x06: moveCursor(to: cursor + 1, output: &output)        // Ctrl-F
        case 0x0b:                                                    // Ctrl-K
            kill(cursor..<line.count, backward: false, previous: previous, output: &output)
        case 0x0c:                                                    // Ctrl-L
            output.append(contentsOf: TerminalBytes.clearScreen)
            refresh(into: &output)
            return .clearScreen
        case 0x0e: recall(history.next(), output: &output)            // Ctrl-N
        case 0x10: recall(history.previous(current: text), output: &output)  // Ctrl-P
        case 0x14: transpose(into: &output)                           // Ctrl-T
        case 0x15:                                                    // Ctrl-U
            kill(0..<cursor, backward: true, previous: previous, output: &output)
        case 0x17:                                                    // Ctrl-W
            kill(blankDelimitedWordStart(before: cursor)..<cursor, backward: true, previous: previous, output: &output)
        case 0x19:                                                    // Ctrl-Y
            if killBuffer.isEmpty { output.append(TerminalBytes.bell) } else { insert(killBuffer, into: &output) }
        default:
            break  // other control codes do nothing
        }
        return .none
    }

    // MARK: - Ending a line

    private mutating func submit(history: inout History, output: inout [UInt8]) -> LineEditorEvent {
        showWholeLine(into: &output)
        output.append(contentsOf: TerminalBytes.newLine)
        let submitted = text
        history.resetNavigation()
        history.add(submitted)
        clearLine()
        return .submitted(submitted)
    }

    private mutating func cancel(history: inout History, output: inout [UInt8]) -> LineEditorEvent {
        showWholeLine(into: &output)
        output.append(contentsOf: Array("^C".utf8))
        output.append(contentsOf: TerminalBytes.newLine)
        history.resetNavigation()
        clearLine()
        refresh(into: &output)
        return .cancelled
    }

    private mutating func clearLine() {
        line.removeAll()
        cursor = 0
        scroll = 0
        lastAction = .other
    }

    /// Leaves the whole line visible with the terminal's cursor after it, before
    /// the editor moves on to a new row: the cursor jumps to the end, or, if the
    /// line had scrolled sideways, it is rewritten in full (wrapping as the
    /// terminal likes). The editing cursor stays where it was.
    private func showWholeLine(into output: inout [UInt8]) {
        if scroll == 0 && line.count <= available {
            TerminalBytes.appendCursorMove(line.count - cursor, to: &output)
        } else {
            output.append(TerminalBytes.carriageReturn)
            output.append(contentsOf: prompt.utf8)
            TerminalBytes.appendUTF8(line, to: &output)
        }
    }

    // MARK: - Editing

    private mutating func insert(_ scalars: [Unicode.Scalar], into output: inout [UInt8]) {
        guard !scalars.isEmpty else { return }
        guard line.count + scalars.count <= maximumLength else {
            output.append(TerminalBytes.bell)
            return
        }
        let atEnd = cursor == line.count
        line.insert(contentsOf: scalars, at: cursor)
        cursor += scalars.count
        let newScroll = adjustedScroll()
        if atEnd && newScroll == scroll {
            TerminalBytes.appendUTF8(scalars, to: &output)  // plain echo
        } else if atEnd && newScroll > scroll && newScroll - scroll < cursor - scalars.count - scroll {
            // Typing at the end of a line that scrolls sideways: the row moves
            // left by the new characters. Delete that many at the line's start
            // (the terminal shifts the rest) and write only the new ones,
            // rather than the whole row for every key.
            let shift = newScroll - scroll
            let kept = cursor - scalars.count - newScroll
            output.append(TerminalBytes.carriageReturn)
            TerminalBytes.appendCursorMove(promptWidth, to: &output)
            TerminalBytes.appendDeleteCharacters(shift, to: &output)
            TerminalBytes.appendCursorMove(kept, to: &output)
            TerminalBytes.appendUTF8(scalars, to: &output)
            scroll = newScroll
        } else {
            refresh(into: &output)
        }
    }

    private mutating func deleteBackward(into output: inout [UInt8]) {
        guard cursor > 0 else { return }
        let atEnd = cursor == line.count
        line.remove(at: cursor - 1)
        cursor -= 1
        if atEnd && adjustedScroll() == scroll {
            output.append(0x08)
            output.append(contentsOf: TerminalBytes.eraseToEndOfLine)
        } else {
            refresh(into: &output)
        }
    }

    private mutating func deleteForward(into output: inout [UInt8]) {
        guard cursor < line.count else { return }
        line.remove(at: cursor)
        refresh(into: &output)
    }

    private mutating func kill(_ range: Range<Int>, backward: Bool, previous: LastAction, output: inout [UInt8]) {
        lastAction = backward ? .killBackward : .killForward
        guard !range.isEmpty else { return }
        let removed = Array(line[range])
        if previous == .killBackward || previous == .killForward {
            // A run of kills collects into one piece of text, in line order.
            if backward { killBuffer = removed + killBuffer } else { killBuffer += removed }
        } else {
            killBuffer = removed
        }
        line.removeSubrange(range)
        cursor = range.lowerBound
        refresh(into: &output)
    }

    private mutating func transpose(into output: inout [UInt8]) {
        guard line.count >= 2, cursor > 0 else { return }
        if cursor == line.count {
            line.swapAt(cursor - 2, cursor - 1)
        } else {
            line.swapAt(cursor - 1, cursor)
            cursor += 1
        }
        refresh(into: &output)
    }

    private mutating func recall(_ entry: String?, output: inout [UInt8]) {
        guard let entry else {
            output.append(TerminalBytes.bell)
            return
        }
        setLine(entry, into: &output)
    }

    private mutating func moveCursor(to target: Int, output: inout [UInt8]) {
        let target = max(0, min(target, line.count))
        guard target != cursor else { return }
        let old = cursor
        cursor = target
        if adjustedScroll() == scroll {
            TerminalBytes.appendCursorMove(target - old, to: &output)
        } else {
            refresh(into: &output)
        }
    }

    // MARK: - Words

    /// Letters and digits make words for Alt-B/F/D and Ctrl-arrows; anything
    /// beyond ASCII counts as a letter.
    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5a, 0x61...0x7a, 0x5f, 0x80...: return true
        default: return false
        }
    }

    private func wordStart(before position: Int) -> Int {
        var index = position
        while index > 0 && !LineEditor.isWordScalar(line[index - 1]) { index -= 1 }
        while index > 0 && LineEditor.isWordScalar(line[index - 1]) { index -= 1 }
        return index
    }

    private func wordEnd(after position: Int) -> Int {
        var index = position
        while index < line.count && !LineEditor.isWordScalar(line[index]) { index += 1 }
        while index < line.count && LineEditor.isWordScalar(line[index]) { index += 1 }
        return index
    }

    /// Ctrl-W's word: back over blanks, then back to the previous blank (a whole path).
    private func blankDelimitedWordStart(before position: Int) -> Int {
        var index = position
        while index > 0 && (line[index - 1] == " " || line[index - 1] == "\t") { index -= 1 }
        while index > 0 && line[index - 1] != " " && line[index - 1] != "\t" { index -= 1 }
        return index
    }

    // MARK: - Completion

    private mutating func complete(again: Bool, completions: (String, Int) -> [String], output: inout [UInt8]) {
        let word = CompletionWord.locate(in: line, cursor: cursor)
        let candidates = completions(text, cursor)
        guard let first = candidates.first else {
            output.append(TerminalBytes.bell)
            return
        }
        if candidates.count == 1 {
            var replacement = CompletionWord.escaped(first)
            // A finished word gets its space; a directory waits for more.
            if first.unicodeScalars.last != "/" { replacement.append(" ") }
            replaceWord(from: word.start, with: replacement, output: &output)
            return
        }
        let common = LineEditor.commonPrefix(of: candidates)
        let typed = Array(word.text.unicodeScalars)
        if common.count > typed.count && common.starts(with: typed) {
            replaceWord(from: word.start, with: CompletionWord.escaped(String(String.UnicodeScalarView(common))),
                        output: &output)
        } else if again {
            list(candidates, into: &output)
        } else {
            output.append(TerminalBytes.bell)
        }
    }

    private mutating func replaceWord(from start: Int, with scalars: [Unicode.Scalar], output: inout [UInt8]) {
        let start = max(0, min(start, cursor))
        guard line.count - (cursor - start) + scalars.count <= maximumLength else {
            output.append(TerminalBytes.bell)
            return
        }
        line.replaceSubrange(start..<cursor, with: scalars)
        cursor = start + scalars.count
        refresh(into: &output)
    }

    static func commonPrefix(of candidates: [String]) -> [Unicode.Scalar] {
        guard let first = candidates.first else { return [] }
        var prefix = Array(first.unicodeScalars)
        for candidate in candidates.dropFirst() {
            var length = 0
            for scalar in candidate.unicodeScalars {
                guard length < prefix.count, prefix[length] == scalar else { break }
                length += 1
            }
            prefix.removeSubrange(length...)
        }
        return prefix
    }

    /// Shows the candidates in columns below the line, then the prompt and line
    /// again. Paths are shown by their last component, as in bash.
    private mutating func list(_ candidates: [String], into output: inout [UInt8]) {
        showWholeLine(into: &output)
        output.append(contentsOf: TerminalBytes.newLine)
        var names: [[Unicode.Scalar]] = []
        var widest = 0
        for candidate in candidates {
            let name = LineEditor.displayName(candidate)
            widest = max(widest, name.count)
            names.append(name)
        }
        let cellWidth = widest + 2
        let perRow = max(1, (max(columns, 2) - 1) / cellWidth)
        for (index, name) in names.enumerated() {
            TerminalBytes.appendUTF8(name, to: &output)
            if index % perRow == perRow - 1 || index == names.count - 1 {
                output.append(contentsOf: TerminalBytes.newLine)
            } else {
                output.append(contentsOf: [UInt8](repeating: 0x20, count: cellWidth - name.count))
            }
        }
        refresh(into: &output)
    }

    private static func displayName(_ candidate: String) -> [Unicode.Scalar] {
        let scalars = Array(candidate.unicodeScalars)
        var start = scalars.count
        // Skip a trailing "/", then back to the previous one.
        if start > 0 && scalars[start - 1] == "/" { start -= 1 }
        while start > 0 && scalars[start - 1] != "/" { start -= 1 }
        return Array(scalars[start...])
    }

    // MARK: - Drawing

    /// Columns the line may use: all but the prompt and the last column.
    private var available: Int { max(1, max(columns, 2) - 1 - promptWidth) }

    /// The scroll that keeps the cursor on screen and shows as much of the line as fits.
    private func adjustedScroll() -> Int {
        let width = available
        var first = min(scroll, max(0, line.count - width))
        if cursor < first { first = cursor }
        if cursor - first > width { first = cursor - width }
        return first
    }

    /// Rewrites the row: CR, prompt, the visible part of the line, erase the
    /// rest, and steps back to the cursor.
    private mutating func refresh(into output: inout [UInt8]) {
        scroll = adjustedScroll()
        output.append(TerminalBytes.carriageReturn)
        output.append(contentsOf: prompt.utf8)
        let end = min(line.count, scroll + available)
        TerminalBytes.appendUTF8(line[scroll..<end], to: &output)
        output.append(contentsOf: TerminalBytes.eraseToEndOfLine)
        TerminalBytes.appendCursorMove(cursor - end, to: &output)
    }
}
