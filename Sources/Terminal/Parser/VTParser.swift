/// The DEC/ANSI escape-sequence parser: Paul Williams' state machine
/// (https://vt100.net/emu/dec_ansi_parser), modelled on Alacritty's `vte` crate.
///
/// It turns a byte stream into calls on a `VTPerformer`: printable characters,
/// C0 controls, and complete escape, CSI, OSC and DCS sequences. It gives them no
/// meaning; `Terminal` does. Bytes may arrive split anywhere: all state, including
/// a partial UTF-8 sequence, carries over between calls.
///
/// The transitions are static data (`VTTransitionTable`); per byte the parser does
/// a table lookup and at most a few stores into fixed-size buffers, never an
/// allocation. Printable ASCII in ground state, by far the most common input,
/// takes a short path that skips the table.
///
/// UTF-8 (xterm's UTF-8 mode): bytes ≥ 0x80 in ground state are decoded, and the
/// decoded scalar is printed; 8-bit C1 controls are therefore never recognised.
/// A UTF-8 sequence interrupted by any other byte (an ESC, a control, ASCII)
/// prints U+FFFD and then that byte is processed normally.
public struct VTParser {
    public private(set) var state: VTParserState = .ground

    private var utf8 = UTF8Decoder()
    private var parameters = VTParameters()
    private var intermediates = VTIntermediates()
    /// Too many intermediates or parameters: dispatch with `ignoring`.
    private var ignoring = false
    private var osc = VTOSCPayload()

    public init() {}

    /// Processes one byte.
    @inline(__always)
    public mutating func advance<P: VTPerformer>(_ performer: inout P, byte: UInt8) {
        // Fast path: printable ASCII in ground state with no UTF-8 sequence open.
        if state == .ground && byte &- 0x20 < 0x5F && !utf8.isPending {
            performer.print(UInt32(byte))
            return
        }
        advanceSlowly(&performer, byte: byte)
    }

