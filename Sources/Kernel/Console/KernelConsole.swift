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

    /// One byte for console `index` (serial output goes to console 1, index 0).
    static func write(_ byte: UInt8, console index: Int = 0) {
        if paused && index == 0 {
            if held.count < heldLimit { held.append(byte) }
            return
        }
        guard started else {
            if early.count < earlyLimit { if byte == 10 { early.append(13) }; early.append(byte) }
            return
        }
        let terminal = terminals[index]
        if byte == 10 { terminal.feed([13, 10]) } else { terminal.feed([byte]) }
        bytesWritten &+= 1
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
        terminals = (0..<consoleCount).map { _ in Terminal(columns: grid.columns, rows: grid.rows, scrollbackLines: 10_000) }
        started = true
        early.withUnsafeBufferPointer { terminals[0].feed($0) }
        early = []
        for index in 1..<consoleCount {
            terminals[index].feed("\u{1b}[1mLumen \(Kernel.version)\u{1b}[0m \u{2014} virtual console \(index + 1)\r\n"
                                  + "Alt+F1 (or 'vt 1' on the serial port) returns to console 1.\r\n")
        }
        Screen.redraw = { forceRedraw = true; statusDirty = true }
        Screen.beforePresent = { render() }
        // The cursor blinks and the clock ticks on timers; nothing else runs while idle.
        // (`lumen.console.blink=off` keeps the cursor steady, for measurements.)
        if Kernel.options.value(of: "lumen.console.blink") != "off" {
            GenericTimer.schedule(afterMilliseconds: 500, periodMilliseconds: 500) { blink() }
        }
        GenericTimer.schedule(afterMilliseconds: 1000, periodMilliseconds: 1000) { statusDirty = true; Screen.scheduleFrame() }
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
    /// The title the status bar shows now (OSC 0/2 of the console on the screen).
    static var drawnTitle = ""
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
        painter.drawText(clock + " ", column: max(0, terminal.columns - clock.utf8.count - 1), row: row,
                         foreground: statusForeground, background: statusBackground, on: surface)
        Screen.damage.add(bar)
    }

    static func blink() {
        guard started, let renderer else { return }
        renderer.cursorBlinkOn.toggle()
        Screen.scheduleFrame()
    }

    /// `cat`-style throughput: `count` bytes of text lines written to console 1
    /// in 4 KiB blocks, drawn at most once per frame like any output; returns
    /// nanoseconds until the last frame was on the display.
    static func benchmarkText(bytes count: Int) -> UInt64 {
        guard started else { return 0 }
        var text: [UInt8] = []
        text.reserveCapacity(count)
        let words: [StaticString] = ["the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ", "Lumen ", "console "]
        var line = 0
        while text.count < count {
            line += 1
            let number = String(line)
            text.append(contentsOf: Array(number.utf8))
            text.append(0x3a)
            text.append(0x20)
            for index in 0..<(line % 11 + 3) {
                words[(line + index) % words.count].withUTF8Buffer { text.append(contentsOf: $0) }
            }
            text.append(13)
            text.append(10)
        }
        text.removeLast(text.count - count)
        let start = GenericTimer.now()
        var offset = 0
        drawingNanoseconds = 0
        frames = 0
        while offset < text.count {
            let end = min(offset + 4096, text.count)
            text[offset..<end].withUnsafeBufferPointer { terminals[0].feed($0) }
            offset = end
            let now = GenericTimer.now()
            if now >= Screen.nextFrameDue {
                Screen.present()
                drawingNanoseconds += Screen.lastFrameCost
                frames += 1
            }
        }
        let last = GenericTimer.now()
        Screen.present()
        if let gpu = Screen.gpu { try? gpu.waitForFence(Screen.lastFence) }
        drawingNanoseconds += GenericTimer.now().nanoseconds(since: last)
        frames += 1
        return GenericTimer.now().nanoseconds(since: start)
    }

    /// Of the last `benchmarkText`: time spent drawing and presenting, and frames drawn.
    static var drawingNanoseconds: UInt64 = 0
    static var frames = 0

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
            for byte in bytes { write(byte) }
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

/// Everything printed goes to the UART and to console 1 (the serial port mirrors it).
enum ConsoleOutput {
    /// While set, what is printed goes here instead (a shell command whose
    /// output is piped or redirected; see `KernelShell.printing`).
    static var capture: [UInt8]? = nil

    static func put(_ byte: UInt8) {
        if capture != nil {
            capture!.append(byte)
            return
        }
        UART.put(byte)
        KernelConsole.write(byte)
    }

    static func write(_ text: StaticString) {
        text.withUTF8Buffer { for byte in $0 { put(byte) } }
    }
}
