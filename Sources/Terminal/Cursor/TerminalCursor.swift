/// The cursor as a renderer needs it.
public struct TerminalCursor: Equatable {
    /// 0-based row on the screen (not counting the scrollback).
    public var row: Int
    /// 0-based column; always inside the grid, even while a wrap is pending.
    public var column: Int
    /// The next printable character will first wrap to the next line.
    public var pendingWrap: Bool
    /// DECTCEM (`CSI ? 25 h/l`).
    public var isVisible: Bool
    /// DECSCUSR.
    public var shape: CursorShape
    /// DECSCUSR odd values or `CSI ? 12 h`.
    public var isBlinking: Bool

    public init(row: Int, column: Int, pendingWrap: Bool, isVisible: Bool, shape: CursorShape, isBlinking: Bool) {
        self.row = row
        self.column = column
        self.pendingWrap = pendingWrap
        self.isVisible = isVisible
        self.shape = shape
        self.isBlinking = isBlinking
    }
}
