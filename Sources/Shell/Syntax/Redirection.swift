/// Which way a redirection points.
public enum RedirectionKind: Equatable {
    /// `< file`: the command's standard input is the file's bytes.
    case input
    /// `> file`: standard output replaces the file.
    case output
    /// `>> file`: standard output is added to the end of the file.
    case append

    /// The operator as the user writes it (for error messages).
    public var symbol: String {
        switch self {
        case .input: return "<"
        case .output: return ">"
        case .append: return ">>"
        }
    }
}

/// `> file`, `>> file` or `< file` attached to one command.
public struct Redirection: Equatable {
    public var kind: RedirectionKind
    public var target: ShellWord

    public init(_ kind: RedirectionKind, _ target: ShellWord) {
        self.kind = kind
        self.target = target
    }
}
