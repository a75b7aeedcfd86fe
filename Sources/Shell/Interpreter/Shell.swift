/// The command interpreter: parses command lines and runs them against a
/// command table, with pipes, redirections, `;` / `&&` / `||`, `$?`, a current
/// directory and a history. Everything system-specific comes through
/// `Environment`. No input makes it trap: errors become messages and statuses.
///
/// Statuses follow sh: 0 success, 1 failure, 2 usage or syntax error,
/// 127 command not found, 130 interrupted by Ctrl-C.
public final class Shell<Environment: ShellEnvironment> {
    public let environment: Environment
    /// Builtins first, then the environment's commands; one entry per name.
    public private(set) var commands: [ShellCommand<Environment>] = []
    public var history = History()
    /// Absolute and normalised; relative paths are resolved against it.
    public var currentDirectory = "/"
    /// `$?`: the status of the last pipeline that ran.
    public var lastStatus: Int32 = 0
    /// How deeply `run` may nest (a script that runs itself stops here).
    public var maximumScriptDepth = 8

    /// Whether the last byte sent to the terminal ended a line; the session
    /// starts a new one before the prompt if a command left it mid-line.
    public private(set) var terminalAtLineStart = true
    private var interrupted = false
    /// How many `run` commands are running inside each other.
    var scriptDepth = 0

    private init(environment: Environment) {
        self.environment = environment
    }

    /// A shell with the builtins (help, echo, run, history, true, false, cd,
    /// pwd) and then `commands`, which may replace builtins of the same name.
    public static func create(environment: Environment, commands: [ShellCommand<Environment>] = []) -> Shell<Environment> {
        let shell = Shell(environment: environment)
        for command in Shell.builtinCommands() { shell.register(command) }
        for command in commands { shell.register(command) }
        return shell
    }

    /// Adds a command, replacing any command with the same name.
    public func register(_ command: ShellCommand<Environment>) {
        for index in commands.indices where commands[index].name == command.name {
            commands[index] = command
            return
        }
        commands.append(command)
    }

    public func command(named name: String) -> ShellCommand<Environment>? {
        for command in commands where command.name == name { return command }
        return nil
    }

    public func resolvePath(_ path: String) -> String {
        ShellPath.resolve(path, in: currentDirectory)
    }

    public func writeToTerminal(_ bytes: [UInt8]) {
        guard let last = bytes.last else { return }
        terminalAtLineStart = last == 0x0a
        environment.writeToTerminal(bytes)
    }

    public func writeToTerminal(_ text: String) {
        writeToTerminal(Array(text.utf8))
    }

    // MARK: - Interrupts

    /// Ctrl-C from outside (e.g. the session saw it while a command ran):
    /// the rest of the command line is skipped.
    public func interrupt() {
        interrupted = true
    }

    /// True once Ctrl-C was seen during the current command line. The first
    /// sighting is latched, so every later check in the line agrees.
    public func isInterrupted() -> Bool {
        if !interrupted && environment.isInterrupted() { interrupted = true }
        return interrupted
    }

    // MARK: - Running command lines

    /// Parses and runs one command line typed by the user. Returns (and sets
    /// `lastStatus` to) the status of the last pipeline run; a syntax error is
    /// reported and gives 2.
    @discardableResult
    public func execute(_ line: String) -> Int32 {
        interrupted = false
        environment.clearInterrupt()
        var output = CommandOutput.toTerminal(of: self)
        let status = runLine(line, origin: nil, output: &output)
        if interrupted {
            if !terminalAtLineStart { writeToTerminal([0x0a]) }
            writeToTerminal("^C\n")
            lastStatus = 130
            return 130
        }
        return status
    }

    /// Runs the lines of a script one by one, as sh does: a line with a syntax
    /// error is reported as "NAME:LINE: syntax error: …" and skipped. Stops
    /// early only on Ctrl-C. Returns the status of the last line run (0 for
    /// a script with no commands).
    @discardableResult
    public func runScript(_ bytes: [UInt8], name: String) -> Int32 {
        var output = CommandOutput.toTerminal(of: self)
        return runScript(bytes, name: name, output: &output)
    }

    func runScript(_ bytes: [UInt8], name: String, output: inout CommandOutput<Environment>) -> Int32 {
        var status: Int32 = 0
        var lineNumber = 0
        var start = 0
        var index = 0
        while index <= bytes.count {
            if index == bytes.count || bytes[index] == 0x0a {
                lineNumber += 1
                var end = index
                if end > start && bytes[end - 1] == 0x0d { end -= 1 }
                if start < end {
                    if isInterrupted() { return 130 }
                    let line = String(decoding: bytes[start..<end], as: UTF8.self)
                    let lineStatus = runLine(line, origin: (name, lineNumber), output: &output)
                    if lineStatus != ShellStatus.nothingRan { status = lineStatus }
                }
                start = index + 1
            }
            index += 1
        }
        return status
    }

