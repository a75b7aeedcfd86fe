/// An xterm-compatible terminal: feed it the bytes an application writes, and
/// it keeps the screen a viewer should see, plus what a renderer needs to redraw
/// only what changed.
///
/// The screen is a grid of `Cell`s with a cursor, scroll region, tab stops,
/// character sets and modes; lines scrolled off the top of the main screen go to
/// a bounded scrollback; the alternate screen (`CSI ? 1049 h`) has none. Replies
/// the application asked for (cursor position, device attributes, colour
/// queries) collect in a buffer the host sends back with `takeResponses()`.
///
/// It is a `VTPerformer`: its own `VTParser` drives it from `feed`, and a host
/// may also call the performer methods directly. (Internally the parser drives
/// the value-typed `TerminalCore` this class wraps; see there for why.)
///
/// Bad input never traps: every parameter is clamped, every index checked.
/// Coordinates are 0-based (row, column) from the top left of the screen;
/// escape sequences use 1-based ones.
public final class Terminal: VTPerformer {
    public static let minimumColumns = TerminalCore.minimumColumns
    public static let maximumColumns = TerminalCore.maximumColumns
    public static let minimumRows = TerminalCore.minimumRows
    public static let maximumRows = TerminalCore.maximumRows
    /// Most bytes of UTF-8 a title keeps.
    public static let maximumTitleLength = TerminalCore.maximumTitleLength

    var parser = VTParser()
    var core: TerminalCore

    /// A blank terminal of `columns` × `rows` (clamped to the limits above)
    /// keeping up to `scrollbackLines` lines of history.
    public init(columns: Int = 80, rows: Int = 24, scrollbackLines: Int = 10_000) {
        core = TerminalCore(columns: columns, rows: rows, scrollbackLines: scrollbackLines)
    }

    // MARK: Input

    /// Processes bytes from the application. New output snaps a scrolled-back
    /// view to the bottom, as xterm's `scrollTtyOutput` does.
    public func feed(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard !bytes.isEmpty else { return }
        if core.viewOffset != 0 { core.resetView() }
        parser.feed(&core, bytes: bytes)
    }

