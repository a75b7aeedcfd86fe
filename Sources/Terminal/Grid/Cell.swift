/// One character cell of the grid: a scalar, its width, up to two combining
/// marks, rendition flags and colours.
///
/// Stored in five 32-bit words (20 bytes), because screens and a 10,000-line
/// scrollback hold a great many of them:
/// - word 0: scalar (bits 0–20), width (21–22), wrap-padding flag (23),
///   attributes (24–31);
/// - words 1–2: combining marks, 0 when absent;
/// - words 3–4: foreground and background in `TerminalColor.packed` form.
///
/// Width is 1 for an ordinary character, 2 for the left half of a wide one, and 0
/// for the right half of a wide one (scalar 0, same colours as the left half: the
/// renderer draws the glyph from the left half across both cells).
public struct Cell: Equatable {
    private var word: UInt32
    private var mark0: UInt32 = 0
    private var mark1: UInt32 = 0
    private var foregroundBits: UInt32
    private var backgroundBits: UInt32

    private static let scalarMask: UInt32 = 0x1F_FFFF
    private static let widthShift: UInt32 = 21
    private static let widthMask: UInt32 = 0x3 << 21
    private static let paddingFlag: UInt32 = 1 << 23
    private static let attributeShift: UInt32 = 24

    public static let maximumCombiningMarks = 2

    /// A space with default colours and no attributes: what erasing produces when
    /// the background is the default.
    public static let blank = Cell()

    public init(scalar: UInt32 = 0x20, width: Int = 1, attributes: CellAttributes = [],
                foreground: TerminalColor = .default, background: TerminalColor = .default) {
        word = (scalar & Cell.scalarMask)
            | (UInt32(truncatingIfNeeded: min(max(width, 0), 2)) << Cell.widthShift)
            | (UInt32(attributes.rawValue) << Cell.attributeShift)
        foregroundBits = foreground.packed
        backgroundBits = background.packed
    }

    /// The base character (U+0020 for blank cells, 0 for the right half of a wide one).
    public var scalar: UInt32 {
        get { word & Cell.scalarMask }
        set { word = (word & ~Cell.scalarMask) | (newValue & Cell.scalarMask) }
    }

    /// 0 (right half of a wide character), 1 or 2 (left half of a wide character).
    public var width: Int {
        get { Int((word & Cell.widthMask) >> Cell.widthShift) }
        set {
            let clamped = UInt32(truncatingIfNeeded: min(max(newValue, 0), 2))
            word = (word & ~Cell.widthMask) | (clamped << Cell.widthShift)
        }
    }

    public var attributes: CellAttributes {
        get { CellAttributes(rawValue: UInt8(truncatingIfNeeded: word >> Cell.attributeShift)) }
        set { word = (word & 0x00FF_FFFF) | (UInt32(newValue.rawValue) << Cell.attributeShift) }
    }

    public var foreground: TerminalColor {
        get { TerminalColor(packed: foregroundBits) }
        set { foregroundBits = newValue.packed }
    }

    public var background: TerminalColor {
        get { TerminalColor(packed: backgroundBits) }
        set { backgroundBits = newValue.packed }
    }

    /// The colours in `TerminalColor.packed` form, for SGR, which builds them
    /// that way rather than through the enum.
    var packedForeground: UInt32 {
        get { foregroundBits }
        set { foregroundBits = newValue }
    }
    var packedBackground: UInt32 {
        get { backgroundBits }
        set { backgroundBits = newValue }
    }

    /// True for the right half of a wide character.
    public var isWideContinuation: Bool { word & Cell.widthMask == 0 }

    /// Number of combining marks drawn on this cell's character (0…2).
    public var combiningMarkCount: Int {
        mark0 == 0 ? 0 : (mark1 == 0 ? 1 : 2)
    }

    /// Combining mark `index` (0 or 1), or 0 when absent.
    public func combiningMark(_ index: Int) -> UInt32 {
        switch index {
        case 0: return mark0
        case 1: return mark1
        default: return 0
        }
    }

    /// Adds a combining mark; false when two are already attached (the mark is
    /// dropped: a bound keeps cells fixed-size).
    @discardableResult
    public mutating func addCombiningMark(_ mark: UInt32) -> Bool {
        if mark0 == 0 {
            mark0 = mark
            return true
        }
        if mark1 == 0 {
            mark1 = mark
            return true
        }
        return false
    }

    /// A space with no marks, no attributes and the default background: it looks
    /// like nothing (its foreground colour cannot show), so a line may lose such
    /// cells at its end when trimmed for the scrollback or when reflowed.
    public var isBlank: Bool {
        word & ~Cell.paddingFlag == (0x20 | (1 << Cell.widthShift)) && mark0 == 0 && backgroundBits == 0
    }

    /// The space left in the last column when a wide character did not fit and
    /// autowrap moved it to the next line. To a viewer it is an ordinary blank;
    /// reflow, and a console copying a selection, drop it when rejoining the lines.
    public internal(set) var isWrapPadding: Bool {
        get { word & Cell.paddingFlag != 0 }
        set { word = newValue ? (word | Cell.paddingFlag) : (word & ~Cell.paddingFlag) }
    }

    /// Cells are equal when they look the same: the wrap-padding flag, which only
    /// matters to reflow, is not compared.
    public static func == (lhs: Cell, rhs: Cell) -> Bool {
        lhs.word & ~paddingFlag == rhs.word & ~paddingFlag && lhs.mark0 == rhs.mark0 && lhs.mark1 == rhs.mark1
            && lhs.foregroundBits == rhs.foregroundBits && lhs.backgroundBits == rhs.backgroundBits
    }

    /// This cell as erasing leaves it: a blank with only the background kept
    /// (xterm's background colour erase).
    var erased: Cell {
        Cell(background: background)
    }
}

extension UnsafeMutableBufferPointer where Element == Cell {
    /// Copies `source` over the first of these cells (as many as fit) in one
    /// memcpy: Cell is plain data, and a copy cell by cell was a tenth of
    /// `cat`'s time on the console.
    func copy(from source: UnsafeBufferPointer<Cell>) {
        let count = Swift.min(self.count, source.count)
        guard count > 0, let destination = baseAddress, let origin = source.baseAddress else { return }
        UnsafeMutableRawPointer(destination).copyMemory(from: origin, byteCount: count * MemoryLayout<Cell>.stride)
    }

    /// Sets every cell to `cell`: one store, then copies that double the filled
    /// part each time. Cells are 20 bytes, so a plain loop is five 32-bit stores
    /// per cell; memcpy moves 16 bytes or more per store. Blanking a line is the
    /// bulk of scrolling, which is the bulk of `cat` on the console.
    func fill(with cell: Cell) {
        guard let base = baseAddress, count > 0 else { return }
        base.initialize(to: cell)
        var filled = 1
        let stride = MemoryLayout<Cell>.stride
        let raw = UnsafeMutableRawPointer(base)
        while filled < count {
            let chunk = Swift.min(filled, count - filled)
            (raw + filled * stride).copyMemory(from: raw, byteCount: chunk * stride)
            filled += chunk
        }
    }
}
