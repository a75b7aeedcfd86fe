/// What the lexer cuts a command line into.
enum ShellToken: Equatable {
    case word(ShellWord)
    case pipe
    case and
    case or
    case semicolon
    /// A newline inside the line (from an API caller): separates like `;`,
    /// but blank lines around it are allowed.
    case newline
    case redirect(RedirectionKind)
    case background
}
