/// Where a command's output goes: straight to the terminal, or into a buffer
/// that becomes the next command's input or a file's contents.
public struct CommandOutput<Environment: ShellEnvironment> {
    /// Set when writes go to the terminal (through the shell, which keeps
    /// track of whether the terminal is at the start of a line).
    private let terminal: Shell<Environment>?
    /// What was written, when not going to the terminal.
    public private(set) var buffer: [UInt8] = []

    static func toTerminal(of shell: Shell<Environment>) -> CommandOutput {
        CommandOutput(terminal: shell)
    }

    static func toBuffer() -> CommandOutput {
        CommandOutput(terminal: nil)
    }

    private init(terminal: Shell<Environment>?) {
        self.terminal = terminal
    }

    public var isTerminal: Bool { terminal != nil }

    public mutating func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        if let terminal {
            terminal.writeToTerminal(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    public mutating func write(_ text: String) {
        write(Array(text.utf8))
    }

    /// `text` and a line feed.
    public mutating func writeLine(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.append(0x0a)
        write(bytes)
    }
}
