import Shell

typealias KernelCommand = ShellCommand<KernelShellEnvironment>
typealias KernelCommandContext = CommandContext<KernelShellEnvironment>

/// What the shell gets from the kernel: the console for output, the mounted
/// FAT volumes for files (through `Files`), and the event loop to notice Ctrl-C
/// while a command runs.
final class KernelShellEnvironment: ShellEnvironment {
    func writeToTerminal(_ bytes: [UInt8]) {
        for byte in bytes { ConsoleOutput.put(byte) }
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

    /// Polled by the shell and by long commands: runs the pending interrupt
    /// handlers, so keys typed meanwhile reach the session (which turns Ctrl-C
    /// into `shell.interrupt()`), frames get drawn and disk completions land.
    func isInterrupted() -> Bool {
        EventLoop.runPending()
        return false
    }

    func historyDidChange(_ history: History) {
        Files.saveHistory(history.serialized())
    }
}

/// The shell on console 1 and the serial port (it replaced the boot monitor).
enum KernelShell {
    static var session: ShellSession<KernelShellEnvironment>? = nil

    static func start() {
        let shell = Shell.create(environment: KernelShellEnvironment(),
                                 commands: SystemCommands.all + FileCommands.all + NetCommands.all)
        let session = ShellSession.create(shell: shell, prompt: "lumen> ", columns: KernelConsole.activeColumns)
        session.makePrompt = { directory in directory == "/" ? "lumen> " : "lumen:" + directory + "> " }
        self.session = session
        if let history = Files.loadHistory() { session.loadHistory(history) }
        Files.runAutorun()
        session.start()
    }

    /// Bytes typed on console 1 or the serial port. They are handed to the
    /// session from the event loop's work queue, not from the device's
    /// interrupt handler: a command may run for long, and while a handler runs
    /// its interrupt stays masked, so a Ctrl-C typed meanwhile could not arrive.
    ///
    /// One queue and one drain job rather than a job per chunk: a command that
    /// waits runs the event loop, which may run a later chunk's job before an
    /// earlier chunk still waiting in the outer batch, and typed text would come
    /// out of order.
    static func receive(_ bytes: [UInt8]) {
        queued += bytes
        postDrain()
    }

    static var queued: [UInt8] = []
    static var drainPosted = false
    static var retryScheduled = false

    static func postDrain() {
        guard !drainPosted else { return }
        drainPosted = true
        EventLoop.post {
            drainPosted = false
            drain()
        }
    }

    /// Hands the queued bytes to the session, in order.
    static func drain() {
        guard let session else { return }
        while !queued.isEmpty {
            if Files.busy && !session.isRunningCommand {
                // A new command must not start inside someone else's disk
                // wait: the bytes stay queued and the drain runs again shortly.
                if !retryScheduled {
                    retryScheduled = true
                    GenericTimer.schedule(afterMilliseconds: 5) {
                        retryScheduled = false
                        postDrain()
                    }
                }
                return
            }
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
        if context.standardOutput.isTerminal { return body() }
        let outer = ConsoleOutput.capture
        ConsoleOutput.capture = []
        let status = body()
        context.standardOutput.write(ConsoleOutput.capture ?? [])
        ConsoleOutput.capture = outer
        return status
    }
}
