import Drivers
import Console
import Graphics
import KernelSupport
import Platform
import Terminal
import Text

/// The virtual consoles on the screen: four terminals (console 1 mirrors the serial
/// port), one shown at a time, drawn by `TerminalRenderer` once per frame, with a
/// status bar (console number, title, clock) on the bottom row.
enum KernelConsole {
    static let consoleCount = 4
    static let defaultPixelSize = 16
    static var terminals: [Terminal] = []
    static var active = 0
    static var renderer: TerminalRenderer? = nil
    static var started = false
    static var forceRedraw = true
    static var statusDirty = true
    /// What was printed before the console existed (the boot log), replayed into console 1.
    static var early: [UInt8] = []
    static let earlyLimit = 64 << 10
    static var bytesWritten: UInt64 = 0

    static let statusForeground = Color(xrgb: 0x00e5_e9f0)
    static let statusBackground = Color(xrgb: 0x0030_5080)

    // MARK: - Output

    /// Output for console `index` (console 1, index 0, is the serial mirror's).
    /// The terminal's parser takes the bytes as they are, in one piece (its
    /// ONLCR setting makes LF return the carriage, with no copy).
    static func write(_ bytes: UnsafeBufferPointer<UInt8>, console index: Int = 0) {
        if paused && index == 0 {
            if held.count + bytes.count <= heldLimit { held.append(contentsOf: bytes) }
            return
        }
        guard started else {
            early.append(contentsOf: bytes.prefix(max(0, earlyLimit - early.count)))
            return
        }
        terminals[index].feed(bytes)
        bytesWritten &+= UInt64(bytes.count)
        if index == active { Screen.scheduleFrame() }
    }

    // MARK: - Start-up

    static func start() {
        guard let surface = Screen.surface else { return }
        let size = Kernel.settings.fontSize ?? defaultPixelSize
        guard let fonts = KernelFonts.fonts else { return }
        do throws(FontError) {
            let cache = try GlyphCache(fonts: fonts, pixelSize: size)
            for style in FontStyle.allCases { cache.prerenderASCII(style: style) }
            renderer = TerminalRenderer(cache: cache)
        } catch {
            print("console: no fonts: \(error.description)")
            return
        }
        let grid = gridSize(for: surface.size)
        terminals = (0..<consoleCount).map { _ in
            let terminal = Terminal(columns: grid.columns, rows: grid.rows, scrollbackLines: 10_000)
            terminal.lineFeedReturnsCarriage = true  // a tty's ONLCR
            return terminal
        }
        started = true
        early.withUnsafeBufferPointer { terminals[0].feed($0) }
        early = []
        for index in 1..<consoleCount {
            terminals[index].feed("\u{1b}[1mLumen \(Kernel.version)\u{1b}[0m \u{2014} virtual console \(index + 1)\r\n"
                                  + "Alt+F1 (or 'vt 1' on the serial port) returns to console 1.\r\n")
        }
        Screen.redraw = { forceRedraw = true; statusDirty = true }
        Screen.beforePresent = { render() }
        // The cursor blinks and the clock ticks on one timer, in one frame when
        // both change; nothing else runs while idle. (`lumen.console.blink=off`
        // keeps the cursor steady, for measurements: then the clock ticks alone.)
        if Kernel.settings.consoleBlink {
            GenericTimer.schedule(afterMilliseconds: 500, periodMilliseconds: 500) { blink(); tickClock() }
        } else {
            GenericTimer.schedule(afterMilliseconds: 1000, periodMilliseconds: 1000) { tickClock() }
        }
        forceRedraw = true
        Screen.scheduleFrame()
    }

    /// Columns and rows for the grid, leaving the bottom row for the status bar.
    static func gridSize(for size: Size) -> (columns: Int, rows: Int) {
        guard let renderer else { return (80, 24) }
        let grid = renderer.gridSize(for: size)
        return (grid.columns, max(grid.rows - 1, 1))
    }

    // MARK: - Frames

