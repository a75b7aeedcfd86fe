import Graphics
import Terminal
import Text

/// The virtual consoles on one screen: a terminal per tty, one shown at a time,
/// drawn by a `TerminalRenderer` from the terminal's damage once per frame, and
/// a status bar on the bottom row (console number, title, clock; it flashes
/// for the bell). The policy lives here, free of devices: the kernel's glue
/// asks for frames, gives the time and draws into the surface this returns to.
public final class VirtualConsoles {
    /// What the consoles need from the machine around them.
    public struct Hooks {
        /// Something on screen changed: a frame should be drawn soon (any thread).
        public var requestFrame: () -> Void
        /// Monotonic time in nanoseconds.
        public var now: () -> UInt64
        /// The status bar's clock ("14:03:07 UTC").
        public var clockText: () -> String
        /// Runs `action` after `milliseconds` (the end of the bell's flash).
        public var after: (_ milliseconds: UInt64, _ action: @escaping () -> Void) -> Void

        public init(requestFrame: @escaping () -> Void, now: @escaping () -> UInt64,
                    clockText: @escaping () -> String,
                    after: @escaping (_ milliseconds: UInt64, _ action: @escaping () -> Void) -> Void) {
            self.requestFrame = requestFrame
            self.now = now
            self.clockText = clockText
            self.after = after
        }
    }

    public static let statusForeground = Color(xrgb: 0x00e5_e9f0)
    public static let statusBackground = Color(xrgb: 0x0030_5080)
    public static let bellBackground = Color(xrgb: 0x00c0_6020)
    public static let bellNanoseconds: UInt64 = 150_000_000
    /// The cursor stops blinking (and stays on) this long after the last output,
    /// typing, or pointer use, as GTK's cursor-blink-timeout does: an idle
    /// console draws nothing but its clock.
    public static let blinkTimeoutNanoseconds: UInt64 = 10_000_000_000

    public let ttys: [Tty]
    public let terminals: [Terminal]
    public let renderer: TerminalRenderer
    public private(set) var active = 0
    public private(set) var selection = ConsoleSelection()
    /// The status bar's default title ("Lumen 0.1.0").
    public let name: String
    let hooks: Hooks

    private var forceRedraw = true
    private var statusDirty = true
    private var bellsSeen: [Int]
    private var drawnTitle = ""
    private var drawnClock = ""
    private var bellUntil: UInt64 = 0
    private var lastActivity: UInt64
    /// Output reached the active console since `lastActivity` was taken.
    private var outputSinceActivity = false
    private var gridColumns: Int
    private var gridRows: Int

    /// Consoles for `ttys` on a screen of `screenSize`; each tty gets a
    /// terminal of the grid that fits, less the status bar's row.
    public init(ttys: [Tty], renderer: TerminalRenderer, screenSize: Size, name: String,
                scrollbackLines: Int = 10_000, hooks: Hooks) {
        self.ttys = ttys
        self.renderer = renderer
        self.name = name
        self.hooks = hooks
        lastActivity = hooks.now()
        let grid = VirtualConsoles.gridSize(renderer: renderer, screenSize: screenSize)
        gridColumns = grid.columns
        gridRows = grid.rows
        terminals = ttys.map { _ in Terminal(columns: grid.columns, rows: grid.rows, scrollbackLines: scrollbackLines) }
        bellsSeen = Array(repeating: 0, count: ttys.count)
        for (index, tty) in ttys.enumerated() {
            tty.attach(terminals[index])
            tty.outputChanged = {
                guard self.active == index else { return }
                // The clock is read when the blink asks, not on every write:
                // under TCG each read is a trip out of the translated code.
                self.outputSinceActivity = true
                hooks.requestFrame()
            }
        }
    }

    /// Columns and rows for the terminals: the grid that fits, less the status bar's row.
    static func gridSize(renderer: TerminalRenderer, screenSize: Size) -> (columns: Int, rows: Int) {
        let grid = renderer.gridSize(for: screenSize)
        return (grid.columns, max(grid.rows - 1, 1))
    }

    public var activeTerminal: Terminal { terminals[active] }

    // MARK: - Frames

    /// Draws what changed on the active console and the status bar into
    /// `surface`, adding what it touched to `damage`.
    public func render(on surface: Surface, damage: inout DamageTracker) {
        let terminal = terminals[active]
        let force = forceRedraw
        forceRedraw = false
        renderer.render(terminal, on: surface, damage: &damage, force: force)
        if force {
            // The margins right of the grid, cleared once.
            let used = renderer.rowsRect(0..<terminal.rows, columns: terminal.columns)
            let margin = Rect(x: used.maxX, y: 0, width: surface.width - used.maxX, height: surface.height)
            surface.fill(margin, color: Color(xrgb: terminal.defaultBackground))
            damage.add(margin)
            statusDirty = true
        }
        if terminal.title != drawnTitle { statusDirty = true }
        if terminal.bellCount != bellsSeen[active] {
            // The visual bell: the status bar flashes for a moment.
            bellsSeen[active] = terminal.bellCount
            bellUntil = hooks.now() &+ VirtualConsoles.bellNanoseconds
            statusDirty = true
            hooks.after(VirtualConsoles.bellNanoseconds / 1_000_000 + 10) {
                self.statusDirty = true
                self.hooks.requestFrame()
            }
        }
        if statusDirty { drawStatusBar(on: surface, damage: &damage) }
    }

    /// Everything is drawn again at the next frame (after the screen was
    /// reallocated, or something else drew over it).
    public func redrawAll() {
        forceRedraw = true
        statusDirty = true
        hooks.requestFrame()
    }

