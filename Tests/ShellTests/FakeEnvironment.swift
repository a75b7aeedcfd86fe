@testable import Shell

/// An in-memory system for the shell: a file table, a set of directories,
/// the terminal as a byte log (and a screen model), and Ctrl-C on demand.
final class FakeEnvironment: ShellEnvironment {
    var files: [String: [UInt8]] = [:]
    var directories: Set<String> = ["/"]
    var readOnlyPaths: Set<String> = []
    var terminal: [UInt8] = []
    var screen = TestScreen(width: 80)
    /// isInterrupted() answers true from this poll on (counting from 1).
    var interruptAtPoll: Int? = nil
    private(set) var polls = 0
    private(set) var clearedInterrupts = 0
    private(set) var savedHistory: [UInt8]? = nil
    /// Called by the `poll` command, to simulate input arriving while a command runs.
    var onPoll: (() -> Void)? = nil

    var terminalText: String { String(decoding: terminal, as: UTF8.self) }

    func takeTerminalText() -> String {
        let text = terminalText
        terminal.removeAll()
        return text
    }

    func writeToTerminal(_ bytes: [UInt8]) {
        terminal.append(contentsOf: bytes)
        screen.feed(bytes)
    }

    func readFile(_ path: String) throws(ShellFileError) -> [UInt8] {
        if directories.contains(path) { throw .isADirectory(path: path) }
        guard let bytes = files[path] else { throw .notFound(path: path) }
        return bytes
    }

    func writeFile(_ path: String, _ bytes: [UInt8], append: Bool) throws(ShellFileError) {
        if directories.contains(path) { throw .isADirectory(path: path) }
        if readOnlyPaths.contains(path) { throw .readOnly(path: path) }
        let parent = ShellPath.resolve("..", in: path)
        guard directories.contains(parent) else { throw .notFound(path: path) }
        if append { files[path, default: []].append(contentsOf: bytes) } else { files[path] = bytes }
    }

    func isDirectory(_ path: String) -> Bool { directories.contains(path) }

    func completePath(_ prefix: String, in directory: String) -> [String] {
        ShellPathCompletion.candidates(for: prefix, in: directory) { path in
            guard self.directories.contains(path) else { return nil }
            var entries: [ShellDirectoryEntry] = []
            let base = path == "/" ? "/" : path + "/"
            for name in self.directories.sorted() + self.files.keys.sorted()
            where name != path && name.hasPrefix(base) && !name.dropFirst(base.count).contains("/") {
                entries.append(ShellDirectoryEntry(name: String(name.dropFirst(base.count)),
                                                   isDirectory: self.directories.contains(name)))
            }
            return entries
        }
    }

    func isInterrupted() -> Bool {
        polls += 1
        if let at = interruptAtPoll { return polls >= at }
        return false
    }

    func clearInterrupt() {
        clearedInterrupts += 1
        polls = 0
    }

    func historyDidChange(_ history: History) {
        savedHistory = history.serialized()
    }

    /// Commands tests use besides the builtins.
    static func testCommands() -> [ShellCommand<FakeEnvironment>] {
        [
            ShellCommand(name: "cat", summary: "print files, or standard input", usage: "cat [FILE...]", run: { context in
                if context.arguments.isEmpty {
                    context.standardOutput.write(context.standardInput)
                    return 0
                }
                for name in context.arguments {
                    do throws(ShellFileError) {
                        context.standardOutput.write(try context.environment.readFile(context.resolvePath(name)))
                    } catch {
                        return context.fail(error.message)
                    }
                }
                return 0
            }),
            ShellCommand(name: "upper", summary: "standard input in capitals", usage: "upper", run: { context in
                context.standardOutput.write(context.standardInput.map { $0 >= 0x61 && $0 <= 0x7a ? $0 - 32 : $0 })
                return 0
            }),
            ShellCommand(name: "args", summary: "each argument in brackets", usage: "args [WORD...]", run: { context in
                for argument in context.arguments { context.standardOutput.writeLine("[" + argument + "]") }
                return 0
            }),
            ShellCommand(name: "status", summary: "exit with the given status", usage: "status N", run: { context in
                Int32(context.arguments.first ?? "0") ?? 0
            }),
            ShellCommand(name: "stdin", summary: "whether there is standard input", usage: "stdin", run: { context in
                context.standardOutput.writeLine(context.hasStandardInput ? "yes" : "no")
                return 0
            }),
            ShellCommand(name: "spin", summary: "wait for Ctrl-C (at most 1000 polls)", usage: "spin", run: { context in
                for _ in 0..<1000 where context.isInterrupted() { return 130 }
                return 0
            }),
            ShellCommand(name: "poll", summary: "let input arrive", usage: "poll", run: { context in
                context.environment.onPoll?()
                return context.isInterrupted() ? 130 : 0
            }),
        ]
    }
}
