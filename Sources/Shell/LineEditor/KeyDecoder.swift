/// Turns the bytes an xterm-compatible terminal sends into keys: UTF-8 text,
/// control codes, and CSI / SS3 escape sequences. Every sequence is consumed
/// whole, so an unknown one never leaks into the line as text. Never traps:
/// malformed UTF-8 is dropped, over-long sequences are cut off.
struct KeyDecoder {
    private enum State: Equatable {
        case ground
        /// Inside a UTF-8 sequence: the bits so far, continuation bytes still due, total length.
        case utf8(value: UInt32, remaining: Int, length: Int)
        /// After ESC.
        case escape
        /// After ESC [ (parameter and intermediate bytes collect in `parameters`).
        case csi
        /// After ESC O: the next byte is the key.
        case ss3
    }

    private var state = State.ground
    /// Parameter and intermediate bytes of the CSI sequence being read.
    private var parameters: [UInt8] = []
    private var parametersOverflowed = false
    /// Enter is CR or LF; CR LF is one Enter.
    private var lastWasCarriageReturn = false

    private static let maximumParameterBytes = 16

    /// The key `byte` completes, if any. One byte completes at most one key.
    mutating func decode(_ byte: UInt8) -> EditorKey? {
        let afterCarriageReturn = lastWasCarriageReturn
        lastWasCarriageReturn = false
        switch state {
        case .ground:
            if byte == 0x0a && afterCarriageReturn { return nil }
            return ground(byte)
        case .utf8(let value, let remaining, let length):
            guard byte & 0xc0 == 0x80 else {
                // Truncated sequence: drop it, and read this byte afresh.
                state = .ground
                return ground(byte)
            }
            let next = value << 6 | UInt32(byte & 0x3f)
            if remaining > 1 {
                state = .utf8(value: next, remaining: remaining - 1, length: length)
                return nil
            }
            state = .ground
            return KeyDecoder.scalar(next, length: length).map { .text($0) }
        case .escape:
            return escape(byte)
        case .csi:
            return csi(byte)
        case .ss3:
            state = .ground
            switch byte {
            case UInt8(ascii: "A"): return .up
            case UInt8(ascii: "B"): return .down
            case UInt8(ascii: "C"): return .right
            case UInt8(ascii: "D"): return .left
            case UInt8(ascii: "H"): return .home
            case UInt8(ascii: "F"): return .end
            case 0x1b:
                state = .escape
                return nil
            default:
                return byte >= 0x20 && byte < 0x7f ? .ignored : ground(byte)
            }
        }
    }

    private mutating func ground(_ byte: UInt8) -> EditorKey? {
        switch byte {
        case 0x1b:
            state = .escape
            return nil
        case 0x0d:
            lastWasCarriageReturn = true
            return .enter
        case 0x0a: return .enter
        case 0x09: return .tab
        case 0x08, 0x7f: return .backspace
        case 0x00..<0x20: return .control(byte)
        case 0x20..<0x7f: return .text(Unicode.Scalar(byte))
        case 0xc2...0xdf:
            state = .utf8(value: UInt32(byte & 0x1f), remaining: 1, length: 2)
            return nil
        case 0xe0...0xef:
            state = .utf8(value: UInt32(byte & 0x0f), remaining: 2, length: 3)
            return nil
        case 0xf0...0xf4:
            state = .utf8(value: UInt32(byte & 0x07), remaining: 3, length: 4)
            return nil
        default:
            return nil  // a stray continuation byte or an impossible lead byte
        }
    }

    /// A decoded UTF-8 value, if it is a printable scalar in its shortest form.
    private static func scalar(_ value: UInt32, length: Int) -> Unicode.Scalar? {
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        // C1 controls would be taken as commands by the terminal the line is echoed to.
        if value < 0xa0 { return nil }
        return scalar
    }

    private mutating func escape(_ byte: UInt8) -> EditorKey? {
        state = .ground
        switch byte {
        case UInt8(ascii: "["):
            state = .csi
            parameters.removeAll(keepingCapacity: true)
            parametersOverflowed = false
            return nil
        case UInt8(ascii: "O"):
            state = .ss3
            return nil
        case 0x1b:
            state = .escape  // ESC ESC: the first was a lone Escape key
            return nil
        // Alt (Meta) combinations, sent as ESC + key.
        case UInt8(ascii: "b"), UInt8(ascii: "B"): return .wordLeft
        case UInt8(ascii: "f"), UInt8(ascii: "F"): return .wordRight
        case UInt8(ascii: "d"), UInt8(ascii: "D"): return .killWordForward
        case 0x7f, 0x08: return .killWordBackward
        case 0x20..<0x7f: return .ignored
        default:
            // Escape then Enter, Ctrl-C, …: the Escape key did nothing.
            return ground(byte)
        }
    }

    private mutating func csi(_ byte: UInt8) -> EditorKey? {
        switch byte {
        case 0x20...0x3f:  // parameter and intermediate bytes
            if parameters.count < KeyDecoder.maximumParameterBytes {
                parameters.append(byte)
            } else {
                parametersOverflowed = true
            }
            return nil
        case 0x40...0x7e:
            state = .ground
            return parametersOverflowed ? .ignored : KeyDecoder.csiKey(final: byte, parameters: parameters)
        case 0x1b:
            state = .escape
            return nil
        default:
            // A control or non-ASCII byte cannot be part of the sequence:
            // abandon it and read the byte afresh.
            state = .ground
            return ground(byte)
        }
    }

    /// The key for `CSI parameters final`, e.g. `CSI 1;5C` (Ctrl-Right) or `CSI 3~` (Delete).
    private static func csiKey(final: UInt8, parameters: [UInt8]) -> EditorKey {
        var numbers: [Int] = []
        var current = 0
        var hasDigits = false
        for byte in parameters {
            switch byte {
            case 0x30...0x39:
                // Capped, so absurd parameters cannot overflow.
                current = min(current * 10 + Int(byte - 0x30), 100_000)
                hasDigits = true
            case UInt8(ascii: ";"):
                numbers.append(hasDigits ? current : 0)
                current = 0
                hasDigits = false
            default:
                return .ignored  // private markers (`?`, `<`), intermediates: replies and mouse reports
            }
        }
        if hasDigits || !numbers.isEmpty { numbers.append(hasDigits ? current : 0) }
        let first = numbers.first ?? 0
        // xterm modifier parameter: 1 + (Shift 1 | Alt 2 | Ctrl 4).
        let modifier = numbers.count > 1 ? numbers[1] : 1
        let wordwise = modifier > 1 && (modifier - 1) & 6 != 0
        switch final {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return wordwise ? .wordRight : .right
        case UInt8(ascii: "D"): return wordwise ? .wordLeft : .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "~"):
            switch first {
            case 1, 7: return .home
            case 4, 8: return .end
            case 3: return wordwise ? .killWordForward : .delete
            case 200: return .pasteBegin
            case 201: return .pasteEnd
            default: return .ignored
            }
        default:
            return .ignored
        }
    }
}