    func drawStatusBar(on surface: Surface, damage: inout DamageTracker) {
        statusDirty = false
        let terminal = terminals[active]
        let background = hooks.now() < bellUntil ? VirtualConsoles.bellBackground : VirtualConsoles.statusBackground
        let row = terminal.rows
        let top = renderer.rowsRect(row..<(row + 1), columns: terminal.columns).y
        let bar = Rect(x: 0, y: top, width: surface.width, height: max(0, surface.height - top))
        surface.fill(bar, color: background)
        drawnTitle = terminal.title
        let title = terminal.title.isEmpty ? name : terminal.title
        let painter = renderer.painter
        painter.drawText(" [\(active + 1)] " + title, column: 0, row: row, foreground: VirtualConsoles.statusForeground,
                         background: background, on: surface)
        let clock = hooks.clockText()
        drawnClock = clock
        painter.drawText(clock + " ", column: max(0, terminal.columns - clock.utf8.count - 1), row: row,
                         foreground: VirtualConsoles.statusForeground, background: background, on: surface)
        damage.add(bar)
    }

    /// The status bar's clock: a frame when the text it shows changed.
    public func tickClock() {
        guard hooks.clockText() != drawnClock else { return }
        statusDirty = true
        hooks.requestFrame()
    }

    /// Whether a blinking cursor is on screen (shown, the view at the live
    /// screen, and something happened within the blink timeout): only then is
    /// there a reason to blink.
    public var cursorBlinks: Bool {
        if outputSinceActivity { noteActivity() }
        let terminal = terminals[active]
        return terminal.cursorState.isVisible && terminal.viewOffset == 0
            && hooks.now() &- lastActivity < VirtualConsoles.blinkTimeoutNanoseconds
    }

    /// Typing, the pointer, a switch: the cursor blinks again.
    public func noteActivity() {
        outputSinceActivity = false
        lastActivity = hooks.now()
    }

    /// Called by the blink timer: turns the phase while the cursor blinks, and
    /// leaves it on once blinking stopped. Returns whether it still blinks.
    @discardableResult
    public func blinkTick() -> Bool {
        let blinks = cursorBlinks
        if blinks || !renderer.cursorBlinkOn { blink() }
        return blinks
    }

    /// The cursor's blink phase turns.
    public func blink() {
        renderer.cursorBlinkOn.toggle()
        hooks.requestFrame()
    }

    // MARK: - Switching, fonts, size, scrollback

    public var count: Int { ttys.count }

    /// Shows console `index` (0-based); false if there is none such.
    @discardableResult
    public func switchTo(_ index: Int) -> Bool {
        guard index >= 0, index < ttys.count else { return false }
        guard index != active else { return true }
        clearSelection()
        active = index
        noteActivity()
        redrawAll()
        return true
    }

    /// Changes the font size; every console reflows to the new grid. False
    /// when the size is out of range or the font cannot be set to it.
    public func setFontSize(_ size: Int, screenSize: Size) -> Bool {
        guard size >= 6, size <= 96 else { return false }
        clearSelection()
        do throws(FontError) { try renderer.cache.setPixelSize(size) } catch { return false }
        renderer.fontChanged()
        resize(to: screenSize)
        return true
    }

    public var fontSize: Int { renderer.cache.pixelSize }

    /// The screen changed size: every console reflows.
    public func resize(to screenSize: Size) {
        let grid = VirtualConsoles.gridSize(renderer: renderer, screenSize: screenSize)
        gridColumns = grid.columns
        gridRows = grid.rows
        for terminal in terminals { terminal.resize(columns: grid.columns, rows: grid.rows) }
        redrawAll()
    }

    /// Moves the active console's view into its scrollback (negative: back down).
    public func scrollView(lines: Int) {
        noteActivity()
        terminals[active].scrollView(by: lines)
        hooks.requestFrame()
    }

    /// Half a screen, for Shift+PageUp/PageDown.
    public var pageLines: Int { max(1, terminals[active].rows / 2) }

    /// The grid every console has now.
    public var columns: Int { gridColumns }
    public var rows: Int { gridRows }

    // MARK: - The pointer

    /// The cell under `point` on the active console, if on the grid.
    public func cell(at point: Point) -> Int? {
        let terminal = terminals[active]
        let metrics = renderer.metrics
        let column = point.x / max(metrics.width, 1)
        let row = point.y / max(metrics.height, 1)
        guard point.x >= 0, point.y >= 0, row < terminal.rows, column < terminal.columns else { return nil }
        return row * terminal.columns + column
    }

    public func pointerPressed(at point: Point) {
        noteActivity()
        guard let cell = cell(at: point) else { return }
        selection.begin(at: cell, now: hooks.now(), in: terminals[active])
        showSelection()
    }

    public func pointerMoved(to point: Point) {
        guard let cell = cell(at: point), selection.extend(to: cell) else { return }
        showSelection()
    }

    public func pointerReleased(at point: Point) {
        guard selection.end(at: cell(at: point), in: terminals[active]) else { return }
        showSelection()
    }

    /// The middle button: the selected text, typed into the active console's tty.
    public func paste() {
        guard let bytes = selection.pasteBytes(for: terminals[active]) else { return }
        ttys[active].receive(bytes)
    }

    func showSelection() {
        renderer.selection = selection.range
        forceRedraw = true
        hooks.requestFrame()
    }

    func clearSelection() {
        selection.clear()
        renderer.selection = nil
    }
}