    /// Processes a buffer of bytes. Runs of printable ASCII in ground state go to
    /// the performer in one `printASCII` call.
    public mutating func feed<P: VTPerformer>(_ performer: inout P, bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if state == .ground && byte &- 0x20 < 0x5F && !utf8.isPending {
                var end = index + 1
                while end < count && bytes[end] &- 0x20 < 0x5F { end += 1 }
                performer.printASCII(UnsafeBufferPointer(rebasing: bytes[index ..< end]))
                index = end
            } else if byte == 0x1B && state == .ground && !utf8.isPending,
                      let end = dispatchSimpleCSI(&performer, bytes: bytes, escape: index) {
                index = end
            } else {
                advanceSlowly(&performer, byte: byte)
                index += 1
            }
        }
    }

    /// The common CSI shape, `ESC [` + optional private marker + digits, `;`
    /// and `:` + a final byte, wholly inside `bytes`: parsed in one tight loop
    /// instead of a table transition per byte (SGR and cursor positioning are
    /// most of what programs send). Returns the index after the final byte, or
    /// nil, having changed nothing, for anything else (intermediates, controls
    /// inside the sequence, a sequence cut by the end of the buffer), which the
    /// state machine then takes byte by byte. The result is the same either way:
    /// this is exactly the ground → escape → csiEntry → csiParam → dispatch path
    /// of the table.
    @inline(__always)
    private mutating func dispatchSimpleCSI<P: VTPerformer>(_ performer: inout P, bytes: UnsafeBufferPointer<UInt8>,
                                                           escape: Int) -> Int? {
        let count = bytes.count
        var index = escape + 1
        guard index < count && bytes[index] == UInt8(ascii: "[") else { return nil }
        index += 1
        guard index < count else { return nil }
        // Into locals, not the parser's own fields: a sequence the fast path
        // cannot finish then leaves no trace.
        var parameters = VTParameters()
        var intermediates = VTIntermediates()
        if bytes[index] &- 0x3C < 4 {  // private marker < = > ?
            _ = intermediates.append(bytes[index])
            index += 1
        }
        // Digits and `;` only (sub-parameters take the table path); no
        // parameter bytes at all means no parameters (`CSI H`), as on the table
        // path. Each parameter's digits are read four bytes at a time, without
        // a branch on the number's length: SGR colour indices and cursor
        // positions are 1 to 3 digits at random, a branch predictor's worst
        // case. Near the end of the buffer the table path takes the sequence.
        guard index < count else { return nil }
        if bytes[index] &- 0x30 < 0x0C {
            while true {
                guard index + 4 <= count, let base = bytes.baseAddress else { return nil }
                let word = UInt32(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt32.self))
                let length = VTParser.leadingDigitCount(word)
                var value = VTParser.decimalValue(word, digits: length)
                index += length
                if length == 4 {
                    guard index < count else { return nil }
                    var digit = UInt32(bytes[index] &- 0x30)
                    while digit < 10 {
                        // Saturating, as `VTParameters.accept`.
                        value = min(value &* 10 &+ digit, 0xFFFF)
                        index += 1
                        guard index < count else { return nil }
                        digit = UInt32(bytes[index] &- 0x30)
                    }
                }
                parameters.appendParameter(UInt16(truncatingIfNeeded: value))
                guard bytes[index] == UInt8(ascii: ";") else { break }
                index += 1
                guard index < count else { return nil }
            }
        }
        guard bytes[index] &- 0x40 < 0x3F else { return nil }
        let final = bytes[index]
        let ignoring = parameters.overflowed
        parameters.withView { performer.csiDispatch($0, intermediates: intermediates, ignoring: ignoring, final: final) }
        return index + 1
    }

    /// How many of the four bytes of `word` (the first in the low byte), from
    /// the first, are ASCII digits. A byte is a digit when its high nibble is 3
    /// both as it is and plus 6 (0x3A–0x3F become 0x40–0x45). A carry out of a
    /// byte ≥ 0xFA disturbs only the bytes after it, and it is itself no digit.
    @inline(__always)
    static func leadingDigitCount(_ word: UInt32) -> Int {
        let highNibbles = (word & 0xF0F0_F0F0) ^ 0x3030_3030
        let highNibblesPlusSix = ((word &+ 0x0606_0606) & 0xF0F0_F0F0) ^ 0x3030_3030
        return (highNibbles | highNibblesPlusSix).trailingZeroBitCount >> 3
    }

    /// The value of the first `digits` (0…4) bytes of `word` (the first in the
    /// low byte), which are ASCII digits: moved up to the high bytes, so that
    /// missing digits are leading zeros, then combined pairwise: tens, hundreds.
    @inline(__always)
    static func decimalValue(_ word: UInt32, digits: Int) -> UInt32 {
        var value = UInt32(truncatingIfNeeded: UInt64(word & 0x0F0F_0F0F) &<< UInt64(32 &- 8 &* digits))
        value = (value &* 10 &+ (value >> 8)) & 0x00FF_00FF
        value = (value &* 100 &+ (value >> 16)) & 0xFFFF
        return value
    }

    /// Processes an array of bytes.
    public mutating func feed<P: VTPerformer>(_ performer: inout P, bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { feed(&performer, bytes: $0) }
    }

    /// Returns to ground state, forgetting any partial sequence (RIS does not
    /// need this: it is itself dispatched from ground).
    public mutating func reset() {
        state = .ground
        utf8.reset()
        parameters.removeAll()
        intermediates.removeAll()
        ignoring = false
        osc.removeAll()
    }

    private mutating func advanceSlowly<P: VTPerformer>(_ performer: inout P, byte: UInt8) {
        if utf8.isPending {
            // Only ever in ground state: every byte goes to the decoder until the
            // sequence completes or is cut short.
            switch utf8.decode(byte) {
            case .pending:
                return
            case .scalar(let scalar):
                performer.print(scalar)
                return
            case .invalid:
                performer.print(UTF8Decoder.replacementCharacter)
                return
            case .invalidThenRetry:
                performer.print(UTF8Decoder.replacementCharacter)
                // Fall through: `byte` starts afresh below.
            }
        }

        let entry = VTTransitionTable.entry(state, byte)
        let action = VTParserAction(rawValue: entry >> 4) ?? .none
        let next = entry & 0x0F
        if next == VTTransitionTable.stay {
            perform(action, byte: byte, &performer)
            return
        }
        let nextState = VTParserState(rawValue: next) ?? .ground
        // Williams' order: exit action of the old state, the transition's action,
        // entry action of the new state.
        switch state.exitAction {
        case .oscEnd:
            // CAN and SUB abort an OSC string rather than end it.
            if byte != 0x18 && byte != 0x1A {
                performer.oscDispatch(osc, bellTerminated: byte == 0x07)
            }
        case .unhook:
            performer.unhook()
        default:
            break
        }
        perform(action, byte: byte, &performer)
        state = nextState
        perform(nextState.entryAction, byte: byte, &performer)
    }

    @inline(__always)
    private mutating func perform<P: VTPerformer>(_ action: VTParserAction, byte: UInt8, _ performer: inout P) {
        switch action {
        case .none, .ignore:
            break
        case .print:
            performer.print(UInt32(byte))
        case .execute:
            performer.execute(byte)
        case .collect:
            if !intermediates.append(byte) { ignoring = true }
        case .param:
            parameters.accept(byte)
        case .escDispatch:
            performer.escDispatch(intermediates: intermediates, ignoring: ignoring, final: byte)
        case .csiDispatch:
            parameters.finish()
            let ignoring = ignoring || parameters.overflowed
            parameters.withView { performer.csiDispatch($0, intermediates: intermediates, ignoring: ignoring, final: byte) }
        case .put:
            performer.put(byte)
        case .oscPut:
            osc.append(byte)
        case .utf8:
            switch utf8.decode(byte) {
            case .pending:
                break
            case .scalar(let scalar):
                performer.print(scalar)
            case .invalid, .invalidThenRetry:
                // From idle a byte cannot be "retried": only .invalid occurs here.
                performer.print(UTF8Decoder.replacementCharacter)
            }
        case .clear:
            parameters.removeAll()
            intermediates.removeAll()
            ignoring = false
        case .hook:
            parameters.finish()
            let ignoring = ignoring || parameters.overflowed
            parameters.withView { performer.hook($0, intermediates: intermediates, ignoring: ignoring, final: byte) }
        case .oscStart:
            osc.removeAll()
        case .unhook, .oscEnd:
            break  // exit actions, run in advanceSlowly
        }
    }
}