    public func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { feed($0) }
    }

    /// Feeds the UTF-8 bytes of `text` (handy for tests and local echo).
    public func feed(_ text: String) {
        var text = text
        text.withUTF8 { feed($0) }
    }

    // MARK: VTPerformer (for hosts that run their own parser)

    public func print(_ scalar: UInt32) { core.print(scalar) }
    public func printASCII(_ run: UnsafeBufferPointer<UInt8>) { core.printASCII(run) }
    public func execute(_ byte: UInt8) { core.execute(byte) }
    public func csiDispatch(_ parameters: VTParameterView, intermediates: VTIntermediates, ignoring: Bool, final: UInt8) {
        core.csiDispatch(parameters, intermediates: intermediates, ignoring: ignoring, final: final)
    }
    public func escDispatch(intermediates: VTIntermediates, ignoring: Bool, final: UInt8) {
        core.escDispatch(intermediates: intermediates, ignoring: ignoring, final: final)
    }
    public func oscDispatch(_ payload: VTOSCPayload, bellTerminated: Bool) {
        core.oscDispatch(payload, bellTerminated: bellTerminated)
    }

    // MARK: Output to the host

    /// Bytes to send back to the application (CPR, DA, OSC replies), oldest
    /// first; the buffer is emptied.
    public func takeResponses() -> [UInt8] { core.takeResponses() }

    /// What changed since the previous call; see `TerminalDamage` for how to
    /// apply it. The first call after creation reports a full redraw.
    public func takeDamage() -> TerminalDamage { core.takeDamage() }

    // MARK: Control from the host

    /// Resizes the grid (clamped to the limits above).
    ///
    /// The main screen and its scrollback are reflowed: lines that autowrap
    /// joined are rejoined and wrapped again at the new width, so text keeps its
    /// shape, and the cursor stays on the same character. When fewer rows fit,
    /// lines from the top go into the scrollback; when more fit, lines come back
    /// from it. The alternate screen is only cut or extended (full-screen
    /// applications redraw on SIGWINCH anyway); the cursor 1049 saved for the
    /// main screen follows the reflow. Margins reset to the full screen; tab
    /// stops are kept, with default ones in new columns. Everything is redrawn.
    public func resize(columns: Int, rows: Int) { core.resize(columns: columns, rows: rows) }

    /// Moves the view `lines` lines back into history (negative: towards the
    /// bottom), clamped to what the scrollback holds; no effect on the
    /// alternate screen, which has no history.
    public func scrollView(by lines: Int) { core.scrollView(by: lines) }

    /// Returns the view to the bottom (the live screen).
    public func resetView() { core.resetView() }

    /// ONLCR: a line feed in the output also returns the carriage (a tty's
    /// output processing; escape sequences do not change it).
    public var lineFeedReturnsCarriage: Bool {
        get { core.lineFeedReturnsCarriage }
        set { core.lineFeedReturnsCarriage = newValue }
    }

    /// Back to the state RIS leaves (screen cleared, modes default; scrollback,
    /// title and palette kept), for a console's "reset" command.
    public func reset() {
        parser.reset()
        core.fullReset()
    }

    // MARK: State for viewers

    public var columns: Int { core.columns }
    public var rows: Int { core.rows }

    /// The cursor on the active screen. Its row counts from the top of the live
    /// screen: while the view is scrolled back, draw it `viewOffset` rows lower
    /// (off the window when that reaches `rows`).
    public var cursorState: TerminalCursor { core.cursorState }

    public var modes: TerminalModes { core.modes }

    /// The scroll region (DECSTBM) as inclusive rows.
    public var scrollRegion: ClosedRange<Int> { core.scrollTop ... core.scrollBottom }

    /// The active screen's cell at (`row`, `column`), ignoring the view offset;
    /// a blank cell outside the grid.
    public func cell(row: Int, column: Int) -> Cell { core.cell(row: row, column: column) }

    /// True when autowrap continued row `row` of the active screen onto the next.
    public func isRowWrapped(_ row: Int) -> Bool {
        guard row >= 0 && row < core.rows else { return false }
        return core.screen[row].isWrapped
    }

    /// How many lines the view is scrolled back (0: showing the live screen).
    public var viewOffset: Int { core.viewOffset }

    /// What a viewer sees at (`row`, `column`): with the view scrolled back by
    /// `viewOffset` lines, the top rows show scrollback lines and the rest the
    /// top of the screen. A blank cell outside the grid or past the end of a
    /// trimmed scrollback line.
    public func visibleCell(row: Int, column: Int) -> Cell { core.visibleCell(row: row, column: column) }

    /// The cells of visible row `row` (what `visibleCell` gives for each column)
    /// into `cells`, which becomes `columns` long; blank outside the grid and
    /// past the end of a trimmed scrollback line. A renderer reads a row with
    /// one call and one copy, not a call per cell.
    public func visibleRow(_ row: Int, into cells: inout [Cell]) {
        let columns = core.columns
        if cells.count != columns { cells = [Cell](repeating: .blank, count: columns) }
        let line: Line
        if row < 0 || row >= core.rows {
            line = Line(cells: [])
        } else if row < core.viewOffset {
            line = core.scrollback[core.scrollback.count - core.viewOffset + row]
        } else {
            line = core.screen[row - core.viewOffset]
        }
        let copied = min(line.cells.count, columns)
        cells.withUnsafeMutableBufferPointer { destination in
            line.cells.withUnsafeBufferPointer { destination.copy(from: $0) }
            if copied < columns { UnsafeMutableBufferPointer(rebasing: destination[copied...]).fill(with: .blank) }
        }
    }

    /// True when the visible row `row` continues on the next (see `visibleCell`).
    public func isVisibleRowWrapped(_ row: Int) -> Bool { core.isVisibleRowWrapped(row) }

    /// Number of lines in the scrollback.
    public var scrollbackCount: Int { core.scrollback.count }

    /// Most lines the scrollback keeps.
    public var scrollbackCapacity: Int { core.scrollback.capacity }

    /// Scrollback line `index`, 0 being the oldest, as cells (trailing blanks
    /// may be trimmed: shorter than `columns`).
    public func scrollbackLine(_ index: Int) -> [Cell] {
        guard index >= 0 && index < core.scrollback.count else { return [] }
        return core.scrollback[index].cells
    }

    /// True when autowrap continued scrollback line `index` onto the next line.
    public func isScrollbackLineWrapped(_ index: Int) -> Bool {
        guard index >= 0 && index < core.scrollback.count else { return false }
        return core.scrollback[index].isWrapped
    }

    /// The window title (OSC 0 / 2), at most `maximumTitleLength` bytes.
    public var title: String { String(decoding: core.titleBytes, as: UTF8.self) }

    /// OSC 0/2 set the title since the last `takeDamage()`.
    public var titleChanged: Bool { core.titleChanged }

    /// BELs received so far; a console compares it with the count it last saw.
    public var bellCount: Int { core.bellCount }

    /// The 256-colour palette (0xRRGGBB): xterm's defaults until OSC 4 changes it.
    public var palette: [UInt32] { core.palette }

    /// Colours `.default` cells resolve to (OSC 10 / 11).
    public var defaultForeground: UInt32 { core.defaultForeground }
    public var defaultBackground: UInt32 { core.defaultBackground }
}