    /// Called by the display just before it flushes a frame.
    static func render() {
        guard started, let renderer, let surface = Screen.surface else { return }
        Screen.beginDrawing()
        let terminal = terminals[active]
        renderer.render(terminal, on: surface, damage: &Screen.damage, force: forceRedraw)
        if forceRedraw {
            // Clear the margins right and below the grid once.
            let used = renderer.rowsRect(0..<terminal.rows, columns: terminal.columns)
            surface.fill(Rect(x: used.maxX, y: 0, width: surface.width - used.maxX, height: surface.height), color: background(terminal))
            Screen.damage.add(Rect(x: used.maxX, y: 0, width: surface.width - used.maxX, height: surface.height))
            statusDirty = true
        }
        forceRedraw = false
        if terminal.title != drawnTitle { statusDirty = true }
        if terminal.bellCount != bellsSeen[active] {
            // The visual bell: the status bar flashes for a moment.
            bellsSeen[active] = terminal.bellCount
            bellUntil = GenericTimer.now().adding(milliseconds: 150)
            statusDirty = true
            GenericTimer.schedule(afterMilliseconds: 160) { statusDirty = true; Screen.scheduleFrame() }
        }
        if statusDirty { drawStatusBar(surface: surface, renderer: renderer, terminal: terminal) }
    }

    static func background(_ terminal: Terminal) -> Color { Color(xrgb: terminal.defaultBackground) }

    static var bellsSeen = [Int](repeating: 0, count: 4)
    /// The title and the clock the status bar shows now.
    static var drawnTitle = ""
    static var drawnClock = ""
    static var bellUntil = Instant(nanoseconds: 0)
    static let bellBackground = Color(xrgb: 0x00c0_6020)

    static func drawStatusBar(surface: Surface, renderer: TerminalRenderer, terminal: Terminal) {
        statusDirty = false
        let statusBackground = GenericTimer.now() < bellUntil ? bellBackground : self.statusBackground
        let row = terminal.rows
        let top = renderer.rowsRect(row..<(row + 1), columns: terminal.columns).y
        let bar = Rect(x: 0, y: top, width: surface.width, height: surface.height - top)
        surface.fill(bar, color: statusBackground)
        drawnTitle = terminal.title
        let title = terminal.title.isEmpty ? "Lumen \(Kernel.version)" : terminal.title
        let painter = renderer.painter
        painter.drawText(" [\(active + 1)] " + title, column: 0, row: row, foreground: statusForeground,
                         background: statusBackground, on: surface)
        let clock = Clock.wallClockText()
        drawnClock = clock
        painter.drawText(clock + " ", column: max(0, terminal.columns - clock.utf8.count - 1), row: row,
                         foreground: statusForeground, background: statusBackground, on: surface)
        Screen.damage.add(bar)
    }

    /// The status bar's clock, redrawn when the text it shows changed.
    static func tickClock() {
        guard started, Clock.wallClockText() != drawnClock else { return }
        statusDirty = true
        Screen.scheduleFrame()
    }

    static func blink() {
        guard started, let renderer else { return }
        renderer.cursorBlinkOn.toggle()
        Screen.scheduleFrame()
    }

    // MARK: - Input

    /// Bytes typed for console `index` (default: the one on the screen — keyboard
    /// and paste). Console 1 runs the shell; the others have no program yet.
    static func input(_ bytes: [UInt8], console index: Int? = nil) {
        let target = index ?? active
        if started, terminals[target].viewOffset != 0 {
            terminals[target].resetView()
            Screen.scheduleFrame()
        }
        if target == 0 { KernelShell.receive(bytes) }
    }

    /// Scroll Lock: output is held back (not lost) until it is released.
    static var paused = false
    static var held: [UInt8] = []
    static let heldLimit = 4 << 20

    static func setOutputPaused(_ pause: Bool) {
        guard pause != paused else { return }
        paused = pause
        if !pause {
            let bytes = held
            held = []
            bytes.withUnsafeBufferPointer { write($0) }
        }
    }

