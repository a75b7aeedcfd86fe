/// How the cursor is drawn, set by DECSCUSR (`CSI Ps SP q`).
public enum CursorShape: Equatable {
    case block
    case underline
    case bar
}
