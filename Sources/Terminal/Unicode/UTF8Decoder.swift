/// Incremental UTF-8 decoder: one byte in, at most one result out, no allocation.
///
/// Ill-formed input becomes U+FFFD using the Unicode standard's "maximal subpart"
/// practice (Unicode §3.9, U+FFFD substitution; also what WHATWG and Markus Kuhn's
/// decoder stress test expect): a sequence that starts well but is cut short by a
/// byte that cannot continue it yields one U+FFFD for the well-formed prefix, and
/// that byte is then decoded afresh. A byte that can never start a sequence
/// (0x80–0xC1, 0xF5–0xFF) yields one U+FFFD on its own. Overlong forms, surrogates
/// and values above U+10FFFF are caught at the second byte, because the first byte
/// narrows the range the second may take (Unicode Table 3-7), so e.g. `C0 80`
/// gives two U+FFFD and `ED A0 80` gives three.
public struct UTF8Decoder: Equatable {
    /// What one byte produced.
    public enum Step: Equatable {
        /// The byte extended a sequence that still needs more bytes.
        case pending
        /// A complete scalar value.
        case scalar(UInt32)
        /// U+FFFD; the byte was consumed (it could not start a sequence).
        case invalid
        /// U+FFFD for a sequence the byte cut short; the byte was *not* consumed
        /// and must be decoded again (it may start a sequence or be ASCII).
        case invalidThenRetry
    }

    public static let replacementCharacter: UInt32 = 0xFFFD

    /// Bits of the scalar collected so far.
    private var partial: UInt32 = 0
    /// Continuation bytes still expected (0 when idle).
    private var remaining: UInt8 = 0
    /// Range the next continuation byte must fall in. Normally 0x80…0xBF; the
    /// first continuation after E0, ED, F0 and F4 is narrower (Table 3-7).
    private var lowerBound: UInt8 = 0x80
    private var upperBound: UInt8 = 0xBF

    public init() {}

    /// True while a sequence is incomplete.
    public var isPending: Bool { remaining != 0 }

    /// True if `byte` would continue the pending sequence.
    @inline(__always)
    public func accepts(_ byte: UInt8) -> Bool {
        remaining != 0 && byte >= lowerBound && byte <= upperBound
    }

    /// Decodes one byte.
    @inline(__always)
    public mutating func decode(_ byte: UInt8) -> Step {
        if remaining == 0 {
            return start(byte)
        }
        guard byte >= lowerBound && byte <= upperBound else {
            // Truncated: one U+FFFD for the prefix; the byte gets a fresh start.
            reset()
            return .invalidThenRetry
        }
        partial = (partial << 6) | UInt32(byte & 0x3F)
        remaining -= 1
        lowerBound = 0x80
        upperBound = 0xBF
        if remaining == 0 {
            let value = partial
            partial = 0
            return .scalar(value)
        }
        return .pending
    }

    /// Ends the stream: true if a truncated sequence was pending (the caller
    /// owes one U+FFFD). The decoder is idle afterwards.
    public mutating func flush() -> Bool {
        let wasPending = remaining != 0
        reset()
        return wasPending
    }

    /// Forgets any pending sequence.
    public mutating func reset() {
        partial = 0
        remaining = 0
        lowerBound = 0x80
        upperBound = 0xBF
    }

    private mutating func start(_ byte: UInt8) -> Step {
        switch byte {
        case 0x00 ... 0x7F:
            return .scalar(UInt32(byte))
        case 0xC2 ... 0xDF:
            begin(UInt32(byte & 0x1F), remaining: 1, lower: 0x80, upper: 0xBF)
        case 0xE0:
            begin(0, remaining: 2, lower: 0xA0, upper: 0xBF)  // no overlong 3-byte forms
        case 0xE1 ... 0xEC, 0xEE ... 0xEF:
            begin(UInt32(byte & 0x0F), remaining: 2, lower: 0x80, upper: 0xBF)
        case 0xED:
            begin(0x0D, remaining: 2, lower: 0x80, upper: 0x9F)  // no surrogates D800–DFFF
        case 0xF0:
            begin(0, remaining: 3, lower: 0x90, upper: 0xBF)  // no overlong 4-byte forms
        case 0xF1 ... 0xF3:
            begin(UInt32(byte & 0x07), remaining: 3, lower: 0x80, upper: 0xBF)
        case 0xF4:
            begin(0x04, remaining: 3, lower: 0x80, upper: 0x8F)  // nothing above U+10FFFF
        default:
            // 0x80–0xBF (lone continuation), 0xC0–0xC1 (always overlong), 0xF5–0xFF.
            return .invalid
        }
        return .pending
    }

    @inline(__always)
    private mutating func begin(_ bits: UInt32, remaining count: UInt8, lower: UInt8, upper: UInt8) {
        partial = bits
        remaining = count
        lowerBound = lower
        upperBound = upper
    }
}