    static var applicationCursorKeys: Bool { started && terminals[active].modes.applicationCursorKeys }
    static var activeRows: Int { started ? terminals[active].rows : 24 }
    /// Console 1's width (the shell's line editor), 80 without a display.
    static var activeColumns: Int { started ? terminals[0].columns : 80 }
    static var fontSize: Int { renderer?.cache.pixelSize ?? defaultPixelSize }

    // MARK: - Switching, fonts, scrollback

    static func switchTo(_ index: Int) {
        guard started, index >= 0, index < consoleCount, index != active else { return }
        Selection.clear()
        active = index
        forceRedraw = true
        Screen.scheduleFrame()
    }

    /// Changes the font size; every console reflows to the new grid.
    static func setFontSize(_ size: Int) -> Bool {
        guard started, let renderer, let surface = Screen.surface, size >= 6, size <= 96 else { return false }
        Selection.clear()
        do throws(FontError) { try renderer.cache.setPixelSize(size) } catch { return false }
        renderer.fontChanged()
        let grid = gridSize(for: surface.size)
        for terminal in terminals { terminal.resize(columns: grid.columns, rows: grid.rows) }
        forceRedraw = true
        Screen.scheduleFrame()
        return true
    }

    /// After the display changed size.
    static func displayResized() {
        guard started, let surface = Screen.surface else { return }
        let grid = gridSize(for: surface.size)
        for terminal in terminals { terminal.resize(columns: grid.columns, rows: grid.rows) }
        forceRedraw = true
    }

    static func scrollView(lines: Int) {
        guard started else { return }
        terminals[active].scrollView(by: lines)
        Screen.scheduleFrame()
    }
}

/// Everything printed goes to the serial port and to console 1 (the serial port
/// mirrors it): in buffers, never a byte at a time to the terminal.
enum ConsoleOutput {
    /// While set, what is printed goes here instead (a shell command whose
    /// output is piped or redirected; see `KernelShell.printing`).
    static var capture: [UInt8]? = nil
    /// Output goes to the terminal in pieces of this size, with a preemption
    /// point after each: keys, Ctrl-C and frames get their turn during a long `cat`.
    static let pieceSize = 4096

    /// Writes `bytes`; when `stop` turns true between pieces (Ctrl-C), the rest
    /// is discarded, as a tty flushes its output queue on an interrupt.
    static func write(_ bytes: UnsafeBufferPointer<UInt8>, stop: () -> Bool = { false }) {
        if capture != nil {
            capture!.append(contentsOf: bytes)
            return
        }
        flushLine()
        emit(bytes, stop: stop)
    }

    private static func emit(_ bytes: UnsafeBufferPointer<UInt8>, stop: () -> Bool = { false }) {
        var offset = 0
        while offset < bytes.count && (offset == 0 || !stop()) {
            let end = min(offset + pieceSize, bytes.count)
            let piece = UnsafeBufferPointer(rebasing: bytes[offset..<end])
            SerialOutput.write(piece)
            KernelConsole.write(piece)
            offset = end
            Threads.preemptionPoint()
        }
    }

    static func write(_ bytes: [UInt8], stop: () -> Bool = { false }) {
        bytes.withUnsafeBufferPointer { write($0, stop: stop) }
    }

    /// What `print` wrote since its last newline: the C library hands its
    /// output over a byte at a time, the terminal gets it a line at a time.
    static var line: [UInt8] = []

    /// One byte (the C library's stdout, so Swift's `print`).
    static func put(_ byte: UInt8) {
        if capture != nil {
            capture!.append(byte)
            return
        }
        line.append(byte)
        if byte == 10 || line.count >= 256 { flushLine() }
    }

    /// Sends a partly printed line on (before other output, a capture, or a wait).
    static func flushLine() {
        guard !line.isEmpty else { return }
        let bytes = line
        line.removeAll(keepingCapacity: true)
        bytes.withUnsafeBufferPointer { emit($0) }
    }

    static func write(_ text: StaticString) {
        text.withUTF8Buffer { write($0) }
    }
}
