/// The shell as the kernel runs it on a terminal: bytes typed go to the line
/// editor; a finished line is run by the interpreter; then a fresh prompt.
/// Everything is shown through the environment's `writeToTerminal`.
public final class ShellSession<Environment: ShellEnvironment> {
    public let shell: Shell<Environment>
    public var editor: LineEditor
    /// When set, makes the prompt from the current directory before each line
    /// (otherwise `editor.prompt` stays as it is).
    public var makePrompt: ((_ currentDirectory: String) -> String)?

    /// True while a command runs; bytes fed meanwhile are typed ahead.
    public private(set) var isRunningCommand = false
    private var typeahead: [UInt8] = []
    /// `feed` is taking bytes off the queue (a nested call only adds to it).
    private var draining = false
    private var started = false

    private init(shell: Shell<Environment>, editor: LineEditor) {
        self.shell = shell
        self.editor = editor
    }

    public static func create(shell: Shell<Environment>, prompt: String = "lumen> ",
                              columns: Int = 80) -> ShellSession<Environment> {
        ShellSession(shell: shell, editor: LineEditor(prompt: prompt, columns: columns))
    }

    /// The terminal's width; the editor scrolls lines longer than this.
    public var columns: Int {
        get { editor.columns }
        set { editor.columns = newValue }
    }

    /// Prints the first prompt.
    public func start() {
        started = true
        showPrompt()
    }

    /// Replaces the history with a history file's contents (see `History.parse`).
    public func loadHistory(_ fileBody: [UInt8]) {
        shell.history = History.parse(fileBody, capacity: shell.history.capacity)
    }

    /// Bytes from the terminal. Everything goes through one queue, in arrival
    /// order: bytes that come in while a command runs (the environment polling
    /// its input) wait behind the rest of the chunk that started the command.
    public func feed(_ bytes: [UInt8]) {
        for byte in bytes {
            if isRunningCommand && byte == 0x03 {
                interruptCommand()
            } else if typeahead.count < 4096 {
                typeahead.append(byte)
            }
        }
        guard !isRunningCommand, !draining else { return }
        if !started { start() }
        draining = true
        // The echo of a whole chunk goes out in one write (a pasted line is one
        // piece of terminal output, not one per byte).
        var output: [UInt8] = []
        while !typeahead.isEmpty {
            let chunk = typeahead
            typeahead.removeAll()
            var index = 0
            while index < chunk.count {
                let event = edit(chunk[index], output: &output)
                index += 1
                if case .submitted(let line) = event {
                    // The rest was typed ahead of the command: it waits (and a
                    // Ctrl-C during the command drops it, as a tty does).
                    typeahead = Array(chunk[index...])
                    shell.writeToTerminal(output)
                    output.removeAll()
                    run(line)
                    break
                }
            }
        }
        shell.writeToTerminal(output)
        draining = false
    }

    /// Ctrl-C while a command runs (from `feed`, or from a kernel that sees the
    /// byte while the command's thread waits): the command is interrupted and
    /// what was typed ahead is dropped, as a tty does.
    public func interruptCommand() {
        guard isRunningCommand else { return }
        shell.interrupt()
        typeahead.removeAll()
    }

    /// One byte from the terminal.
    public func feed(_ byte: UInt8) {
        feed([byte])
    }

    /// One byte to the editor; its echo is added to `output`.
    private func edit(_ byte: UInt8, output: inout [UInt8]) -> LineEditorEvent {
        let shell = self.shell
        let revision = shell.history.revision
        let event = editor.feed(byte, history: &shell.history, output: &output,
                                completions: { line, cursor in shell.complete(line, cursor: cursor) })
        switch event {
        case .submitted:
            if shell.history.revision != revision { shell.environment.historyDidChange(shell.history) }
        case .cancelled:
            shell.lastStatus = 130
        case .endOfInput, .clearScreen, .none:
            break
        }
        return event
    }

    private func run(_ line: String) {
        isRunningCommand = true
        shell.execute(line)
        isRunningCommand = false
        showPrompt()
    }

    /// A new line if a command left the cursor mid-line, then the prompt and
    /// whatever is already in the editor.
    private func showPrompt() {
        var output: [UInt8] = []
        if !shell.terminalAtLineStart { output.append(contentsOf: [0x0d, 0x0a]) }
        if let makePrompt { editor.prompt = makePrompt(shell.currentDirectory) }
        editor.startLine(into: &output)
        shell.writeToTerminal(output)
    }
}
