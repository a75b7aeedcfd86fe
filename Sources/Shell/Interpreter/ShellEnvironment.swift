/// What the shell needs from the system it runs on: the kernel implements it
/// with the console, the FAT32 volume and the input devices; tests implement it
/// with memory. Paths given to it are always absolute and normalised (the shell
/// resolves them against its current directory first).
///
/// Conform with a final class; the shell is generic over it (no existentials).
public protocol ShellEnvironment: AnyObject {
    /// Shows bytes on the terminal: the editor's echo, command output, error
    /// messages. Lines end in LF (the editor's own output uses CR LF).
    func writeToTerminal(_ bytes: [UInt8])

    /// The whole contents of a file.
    func readFile(_ path: String) throws(ShellFileError) -> [UInt8]

    /// Replaces the file's contents with `bytes`, or adds them at its end when
    /// `append` is true; creates the file if it does not exist.
    func writeFile(_ path: String, _ bytes: [UInt8], append: Bool) throws(ShellFileError)

    /// Whether `path` names a directory (for `cd`).
    func isDirectory(_ path: String) -> Bool

    /// Candidates for completing the path `prefix` as the user typed it
    /// (relative to `directory` unless it starts with "/"): each is the whole
    /// word, beginning with `prefix`, with "/" after a directory name.
    /// `ShellPathCompletion.candidates` implements this over a directory lister.
    func completePath(_ prefix: String, in directory: String) -> [String]

    /// True once the user pressed Ctrl-C since `clearInterrupt()`. Polled by
    /// the shell between commands and by long-running commands; how Ctrl-C is
    /// noticed while a command runs is up to the environment.
    func isInterrupted() -> Bool

    /// A new command line starts: forget earlier Ctrl-C presses.
    func clearInterrupt()

    /// The history changed (a line was entered); a chance to save
    /// `history.serialized()` to disk.
    func historyDidChange(_ history: History)
}

extension ShellEnvironment {
    public func isDirectory(_ path: String) -> Bool { path == "/" }
    public func completePath(_ prefix: String, in directory: String) -> [String] { [] }
    public func isInterrupted() -> Bool { false }
    public func clearInterrupt() {}
    public func historyDidChange(_ history: History) {}
}
