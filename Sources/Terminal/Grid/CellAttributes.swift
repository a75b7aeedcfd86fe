/// SGR rendition flags of a cell. One byte, so `Cell` can pack them beside the
/// scalar.
public struct CellAttributes: OptionSet, Equatable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = CellAttributes(rawValue: 1 << 0)  // SGR 1
    public static let faint = CellAttributes(rawValue: 1 << 1)  // SGR 2
    public static let italic = CellAttributes(rawValue: 1 << 2)  // SGR 3
    public static let underline = CellAttributes(rawValue: 1 << 3)  // SGR 4, 21 (double), 4:x
    public static let blink = CellAttributes(rawValue: 1 << 4)  // SGR 5, 6
    public static let inverse = CellAttributes(rawValue: 1 << 5)  // SGR 7
    public static let hidden = CellAttributes(rawValue: 1 << 6)  // SGR 8
    public static let strike = CellAttributes(rawValue: 1 << 7)  // SGR 9
}
