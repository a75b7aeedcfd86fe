/// Cuts a command line into words and operators, removing quotes and
/// backslashes as sh does. Works on UTF-8 bytes: every character with a meaning
/// to the shell is ASCII, so multi-byte characters simply pass through words.
struct ShellLexer {
    private let bytes: [UInt8]
    private var index = 0

    init(_ line: String) {
        bytes = Array(line.utf8)
    }

    static func tokens(of line: String) throws(ShellSyntaxError) -> [ShellToken] {
        var lexer = ShellLexer(line)
        var tokens: [ShellToken] = []
        while let token = try lexer.next() { tokens.append(token) }
        return tokens
    }

    /// Bytes that end an unquoted word.
    static func isBreak(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x20, 0x09, 0x0d, 0x0a, 0x3b /* ; */, 0x26 /* & */, 0x7c /* | */, 0x3c /* < */, 0x3e /* > */: return true
        default: return false
        }
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        let position = index + offset
        return position < bytes.count ? bytes[position] : nil
    }

    mutating func next() throws(ShellSyntaxError) -> ShellToken? {
        // Blanks (a CR is a blank: scripts may have CR LF line ends).
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0d { index += 1 }
        guard let byte = peek() else { return nil }
        switch byte {
        case UInt8(ascii: "#"):
            // A comment runs to the end of the line (or to a newline).
            while let byte = peek(), byte != 0x0a { index += 1 }
            return try next()
        case 0x0a:
            index += 1
            return .newline
        case UInt8(ascii: ";"):
            index += 1
            return .semicolon
        case UInt8(ascii: "&"):
            if peek(1) == UInt8(ascii: "&") { index += 2; return .and }
            index += 1
            return .background
        case UInt8(ascii: "|"):
            if peek(1) == UInt8(ascii: "|") { index += 2; return .or }
            index += 1
            return .pipe
        case UInt8(ascii: ">"):
            if peek(1) == UInt8(ascii: ">") { index += 2; return .redirect(.append) }
            index += 1
            return .redirect(.output)
        case UInt8(ascii: "<"):
            index += 1
            return .redirect(.input)
        default:
            return .word(try word())
        }
    }

    /// One word from the current position up to an unquoted blank or operator.
    private mutating func word() throws(ShellSyntaxError) -> ShellWord {
        var parts: [ShellWordPart] = []
        var literal: [UInt8] = []
        func flush() {
            guard !literal.isEmpty else { return }
            parts.append(.literal(String(decoding: literal, as: UTF8.self)))
            literal.removeAll()
        }
        // Set by quotes, so that `''` is an (empty) word rather than nothing.
        var quoted = false
        while let byte = peek(), !ShellLexer.isBreak(byte) {
            switch byte {
            case UInt8(ascii: "\\"):
                guard let escaped = peek(1) else { throw .trailingBackslash }
                literal.append(escaped)
                index += 2
            case UInt8(ascii: "'"):
                quoted = true
                index += 1
                while true {
                    guard let inner = peek() else { throw .unterminatedQuote }
                    index += 1
                    if inner == UInt8(ascii: "'") { break }
                    literal.append(inner)
                }
            case UInt8(ascii: "\""):
                quoted = true
                index += 1
                while true {
                    guard let inner = peek() else { throw .unterminatedQuote }
                    index += 1
                    if inner == UInt8(ascii: "\"") { break }
                    if inner == UInt8(ascii: "\\"), let escaped = peek(),
                       escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\")
                        || escaped == UInt8(ascii: "$") || escaped == UInt8(ascii: "`") {
                        // Inside double quotes a backslash only escapes these, as in sh.
                        literal.append(escaped)
                        index += 1
                    } else if inner == UInt8(ascii: "$"), peek() == UInt8(ascii: "?") {
                        flush()
                        parts.append(.lastStatus)
                        index += 1
                    } else {
                        literal.append(inner)
                    }
                }
            case UInt8(ascii: "$") where peek(1) == UInt8(ascii: "?"):
                flush()
                parts.append(.lastStatus)
                index += 2
            default:
                literal.append(byte)
                index += 1
            }
        }
        flush()
        if parts.isEmpty && quoted { parts.append(.literal("")) }
        return ShellWord(parts: parts)
    }
}
