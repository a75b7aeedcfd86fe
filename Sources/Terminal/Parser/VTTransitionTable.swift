/// The parser's state machine as static data: a byte-class table (256 bytes →
/// 16 classes) and a transition table (14 states × 16 classes → action and next
/// state packed in one byte). Classes group the byte ranges Williams' diagram
/// treats alike, which keeps the transition table small enough to read.
///
/// Entry layout: action (`VTParserAction`) in the high 4 bits; next state
/// (`VTParserState`) in the low 4 bits, or `VTTransitionTable.stay` (15) when the
/// event does not change state (so no exit/entry actions run).
///
/// Differences from Williams' table, following vte and xterm's UTF-8 mode:
/// - 8-bit C1 controls (0x80–0x9F) are never recognised: in ground state bytes
///   ≥ 0x80 go to the UTF-8 decoder, in OSC and DCS strings they are data (a
///   UTF-8 title may contain 0x9C, which is not ST there), elsewhere ignored;
/// - BEL terminates an OSC string (xterm);
/// - `:` is a parameter separator in CSI (sub-parameters, as in vte), not a
///   reason to ignore the sequence; DCS keeps Williams' behaviour;
/// - DEL is ignored in ground state rather than printed.
enum VTTransitionTable {
    /// Byte classes.
    static let c0: UInt8 = 0  // 00–06, 08–17, 19, 1C–1F: controls other than the ones below
    static let bel: UInt8 = 1  // 07
    static let cancel: UInt8 = 2  // 18 CAN, 1A SUB: abort the sequence
    static let esc: UInt8 = 3  // 1B
    static let intermediate: UInt8 = 4  // 20–2F
    static let digit: UInt8 = 5  // 30–39
    static let colon: UInt8 = 6  // 3A
    static let semicolon: UInt8 = 7  // 3B
    static let privateMarker: UInt8 = 8  // 3C–3F  < = > ?
    static let final: UInt8 = 9  // 40–7E except the introducers below
    static let dcsIntroducer: UInt8 = 10  // 50 P
    static let stringIntroducer: UInt8 = 11  // 58 X, 5E ^, 5F _  (SOS, PM, APC)
    static let csiIntroducer: UInt8 = 12  // 5B [
    static let oscIntroducer: UInt8 = 13  // 5D ]
    static let delete: UInt8 = 14  // 7F
    static let high: UInt8 = 15  // 80–FF

    static let classCount = 16
    static let stay: UInt8 = 15

    static let byteClasses: [UInt8] = [
        // 0x00–0x0F: NUL…BEL (07) … SI
        0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
        // 0x10–0x1F: CAN (18), SUB (1A), ESC (1B)
        0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 3, 0, 0, 0, 0,
        // 0x20–0x2F: intermediates
        4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
        // 0x30–0x3F: digits, colon, semicolon, private markers
        5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 7, 8, 8, 8, 8,
        // 0x40–0x4F
        9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
        // 0x50–0x5F: P (DCS), X (SOS), [ (CSI), ] (OSC), ^ (PM), _ (APC)
        10, 9, 9, 9, 9, 9, 9, 9, 11, 9, 9, 12, 9, 13, 11, 11,
        // 0x60–0x6F
        9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
        // 0x70–0x7F: DEL (7F)
        9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 14,
        // 0x80–0xFF
        15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
        15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
        15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
        15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
        15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
        15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
        15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
        15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
    ]

    // Entry spellings: action (high nibble) and next state (low nibble).
    // Actions: 0 none 1 print 2 execute 3 collect 4 param 5 escDispatch
    //          6 csiDispatch 7 put 8 oscPut 9 ignore A utf8.
    // States:  0 ground 1 escape 2 escInt 3 csiEntry 4 csiParam 5 csiInt
    //          6 csiIgnore 7 dcsEntry 8 dcsParam 9 dcsInt A dcsPass B dcsIgnore
    //          C osc D sosPmApc F stay.
    // Every row has CAN/SUB = 0x20 (execute → ground) and ESC = 0x01 (→ escape),
    // Williams' "anywhere" transitions, except where noted.
    static let transitions: [UInt8] = [
        // ground
        //  C0    BEL   CAN   ESC   20-2F 0-9   :     ;     <=>?  final P     XA^_  [     ]     DEL   high
        0x2F, 0x2F, 0x20, 0x01, 0x1F, 0x1F, 0x1F, 0x1F, 0x1F, 0x1F, 0x1F, 0x1F, 0x1F, 0x1F, 0x9F, 0xAF,
        // escape: final bytes dispatch; P X ^ _ [ ] introduce strings and CSI
        0x2F, 0x2F, 0x20, 0x01, 0x32, 0x50, 0x50, 0x50, 0x50, 0x50, 0x07, 0x0D, 0x03, 0x0C, 0x9F, 0x9F,
        // escapeIntermediate
        0x2F, 0x2F, 0x20, 0x01, 0x3F, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x9F, 0x9F,
        // csiEntry
        0x2F, 0x2F, 0x20, 0x01, 0x35, 0x44, 0x44, 0x44, 0x34, 0x60, 0x60, 0x60, 0x60, 0x60, 0x9F, 0x9F,
        // csiParam: a private marker after a digit is malformed
        0x2F, 0x2F, 0x20, 0x01, 0x35, 0x4F, 0x4F, 0x4F, 0x06, 0x60, 0x60, 0x60, 0x60, 0x60, 0x9F, 0x9F,
        // csiIntermediate: a parameter byte after an intermediate is malformed
        0x2F, 0x2F, 0x20, 0x01, 0x3F, 0x06, 0x06, 0x06, 0x06, 0x60, 0x60, 0x60, 0x60, 0x60, 0x9F, 0x9F,
        // csiIgnore: swallow up to the final byte
        0x2F, 0x2F, 0x20, 0x01, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9F, 0x9F,
        // dcsEntry: controls are ignored inside DCS headers
        0x9F, 0x9F, 0x20, 0x01, 0x39, 0x48, 0x0B, 0x48, 0x38, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x9F, 0x9F,
        // dcsParam
        0x9F, 0x9F, 0x20, 0x01, 0x39, 0x4F, 0x0B, 0x4F, 0x0B, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x9F, 0x9F,
        // dcsIntermediate
        0x9F, 0x9F, 0x20, 0x01, 0x3F, 0x0B, 0x0B, 0x0B, 0x0B, 0x0A, 0x0A, 0x0A, 0x0A, 0x0A, 0x9F, 0x9F,
        // dcsPassthrough: data, including controls and UTF-8 bytes, until ST
        0x7F, 0x7F, 0x20, 0x01, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x9F, 0x7F,
        // dcsIgnore
        0x9F, 0x9F, 0x20, 0x01, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F,
        // oscString: BEL ends it (xterm); other controls are dropped; DEL and high bytes are data
        0x9F, 0x00, 0x20, 0x01, 0x8F, 0x8F, 0x8F, 0x8F, 0x8F, 0x8F, 0x8F, 0x8F, 0x8F, 0x8F, 0x8F, 0x8F,
        // sosPmApcString: everything is dropped until ST
        0x9F, 0x9F, 0x20, 0x01, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F, 0x9F,
    ]

    /// The packed transition for `byte` in `state`.
    @inline(__always)
    static func entry(_ state: VTParserState, _ byte: UInt8) -> UInt8 {
        transitions[Int(state.rawValue) &* classCount &+ Int(byteClasses[Int(byte)])]
    }
}
