/// An entry of the shell's command table.
public struct ShellCommand<Environment: ShellEnvironment> {
    /// Runs the command; returns its exit status (0 is success, 2 a usage error).
    public typealias Handler = (inout CommandContext<Environment>) -> Int32

    public let name: String
    /// One line for `help`.
    public let summary: String
    /// The synopsis `help NAME` shows, e.g. "cat [FILE...]".
    public let usage: String
    public let run: Handler

    public init(name: String, summary: String, usage: String, run: @escaping Handler) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.run = run
    }
}
