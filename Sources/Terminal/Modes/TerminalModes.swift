/// Modes an application sets with SM/RM (`CSI Pm h/l`) and DECSET/DECRST
/// (`CSI ? Pm h/l`), and the keypad mode (DECKPAM/DECKPNM), as read by the
/// console: how to encode keys, paste and mouse events, and how to draw.
public struct TerminalModes: Equatable {
    /// DECCKM (?1): arrow keys send `ESC O A` rather than `ESC [ A`.
    public internal(set) var applicationCursorKeys = false
    /// DECKPAM (`ESC =`) / DECKPNM (`ESC >`): keypad sends application sequences.
    public internal(set) var applicationKeypad = false
    /// DECSCNM (?5): the whole screen is drawn in reverse video.
    public internal(set) var reverseVideo = false
    /// DECOM (?6): cursor addressing is relative to the scroll region.
    public internal(set) var originMode = false
    /// DECAWM (?7): printing past the last column wraps to the next line.
    public internal(set) var autowrap = true
    /// DECTCEM (?25).
    public internal(set) var cursorVisible = true
    /// ?47, ?1047, ?1049: the alternate screen is shown.
    public internal(set) var alternateScreen = false
    /// ?2004: pasted text should be wrapped in `ESC [ 200 ~` … `ESC [ 201 ~`.
    public internal(set) var bracketedPaste = false
    /// IRM (4): printing inserts, shifting the rest of the line right.
    public internal(set) var insertMode = false
    /// LNM (20): LF, VT and FF also return the carriage; Return should send CR LF.
    public internal(set) var newLineMode = false
    /// Mouse reporting the application asked for (?9, ?1000, ?1002, ?1003).
    public internal(set) var mouseTracking: MouseTracking = .off
    /// ?1006: mouse reports use the SGR encoding.
    public internal(set) var sgrMouseEncoding = false
    /// ?1004: focus in/out should be reported.
    public internal(set) var focusEvents = false

    public init() {}

    /// Which mouse events an application wants reported.
    public enum MouseTracking: Equatable {
        case off
        /// ?9: button presses only.
        case x10
        /// ?1000: presses and releases.
        case normal
        /// ?1002: also motion while a button is held.
        case buttonEvent
        /// ?1003: all motion.
        case anyEvent
    }
}
