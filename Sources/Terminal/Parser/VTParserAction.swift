/// The actions of Paul Williams' DEC ANSI parser, plus `utf8` for the bytes
/// ground state hands to the UTF-8 decoder.
///
/// Raw values fit in 4 bits (see `VTTransitionTable`). `clear`, `hook`,
/// `unhook`, `oscStart` and `oscEnd` only ever happen as entry or exit actions of
/// a state (`VTParserState.entryAction`/`exitAction`), never from a table cell.
public enum VTParserAction: UInt8, Equatable {
    case none = 0
    /// Show a graphic character (ground state).
    case print = 1
    /// Run a C0 control (BEL, BS, HT, LF, …).
    case execute = 2
    /// Remember an intermediate or private-marker byte (0x20–0x2F, 0x3C–0x3F).
    case collect = 3
    /// Accumulate a parameter digit or separator (0–9, `;`, `:`).
    case param = 4
    case escDispatch = 5
    case csiDispatch = 6
    /// Pass a byte of a device control string to the hooked handler.
    case put = 7
    /// Append a byte to the OSC buffer.
    case oscPut = 8
    /// Drop the byte on purpose (as opposed to `none`, nothing to do).
    case ignore = 9
    /// Feed a byte ≥ 0x80 to the UTF-8 decoder (ground state; xterm's UTF-8 mode,
    /// where 8-bit C1 controls are not recognised).
    case utf8 = 10
    case clear = 11
    case hook = 12
    case unhook = 13
    case oscStart = 14
    case oscEnd = 15
}
