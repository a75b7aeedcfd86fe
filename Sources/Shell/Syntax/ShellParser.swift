/// Parses one command line into a `CommandList`:
///
///     list      := pipeline ((";" | "&&" | "||" | newline) pipeline)* [";"]
///     pipeline  := command ("|" command)*
///     command   := (word | redirection)+
///     redirection := (">" | ">>" | "<") word
///
/// Words are separated by blanks; `'…'`, `"…"` and `\x` quote; `#` at the start
/// of a word begins a comment; `$?` is the last status. Operators need no blanks
/// around them (`echo hi>f` writes "hi" to f).
public enum ShellParser {
    public static func parse(_ line: String) throws(ShellSyntaxError) -> CommandList {
        let tokens = try ShellLexer.tokens(of: line)
        var list = CommandList()
        var pipeline: [SimpleCommand] = []
        var command = SimpleCommand()
        // How the pipeline being collected joins the previous one, and the
        // operator that started it (for "missing command after …").
        var connector = ListConnector.always
        var pendingOperator: ShellOperator? = nil

        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            switch token {
            case .word(let word):
                command.words.append(word)
            case .redirect(let kind):
                guard index < tokens.count, case .word(let target) = tokens[index] else {
                    throw .missingFileName(after: kind)
                }
                index += 1
                command.redirections.append(Redirection(kind, target))
            case .pipe:
                guard !command.isEmpty else { throw .emptyCommand(before: .pipe) }
                pipeline.append(command)
                command = SimpleCommand()
                pendingOperator = .pipe
            case .and, .or, .semicolon, .newline:
                if command.isEmpty {
                    // A newline may follow an operator or stand alone (a blank
                    // line), as in sh; `a && ;` and `; b` are errors.
                    if token == .newline { continue }
                    if let pending = pendingOperator { throw .missingCommand(after: pending) }
                    switch token {
                    case .and: throw .emptyCommand(before: .and)
                    case .or: throw .emptyCommand(before: .or)
                    default: throw .emptyCommand(before: .semicolon)
                    }
                }
                pipeline.append(command)
                list.items.append(CommandListItem(connector, Pipeline(pipeline)))
                pipeline = []
                command = SimpleCommand()
                switch token {
                case .and: connector = .ifSucceeded; pendingOperator = .and
                case .or: connector = .ifFailed; pendingOperator = .or
                default: connector = .always; pendingOperator = nil
                }
            case .background:
                throw .backgroundUnsupported
            }
        }
        if command.isEmpty {
            // A trailing `;` is fine; a trailing `|`, `&&` or `||` is not.
            if let pending = pendingOperator { throw .missingCommand(after: pending) }
        } else {
            pipeline.append(command)
            list.items.append(CommandListItem(connector, Pipeline(pipeline)))
        }
        return list
    }
}
