/// A key as the line editor sees it, decoded from the terminal's bytes.
enum EditorKey: Equatable {
    /// A printable character (never a control character).
    case text(Unicode.Scalar)
    /// A C0 control not listed below, by its code (Ctrl-A is 0x01 … Ctrl-Z 0x1A).
    case control(UInt8)
    case enter
    case backspace
    case tab
    case delete
    case left
    case right
    case up
    case down
    case home
    case end
    /// Ctrl/Alt-Left, Alt-B.
    case wordLeft
    /// Ctrl/Alt-Right, Alt-F.
    case wordRight
    /// Alt-Backspace.
    case killWordBackward
    /// Alt-D, Ctrl-Delete.
    case killWordForward
    /// `ESC [ 200 ~` and `ESC [ 201 ~`: bracketed paste.
    case pasteBegin
    case pasteEnd
    /// A whole escape sequence the editor has no use for.
    case ignored
}
