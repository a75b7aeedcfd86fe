/// What DECSC (`ESC 7`, `CSI s`, `CSI ? 1048 h`, `CSI ? 1049 h`) saves and DECRC
/// restores: position and wrap flag, rendition, character sets and origin mode,
/// as xterm does.
struct SavedCursor {
    var position: CursorPosition
    var pen: Cell
    var charsets: CharsetState
    var originMode: Bool
}
