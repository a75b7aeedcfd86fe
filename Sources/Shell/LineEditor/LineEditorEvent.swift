/// What a byte fed to the `LineEditor` amounted to.
public enum LineEditorEvent: Equatable {
    /// Nothing the caller must act on (the line may have changed on screen).
    case none
    /// Enter: the line, now finished. The editor is on a fresh, empty line and
    /// prints no prompt until `startLine` is called, so that the command's
    /// output comes first.
    case submitted(String)
    /// Ctrl-C at the prompt: the editor printed `^C` and a fresh prompt.
    case cancelled
    /// Ctrl-D on an empty line.
    case endOfInput
    /// Ctrl-L: the editor cleared the screen and redrew the prompt and line.
    case clearScreen
}
