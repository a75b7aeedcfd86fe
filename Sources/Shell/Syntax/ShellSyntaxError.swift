/// The operators that separate commands, named in syntax errors.
public enum ShellOperator: Equatable {
    case pipe
    case and
    case or
    case semicolon

    public var symbol: String {
        switch self {
        case .pipe: return "|"
        case .and: return "&&"
        case .or: return "||"
        case .semicolon: return ";"
        }
    }
}

/// Why a command line could not be parsed. Nothing runs when one is thrown.
public enum ShellSyntaxError: Error, Equatable {
    /// A `'` or `"` with no closing partner.
    case unterminatedQuote
    /// The line ends in a lone `\`, which would escape nothing.
    case trailingBackslash
    /// `>`, `>>` or `<` not followed by a word.
    case missingFileName(after: RedirectionKind)
    /// An operator with no command before it: `| b`, `a | | b`, `; a`.
    case emptyCommand(before: ShellOperator)
    /// A line ending in an operator that needs a command after it: `a |`, `a &&`.
    case missingCommand(after: ShellOperator)
    /// A single `&`: Lumen runs one command at a time.
    case backgroundUnsupported

    /// One line for the user, in the form sh uses.
    public var message: String {
        switch self {
        case .unterminatedQuote: return "syntax error: unterminated quote"
        case .trailingBackslash: return "syntax error: backslash at end of line"
        case .missingFileName(let kind): return "syntax error: missing file name after " + kind.symbol
        case .emptyCommand(let op): return "syntax error: empty command before " + op.symbol
        case .missingCommand(let op): return "syntax error: missing command after " + op.symbol
        case .backgroundUnsupported: return "syntax error: & (background jobs) is not supported"
        }
    }
}
