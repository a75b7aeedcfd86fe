/// The word Tab completes: from the nearest unescaped blank or operator before
/// the cursor up to the cursor. Shared by the editor (which replaces it) and
/// the shell's completer (which finds candidates for it), so both agree.
public struct CompletionWord: Equatable {
    /// Scalar offset in the line where the word begins.
    public var start: Int
    /// The word as it will be read by the parser: backslash escapes removed.
    public var text: String
    /// True when the word is a command name: first in the line, or right
    /// after `;`, `|`, `&&` or `||`.
    public var isCommandPosition: Bool

    public static func locate(in line: [Unicode.Scalar], cursor: Int) -> CompletionWord {
        let cursor = max(0, min(cursor, line.count))
        var start = cursor
        while start > 0 {
            let previous = line[start - 1]
            if isSeparator(previous) && !isEscaped(line, at: start - 1) { break }
            start -= 1
        }
        // Remove backslash escapes.
        var text = String.UnicodeScalarView()
        var index = start
        while index < cursor {
            if line[index] == "\\" && index + 1 < cursor {
                index += 1
            }
            text.append(line[index])
            index += 1
        }
        // What precedes the word decides whether it names a command.
        var before = start
        while before > 0 && (line[before - 1] == " " || line[before - 1] == "\t") { before -= 1 }
        var isCommand = before == 0
        if before > 0 {
            let previous = line[before - 1]
            isCommand = previous == ";" || previous == "|" || previous == "&"
        }
        return CompletionWord(start: start, text: String(text), isCommandPosition: isCommand)
    }

    public static func locate(in line: String, cursor: Int) -> CompletionWord {
        locate(in: Array(line.unicodeScalars), cursor: cursor)
    }

    static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", ";", "&", "|", "<", ">": return true
        default: return false
        }
    }

    /// An odd number of backslashes right before `index` escape the scalar there.
    static func isEscaped(_ line: [Unicode.Scalar], at index: Int) -> Bool {
        var count = 0
        var position = index
        while position > 0 && line[position - 1] == "\\" {
            count += 1
            position -= 1
        }
        return count % 2 == 1
    }

    /// `text` as it must be typed to reach the parser unchanged: blanks and
    /// shell operators get a backslash.
    public static func escaped(_ text: String) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            switch scalar {
            case " ", "\t", ";", "&", "|", "<", ">", "\\", "'", "\"", "$", "#":
                scalars.append("\\")
            default:
                break
            }
            scalars.append(scalar)
        }
        return scalars
    }
}
