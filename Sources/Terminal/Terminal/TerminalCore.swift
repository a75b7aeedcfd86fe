/// Everything a `Terminal` is, as a value: screens, cursor, modes, scrollback,
/// palette, pending replies and damage, plus the code that acts on parsed input
/// (the `TerminalCore+…` extensions).
///
/// Why a struct inside a class: every access to a class's stored property is
/// checked for exclusivity at run time on the host (`swift_beginAccess`), and
/// printing one character touches a dozen of them: that cost 80 % of the
/// throughput. A struct's accesses are checked at compile time. So the parser
/// drives this struct directly (`Terminal.feed` holds one access to it for the
/// whole buffer), and `Terminal` forwards its API to it.
struct TerminalCore: VTPerformer {
    static let minimumColumns = 2  // a wide character needs two columns
    static let maximumColumns = 2048  // bounds memory
    static let minimumRows = 1
    static let maximumRows = 1024
    static let maximumTitleLength = 256

    var columns: Int
    var rows: Int

    /// The screen being shown and written (main or alternate; see `modes.alternateScreen`).
    var screen: ScreenBuffer
    /// The other screen, kept while the active one is shown.
    var inactiveScreen: ScreenBuffer
    /// Lines that scrolled off the top of the main screen.
    var scrollback: Scrollback

    var cursor = CursorPosition()
    var cursorShape: CursorShape = .block
    var cursorBlinking = true
    /// Rendition and colours for the next printed character (SGR), as a cell template.
    var pen = Cell.blank
    var charsets = CharsetState()
    /// Scroll region, inclusive rows (DECSTBM).
    var scrollTop = 0
    var scrollBottom: Int
    var tabStops: TabStops
    var modes = TerminalModes()
    /// The tty's output processing (ONLCR), set by whoever owns the terminal,
    /// not by escape sequences: LF also returns the carriage. Done here, so
    /// output reaches the parser as written, with no copy to add CRs.
    var lineFeedReturnsCarriage = false

    /// The last graphic character printed, for REP; nil after anything else.
    var lastPrinted: UInt32?
    /// Where the last graphic character was written (its first cell): combining
    /// marks attach there, like xterm's last_written_row/col. With autowrap off
    /// the cursor stays on that cell at the last column, so "the cell before the
    /// cursor" would be wrong.
    var lastWritten: (row: Int, column: Int)? = nil

    /// Replies for the application, oldest first.
    var responses: [UInt8] = []
    var damage: DamageAccumulator
    /// The cursor as the last `takeDamage()` reported it.
    var reportedCursor: TerminalCursor?

    /// Lines the view is scrolled back into the scrollback (0: at the bottom).
    var viewOffset = 0

    var titleBytes: [UInt8] = []
    var titleChanged = false
    var bellCount = 0

    var palette: [UInt32] = XtermPalette.colors
    var defaultForeground = XtermPalette.defaultForeground
    var defaultBackground = XtermPalette.defaultBackground

    init(columns: Int, rows: Int, scrollbackLines: Int) {
        let columns = TerminalCore.clampColumns(columns)
        let rows = TerminalCore.clampRows(rows)
        self.columns = columns
        self.rows = rows
        screen = ScreenBuffer(columns: columns, rows: rows)
        inactiveScreen = ScreenBuffer(columns: columns, rows: rows)
        scrollback = Scrollback(capacity: scrollbackLines)
        scrollBottom = rows - 1
        tabStops = TabStops(columns: columns)
        damage = DamageAccumulator(rows: rows, columns: columns)
    }

    static func clampColumns(_ columns: Int) -> Int {
        min(max(columns, minimumColumns), maximumColumns)
    }

    static func clampRows(_ rows: Int) -> Int {
        min(max(rows, minimumRows), maximumRows)
    }

    var cursorState: TerminalCursor {
        TerminalCursor(row: cursor.row, column: cursor.column, pendingWrap: cursor.pendingWrap,
                       isVisible: modes.cursorVisible, shape: cursorShape, isBlinking: cursorBlinking)
    }

    mutating func takeResponses() -> [UInt8] {
        let taken = responses
        responses.removeAll()
        return taken
    }

    mutating func takeDamage() -> TerminalDamage {
        let current = cursorState
        var cursorMoved = true
        if let previous = reportedCursor {
            cursorMoved = previous != current || damage.scrolledLines > 0
            if cursorMoved && !damage.fullRedraw {
                // Erase the old cursor (where the scroll moved it) and draw the new
                // one; a column either side covers a cursor on a wide character.
                let oldRow = previous.row - damage.scrolledLines
                if oldRow >= 0 { damage.mark(row: oldRow, from: previous.column - 1, to: previous.column + 2) }
                damage.mark(row: current.row, from: current.column - 1, to: current.column + 2)
            }
        }
        reportedCursor = current
        let changed = titleChanged
        titleChanged = false
        return damage.take(cursorMoved: cursorMoved, titleChanged: changed)
    }

    func cell(row: Int, column: Int) -> Cell {
        guard row >= 0 && row < rows && column >= 0 && column < columns else { return .blank }
        return screen[row].cells[column]
    }
}
