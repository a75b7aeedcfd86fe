import KernelSupport
import Scheduling
import Shell

typealias KernelCommand = ShellCommand<KernelShellEnvironment>
typealias KernelCommandContext = CommandContext<KernelShellEnvironment>

/// What the shell gets from the kernel: the console for output, the mounted
/// FAT volumes for files (through `Files`), and a preemption point for long
/// commands (Ctrl-C reaches the shell from the events thread).
final class KernelShellEnvironment: ShellEnvironment {
    /// A command's output; a Ctrl-C that arrives while it is being written
    /// discards the rest of it (the "^C" that follows is written in full).
    func writeToTerminal(_ bytes: [UInt8]) {
        guard let shell = KernelShell.session?.shell, !shell.isInterrupted() else {
            ConsoleOutput.write(bytes)
            return
        }
        ConsoleOutput.write(bytes) { shell.isInterrupted() }
    }

    func readFile(_ path: String) throws(ShellFileError) -> [UInt8] {
        do { return try Files.readFile(path) } catch { throw error.shellError(path) }
    }

    func writeFile(_ path: String, _ bytes: [UInt8], append: Bool) throws(ShellFileError) {
        do { try Files.writeFile(path, bytes, append: append) } catch { throw error.shellError(path) }
    }

    func isDirectory(_ path: String) -> Bool { Files.isDirectory(path) }

    func completePath(_ prefix: String, in directory: String) -> [String] {
        ShellPathCompletion.candidates(for: prefix, in: directory) { Files.directoryListing($0) }
    }

    /// Polled by the shell and by long commands. Ctrl-C reaches the shell
    /// directly (`KernelShell.receive` calls `session.interruptCommand()` from
    /// the events thread); this is only a preemption point, so that the events
    /// thread gets the CPU when it has work while a command computes.
    func isInterrupted() -> Bool {
        Threads.preemptionPoint()
        return false
    }

    /// A new command line: a Ctrl-C typed before it must not cancel its waits.
    func clearInterrupt() {
        if let thread = KernelShell.thread { Threads.clearCancel(thread) }
    }

    func historyDidChange(_ history: History) {
        Files.saveHistory(history.serialized())
    }
}

/// The shell on console 1 and the serial port (it replaced the boot monitor).
enum KernelShell {
    static var session: ShellSession<KernelShellEnvironment>? = nil

    /// The shell's thread: the history, autorun, the prompt, then each line as
    /// it is typed. A command runs on this thread and blocks it when it waits.
    static func run() {
        thread = Threads.current
        start()
        while true {
            ConsoleOutput.flushLine()
            lumen_irq_disable()
            if queued.isEmpty { _ = Threads.block(on: inputQueue) }
            lumen_irq_enable()
            drain()
        }
    }

    static var thread: ScheduledThread? = nil
    /// The shell thread waits here for typed bytes.
    static let inputQueue = WaitQueue(name: "shell input")

    static func start() {
        let shell = Shell.create(environment: KernelShellEnvironment(),
                                 commands: SystemCommands.all + FileCommands.all + NetCommands.all + ThreadCommands.all)
        let session = ShellSession.create(shell: shell, prompt: "lumen> ", columns: KernelConsole.activeColumns)
        session.makePrompt = { directory in directory == "/" ? "lumen> " : "lumen:" + directory + "> " }
        self.session = session
        if let history = Files.loadHistory() { session.loadHistory(history) }
        Files.runAutorun()
        session.start()
    }

    /// Bytes typed on console 1 or the serial port (events thread). They queue
    /// for the shell thread, in order. Ctrl-C while a command runs stops it at
    /// once: the shell is told, the command's cancellable wait (network,
    /// `sleep`) ends, and what was typed ahead of the Ctrl-C is dropped, as a
    /// tty does.
    static func receive(_ bytes: [UInt8]) {
        if let session, session.isRunningCommand, let control = bytes.lastIndex(of: 0x03) {
            session.interruptCommand()
            if let thread { Threads.cancel(thread) }
            queued.removeAll()
            queued += bytes[(control + 1)...]
        } else {
            queued += bytes
        }
        Threads.wakeAll(inputQueue)
    }

    static var queued: [UInt8] = []

    /// Hands the queued bytes to the session, in order (shell thread).
    static func drain() {
        guard let session else { return }
        while !queued.isEmpty {
            let bytes = queued
            queued.removeAll()
            // The line editor scrolls long lines at the width of the screen (after a font change too).
            let columns = KernelConsole.activeColumns
            if columns != session.columns { session.columns = columns }
            session.feed(bytes)
        }
    }

    /// Runs `body` (a command that reports with `print`) so that what it
    /// prints goes to the command's standard output: the terminal, or the
    /// buffer behind a pipe or a redirection.
    static func printing(_ context: inout KernelCommandContext, _ body: () -> Int32) -> Int32 {
        if context.standardOutput.isTerminal {
            defer { ConsoleOutput.flushLine() }
            return body()
        }
        ConsoleOutput.flushLine()
        let outer = ConsoleOutput.capture
        ConsoleOutput.capture = []
        let status = body()
        context.standardOutput.write(ConsoleOutput.capture ?? [])
        ConsoleOutput.capture = outer
        return status
    }
}
