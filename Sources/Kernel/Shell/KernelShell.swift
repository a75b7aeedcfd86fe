import Console
import KernelSupport
import Scheduling
import Shell

typealias KernelCommand = ShellCommand<KernelShellEnvironment>
typealias KernelCommandContext = CommandContext<KernelShellEnvironment>

/// What the shell gets from the kernel: the console for output, the mounted
/// FAT volumes for files, and a preemption point for long commands (Ctrl-C
/// reaches the shell from the events thread, through its tty).
final class KernelShellEnvironment: ShellEnvironment {
    let output: ConsoleOutput
    let files: Files
    /// Whether the running command was interrupted (set once the session exists).
    var commandInterrupted: () -> Bool = { false }
    /// Forgets a Ctrl-C that came before the current command line.
    var clearCancel: () -> Void = {}

    init(output: ConsoleOutput, files: Files) {
        self.output = output
        self.files = files
    }

    /// A command's output; a Ctrl-C that arrives while it is being written
    /// discards the rest of it (the "^C" that follows is written in full).
    func writeToTerminal(_ bytes: [UInt8]) {
        guard !commandInterrupted() else {
            output.write(bytes)
            return
        }
        output.write(bytes) { self.commandInterrupted() }
    }

    func readFile(_ path: String) throws(ShellFileError) -> [UInt8] {
        do { return try files.readFile(path) } catch { throw error.shellError(path) }
    }

    func writeFile(_ path: String, _ bytes: [UInt8], append: Bool) throws(ShellFileError) {
        do { try files.writeFile(path, bytes, append: append) } catch { throw error.shellError(path) }
    }

    func isDirectory(_ path: String) -> Bool { files.isDirectory(path) }

    func completePath(_ prefix: String, in directory: String) -> [String] {
        ShellPathCompletion.candidates(for: prefix, in: directory) { self.files.directoryListing($0) }
    }

    /// Polled by the shell and by long commands. Ctrl-C reaches the shell
    /// directly (the tty's `inputArrived` calls `session.interruptCommand()`
    /// from the events thread); this is only a preemption point, so that the
    /// events thread gets the CPU when it has work while a command computes.
    func isInterrupted() -> Bool {
        Threads.preemptionPoint()
        return false
    }

    /// A new command line: a Ctrl-C typed before it must not cancel its waits.
    func clearInterrupt() {
        clearCancel()
    }

    func historyDidChange(_ history: History) {
        files.saveHistory(history.serialized())
    }
}

/// The shell on console 1 and the serial port (it replaced the boot monitor):
/// the program of console 1's tty, on a thread of its own.
final class KernelShell {
    let machine: Machine
    let tty: Tty
    let session: ShellSession<KernelShellEnvironment>
    private var thread: ScheduledThread? = nil
    /// The shell thread waits here for typed bytes.
    private let inputQueue = WaitQueue(name: "shell input")

    init(machine: Machine) {
        self.machine = machine
        tty = machine.console.ttys[0]
        let environment = KernelShellEnvironment(output: machine.output, files: machine.files)
        let commands = SystemCommands(machine: machine).all() + FileCommands(machine: machine).all()
            + NetCommands(machine: machine).all() + ThreadCommands(machine: machine).all()
        let shell = Shell.create(environment: environment, commands: commands)
        session = ShellSession.create(shell: shell, prompt: "lumen> ", columns: machine.console.shellColumns)
        session.makePrompt = { directory in directory == "/" ? "lumen> " : "lumen:" + directory + "> " }
        environment.commandInterrupted = { shell.isInterrupted() }
        environment.clearCancel = { if let thread = self.thread { Threads.clearCancel(thread) } }
        tty.programIsBusy = { self.session.isRunningCommand }
        tty.inputArrived = { interrupted in self.inputArrived(interrupted: interrupted) }
    }

    /// The shell's thread: the history, autorun, the prompt, then each line as
    /// it is typed. A command runs on this thread and blocks it when it waits.
    func run() {
        thread = Threads.current()
        if let history = machine.files.loadHistory() { session.loadHistory(history) }
        if let script = machine.files.autorunScript() {
            print("autorun: running " + Files.autorunPath)
            _ = session.shell.runScript(script, name: Files.autorunPath)
        }
        session.start()
        while true {
            machine.output.flushLine()
            lumen_irq_disable()
            if !tty.hasInput { _ = Threads.block(on: inputQueue) }
            lumen_irq_enable()
            drain()
        }
    }

    /// Typed bytes reached the tty (events thread). A Ctrl-C while a command
    /// runs stops it at once: the shell is told and the command's cancellable
    /// wait (network, `sleep`) ends; the tty dropped what was typed ahead of it.
    func inputArrived(interrupted: Bool) {
        if interrupted {
            session.interruptCommand()
            if let thread { Threads.cancel(thread) }
        }
        Threads.wakeAll(inputQueue)
    }

    /// Hands the typed bytes to the session, in order (shell thread).
    func drain() {
        while tty.hasInput {
            let bytes = tty.takeInput()
            // The line editor scrolls long lines at the width of the screen (after a font change too).
            let columns = machine.console.shellColumns
            if columns != session.columns { session.columns = columns }
            session.feed(bytes)
        }
    }
}

extension ConsoleOutput {
    /// Runs `body` (a command that reports with `print`) so that what it
    /// prints goes to the command's standard output: the terminal, or the
    /// buffer behind a pipe or a redirection.
    func printing(_ context: inout KernelCommandContext, _ body: () -> Int32) -> Int32 {
        if context.standardOutput.isTerminal {
            defer { flushLine() }
            return body()
        }
        flushLine()
        let outer = capture
        capture = []
        let status = body()
        context.standardOutput.write(capture ?? [])
        capture = outer
        return status
    }
}
