/// The commands every shell has, whatever the environment: help, echo, run,
/// history, true, false, cd, pwd.
extension Shell {
    static func builtinCommands() -> [ShellCommand<Environment>] {
        [
            ShellCommand(name: "help", summary: "list the commands, or show how to use one",
                         usage: "help [NAME]", run: { help(&$0) }),
            ShellCommand(name: "echo", summary: "print the arguments (-n: no newline, -e: \\n \\t \\e \\xHH escapes)",
                         usage: "echo [-neE] [TEXT...]", run: { echo(&$0) }),
            ShellCommand(name: "run", summary: "run the command lines of a script file",
                         usage: "run FILE", run: { runScriptCommand(&$0) }),
            ShellCommand(name: "history", summary: "list the lines entered before (-c forgets them)",
                         usage: "history [-c | N]", run: { historyCommand(&$0) }),
            ShellCommand(name: "true", summary: "do nothing, successfully", usage: "true", run: { _ in 0 }),
            ShellCommand(name: "false", summary: "do nothing, unsuccessfully", usage: "false", run: { _ in 1 }),
            ShellCommand(name: "cd", summary: "change the current directory", usage: "cd [DIR]",
                         run: { changeDirectory(&$0) }),
            ShellCommand(name: "pwd", summary: "print the current directory", usage: "pwd", run: {
                $0.standardOutput.writeLine($0.shell.currentDirectory)
                return 0
            }),
        ]
    }

    private static func help(_ context: inout CommandContext<Environment>) -> Int32 {
        let shell = context.shell
        if let name = context.arguments.first {
            guard context.arguments.count == 1 else { return context.usageError() }
            guard let command = shell.command(named: name) else {
                return context.fail("no command called " + name)
            }
            context.standardOutput.writeLine(command.name + ": " + command.summary)
            context.standardOutput.writeLine("usage: " + command.usage)
            return 0
        }
        var sorted = shell.commands
        sorted.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var widest = 0
        for command in sorted { widest = max(widest, command.name.unicodeScalars.count) }
        context.standardOutput.writeLine("Commands:")
        for command in sorted {
            var line = "  " + command.name
            for _ in command.name.unicodeScalars.count..<(widest + 2) { line += " " }
            context.standardOutput.writeLine(line + command.summary)
        }
        context.standardOutput.writeLine("'help NAME' shows how to use a command.")
        return 0
    }

    private static func echo(_ context: inout CommandContext<Environment>) -> Int32 {
        var newline = true
        var escapes = false
        var arguments = context.arguments[...]
        // Leading words made only of n, e and E flags are options, as in bash.
        while let first = arguments.first, first.utf8.count > 1, first.utf8.first == UInt8(ascii: "-"),
              first.utf8.dropFirst().allSatisfy({ $0 == UInt8(ascii: "n") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            for flag in first.utf8.dropFirst() {
                switch flag {
                case UInt8(ascii: "n"): newline = false
                case UInt8(ascii: "e"): escapes = true
                default: escapes = false
                }
            }
            arguments = arguments.dropFirst()
        }
        var bytes: [UInt8] = []
        for (index, argument) in arguments.enumerated() {
            if index > 0 { bytes.append(0x20) }
            if escapes {
                if EchoEscapes.append(Array(argument.utf8), to: &bytes) == .stop {
                    context.standardOutput.write(bytes)
                    return 0
                }
            } else {
                bytes.append(contentsOf: argument.utf8)
            }
        }
        if newline { bytes.append(0x0a) }
        context.standardOutput.write(bytes)
        return 0
    }

    private static func runScriptCommand(_ context: inout CommandContext<Environment>) -> Int32 {
        guard context.arguments.count == 1 else { return context.usageError() }
        let shell = context.shell
        let name = context.arguments[0]
        guard shell.scriptDepthAvailable else { return context.fail("scripts nested too deeply") }
        let bytes: [UInt8]
        do throws(ShellFileError) {
            bytes = try context.environment.readFile(context.resolvePath(name))
        } catch {
            return context.fail(error.message)
        }
        shell.enterScript()
        defer { shell.leaveScript() }
        return shell.runScript(bytes, name: name, output: &context.standardOutput)
    }

    private static func historyCommand(_ context: inout CommandContext<Environment>) -> Int32 {
        let shell = context.shell
        var first = 0
        if let argument = context.arguments.first {
            guard context.arguments.count == 1 else { return context.usageError() }
            if argument == "-c" {
                shell.history.clear()
                shell.environment.historyDidChange(shell.history)
                return 0
            }
            guard let count = Int(argument), count >= 0 else { return context.usageError() }
            first = max(0, shell.history.count - count)
        }
        let entries = shell.history.entries
        for index in first..<entries.count {
            var number = String(index + 1)
            while number.utf8.count < 5 { number = " " + number }
            context.standardOutput.writeLine(number + "  " + entries[index])
        }
        return 0
    }

    private static func changeDirectory(_ context: inout CommandContext<Environment>) -> Int32 {
        guard context.arguments.count <= 1 else { return context.usageError() }
        let target = context.resolvePath(context.arguments.first ?? "/")
        guard context.environment.isDirectory(target) else {
            return context.fail((context.arguments.first ?? "/") + ": no such directory")
        }
        context.shell.currentDirectory = target
        return 0
    }

    // MARK: - Script nesting

    var scriptDepthAvailable: Bool { scriptDepth < maximumScriptDepth }
    func enterScript() { scriptDepth += 1 }
    func leaveScript() { scriptDepth -= 1 }
}
