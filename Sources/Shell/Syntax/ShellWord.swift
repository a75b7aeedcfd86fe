/// One piece of a word as the parser found it: text that is already final, or
/// `$?`, which only the interpreter can fill in (it is the status of the
/// previous pipeline, known when this command is about to run).
public enum ShellWordPart: Equatable {
    case literal(String)
    /// `$?` outside single quotes: the last exit status, in decimal.
    case lastStatus
}

/// A word after quote and escape removal, such as one argument or a file name.
/// `""` is a word too (an empty argument), which is why a word is its parts and
/// not merely whatever text it has.
public struct ShellWord: Equatable {
    public var parts: [ShellWordPart]

    public init(parts: [ShellWordPart]) {
        self.parts = parts
    }

    /// A word that is just `text`, as if it had been quoted.
    public init(_ text: String) {
        self.parts = [.literal(text)]
    }

    /// The word with `$?` replaced by `lastStatus`.
    public func expanded(lastStatus: Int32) -> String {
        var text = ""
        for part in parts {
            switch part {
            case .literal(let literal): text += literal
            case .lastStatus: text += String(lastStatus)
            }
        }
        return text
    }
}
