/// One command: its words (the first is the command name) and redirections.
/// A command may consist of redirections alone (`> file` creates an empty file).
public struct SimpleCommand: Equatable {
    public var words: [ShellWord]
    public var redirections: [Redirection]

    public init(words: [ShellWord] = [], redirections: [Redirection] = []) {
        self.words = words
        self.redirections = redirections
    }

    /// No words and no redirections: what stands between two operators in `a | | b`.
    public var isEmpty: Bool { words.isEmpty && redirections.isEmpty }
}

/// Commands joined by `|`: each one's standard output feeds the next one's
/// standard input. Its status is the last command's.
public struct Pipeline: Equatable {
    public var commands: [SimpleCommand]

    public init(_ commands: [SimpleCommand]) {
        self.commands = commands
    }
}
