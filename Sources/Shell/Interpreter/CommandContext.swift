/// Everything a running command gets: its arguments, standard input, the two
/// output streams, and the shell (for the current directory, the command
/// table, the history) with its environment.
public struct CommandContext<Environment: ShellEnvironment> {
    public let shell: Shell<Environment>
    /// The command's name as typed (the first word).
    public let name: String
    /// The words after the name, expanded and unquoted.
    public let arguments: [String]
    /// From a pipe or `< file`; empty when the command reads from nowhere.
    public let standardInput: [UInt8]
    /// True when `standardInput` came from a pipe or a file (even if empty),
    /// so that e.g. `cat` without arguments knows it has something to copy.
    public let hasStandardInput: Bool
    /// To the terminal, or buffered for a pipe or a redirection.
    public var standardOutput: CommandOutput<Environment>
    /// Always to the terminal.
    public var standardError: CommandOutput<Environment>

    init(shell: Shell<Environment>, name: String, arguments: [String], standardInput: [UInt8],
         hasStandardInput: Bool, standardOutput: CommandOutput<Environment>) {
        self.shell = shell
        self.name = name
        self.arguments = arguments
        self.standardInput = standardInput
        self.hasStandardInput = hasStandardInput
        self.standardOutput = standardOutput
        self.standardError = CommandOutput.toTerminal(of: shell)
    }

    public var environment: Environment { shell.environment }

    /// True once the user pressed Ctrl-C: a long-running command should stop
    /// and return 130.
    public func isInterrupted() -> Bool { shell.isInterrupted() }

    /// `path` made absolute against the current directory, with `.` and `..` resolved.
    public func resolvePath(_ path: String) -> String { shell.resolvePath(path) }

    /// Writes "NAME: message" to standard error and returns `status`, for
    /// `return context.fail("no such device")`.
    public mutating func fail(_ message: String, status: Int32 = 1) -> Int32 {
        standardError.writeLine(name + ": " + message)
        return status
    }

    /// Writes "usage: …" (from the command table) to standard error; returns 2.
    public mutating func usageError() -> Int32 {
        let usage = shell.command(named: name)?.usage ?? name
        standardError.writeLine("usage: " + usage)
        return 2
    }
}
