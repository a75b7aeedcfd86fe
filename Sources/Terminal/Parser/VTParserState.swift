/// The states of Paul Williams' DEC ANSI parser (https://vt100.net/emu/dec_ansi_parser).
///
/// Raw values index the rows of `VTTransitionTable`; they fit in 4 bits so a
/// table entry can hold a state and an action in one byte.
public enum VTParserState: UInt8, Equatable {
    case ground = 0
    case escape = 1
    case escapeIntermediate = 2
    case csiEntry = 3
    case csiParam = 4
    case csiIntermediate = 5
    case csiIgnore = 6
    case dcsEntry = 7
    case dcsParam = 8
    case dcsIntermediate = 9
    case dcsPassthrough = 10
    case dcsIgnore = 11
    case oscString = 12
    case sosPmApcString = 13

    static let count = 14

    /// What happens on entering the state, whatever the transition (Williams'
    /// "entry" events): the sequence buffers are cleared, an OSC buffer started,
    /// or a DCS handler hooked.
    var entryAction: VTParserAction {
        switch self {
        case .escape, .csiEntry, .dcsEntry: return .clear
        case .oscString: return .oscStart
        case .dcsPassthrough: return .hook
        default: return .none
        }
    }

    /// What happens on leaving the state ("exit" events).
    var exitAction: VTParserAction {
        switch self {
        case .oscString: return .oscEnd
        case .dcsPassthrough: return .unhook
        default: return .none
        }
    }
}