    /// Parses and runs a line; reports a syntax error, prefixed with the
    /// script name and line number if it came from a script.
    private func runLine(_ line: String, origin: (name: String, line: Int)?,
                         output: inout CommandOutput<Environment>) -> Int32 {
        let list: CommandList
        do throws(ShellSyntaxError) {
            list = try ShellParser.parse(line)
        } catch {
            var prefix = ""
            if let origin { prefix = origin.name + ":" + String(origin.line) + ": " }
            var standardError = CommandOutput.toTerminal(of: self)
            standardError.writeLine(prefix + error.message)
            lastStatus = 2
            return 2
        }
        if list.isEmpty { return origin == nil ? lastStatus : ShellStatus.nothingRan }
        return run(list, output: &output)
    }

    /// Runs a parsed command line with its output on the terminal.
    @discardableResult
    public func run(_ list: CommandList) -> Int32 {
        var output = CommandOutput.toTerminal(of: self)
        return run(list, output: &output)
    }

    /// `output` is where commands write when neither piped nor redirected:
    /// the terminal, or the buffer of a `run` whose own output is redirected.
    func run(_ list: CommandList, output: inout CommandOutput<Environment>) -> Int32 {
        for item in list.items {
            if isInterrupted() {
                lastStatus = 130
                break
            }
            switch item.connector {
            case .ifSucceeded where lastStatus != 0: continue
            case .ifFailed where lastStatus == 0: continue
            default: break
            }
            lastStatus = run(item.pipeline, output: &output)
        }
        return lastStatus
    }

    /// Runs the commands one after the other, each one's output buffered as
    /// the next one's input. The status is the last command's.
    private func run(_ pipeline: Pipeline, output: inout CommandOutput<Environment>) -> Int32 {
        // Every `$?` in the pipeline is the status from before it, as in sh.
        let statusBefore = lastStatus
        var input: [UInt8] = []
        var status: Int32 = 0
        for (index, command) in pipeline.commands.enumerated() {
            if index > 0 && isInterrupted() { return 130 }
            let isLast = index == pipeline.commands.count - 1
            let piped = index > 0
            if isLast {
                status = run(command, input: input, piped: piped, output: &output, expandingWith: statusBefore)
            } else {
                var next = CommandOutput<Environment>.toBuffer()
                status = run(command, input: input, piped: piped, output: &next, expandingWith: statusBefore)
                input = next.buffer
            }
        }
        return status
    }

    /// Runs one command: expands its words, applies its redirections, looks
    /// it up and calls it.
    private func run(_ command: SimpleCommand, input: [UInt8], piped: Bool,
                     output: inout CommandOutput<Environment>, expandingWith status: Int32) -> Int32 {
        var standardError = CommandOutput.toTerminal(of: self)
        var standardInput = input
        var hasStandardInput = piped
        var outputFile: (path: String, append: Bool)? = nil
        for redirection in command.redirections {
            let path = resolvePath(redirection.target.expanded(lastStatus: status))
            switch redirection.kind {
            case .input:
                do throws(ShellFileError) {
                    standardInput = try environment.readFile(path)
                    hasStandardInput = true
                } catch {
                    standardError.writeLine(error.message)
                    return 1
                }
            case .output, .append:
                // As in sh, every file named is created (or emptied); the last one gets the output.
                if let earlier = outputFile {
                    do throws(ShellFileError) {
                        try environment.writeFile(earlier.path, [], append: earlier.append)
                    } catch {
                        standardError.writeLine(error.message)
                        return 1
                    }
                }
                outputFile = (path, redirection.kind == .append)
            }
        }

        var words: [String] = []
        for word in command.words { words.append(word.expanded(lastStatus: status)) }
        var commandOutput = output.isTerminal && outputFile == nil
            ? CommandOutput.toTerminal(of: self) : CommandOutput<Environment>.toBuffer()
        var commandStatus: Int32 = 0
        if let name = words.first {
            guard let entry = self.command(named: name) else {
                standardError.writeLine(name + ": command not found")
                return 127
            }
            var context = CommandContext(shell: self, name: name, arguments: Array(words.dropFirst()),
                                         standardInput: standardInput, hasStandardInput: hasStandardInput,
                                         standardOutput: commandOutput)
            commandStatus = entry.run(&context)
            commandOutput = context.standardOutput
        }
        // A command made of redirections alone (`> file`) just creates the file.
        if let outputFile {
            do throws(ShellFileError) {
                try environment.writeFile(outputFile.path, commandOutput.buffer, append: outputFile.append)
            } catch {
                standardError.writeLine(error.message)
                return 1
            }
        } else if !commandOutput.isTerminal {
            output.write(commandOutput.buffer)
        }
        return commandStatus
    }
}

/// Statuses with a meaning to the shell itself.
enum ShellStatus {
    /// Internal: a script line that was blank or only a comment.
    static let nothingRan: Int32 = -1
}
