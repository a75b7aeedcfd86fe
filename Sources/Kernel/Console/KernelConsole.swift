import Console
import Graphics
import KernelSupport
import Platform
import Terminal
import Text

/// The consoles' glue to the machine: the ttys (made at boot, before any
/// screen: console 1's collects the boot log), the virtual consoles once a
/// display exists (their policy is portable, in `VirtualConsoles`), and the
/// timer that blinks the cursor and ticks the status bar's clock.
///
/// The console lock guards the ttys' terminals and the virtual consoles: the
/// parsing of output (the writer's thread) and the drawing of frames (the
/// render thread) hold it and are preemptible meanwhile; every other use (keys,
/// the pointer, the timer, commands) takes it too.
final class KernelConsole {
    static let consoleCount = 4
    static let defaultPixelSize = 16

    /// Console 1's tty (index 0) belongs to the shell and mirrors the serial port.
    let ttys: [Tty]
    let lock = RecursiveKernelMutex("console")
    let timer: GenericTimer
    let clock: Clock
    private(set) var consoles: VirtualConsoles? = nil
    private(set) var screen: Screen? = nil
    /// The size `font` resets to (`lumen.font.size`, else 16).
    private(set) var configuredPixelSize = KernelConsole.defaultPixelSize

    init(timer: GenericTimer, clock: Clock) {
        self.timer = timer
        self.clock = clock
        ttys = (0..<KernelConsole.consoleCount).map { _ in Tty() }
    }

    // MARK: - Start-up

    /// The screen exists: four consoles on it, console 1 replaying the boot
    /// log, the cursor blinking (unless `blink` is off) and the clock ticking.
    func start(screen: Screen, fonts: FontSet, pixelSize: Int?, blink: Bool, version: String) {
        guard let surface = screen.surface else { return }
        configuredPixelSize = pixelSize ?? KernelConsole.defaultPixelSize
        let renderer: TerminalRenderer
        do throws(FontError) {
            let cache = try GlyphCache(fonts: fonts, pixelSize: configuredPixelSize)
            prerenderInBackground(cache)
            renderer = TerminalRenderer(cache: cache)
        } catch {
            print("console: no fonts: \(error.description)")
            return
        }
        let timer = self.timer
        let clock = self.clock
        let lock = self.lock
        let hooks = VirtualConsoles.Hooks(
            requestFrame: { screen.scheduleFrame() },
            now: { GenericTimer.now().nanoseconds },
            clockText: { clock.wallClockText() },
            after: { milliseconds, action in timer.schedule(afterMilliseconds: milliseconds) { lock.withLock(action) } })
        let consoles = VirtualConsoles(ttys: ttys, renderer: renderer, screenSize: surface.size,
                                       name: "Lumen " + version, hooks: hooks)
        lock.withLock {
            for index in 1..<ttys.count {
                ttys[index].write(Array(("\u{1b}[1mLumen " + version + "\u{1b}[0m \u{2014} virtual console \(index + 1)\n"
                                         + "Alt+F1 (or 'vt 1' on the serial port) returns to console 1.\n").utf8))
            }
            self.consoles = consoles
            self.screen = screen
            consoles.redrawAll()
        }
        screen.redraw = { lock.withLock { consoles.redrawAll() } }
        screen.beforePresent = { self.render() }
        screen.resized = { size in lock.withLock { consoles.resize(to: size) } }
        scheduleTick(consoles, blink: blink)
    }

    /// Regular ASCII rendered ahead of use, so typing never waits on FreeType:
    /// a glyph at a time under the console's lock, on a background thread, so
    /// that neither the first frame nor the prompt waits for glyphs they do not
    /// show (about 6 ms of the boot under TCG). The other styles are rendered
    /// as they are first used (all four took 20-28 ms).
    private func prerenderInBackground(_ cache: GlyphCache) {
        let lock = self.lock
        _ = Threads.spawn(name: "glyphs", priority: .background) {
            for codePoint: UInt32 in 0x20 ... 0x7E { lock.withLock { _ = cache.glyph(for: codePoint) } }
        }
    }

    /// The blink and the clock on one one-shot timer: every 500 ms while the
    /// cursor blinks, every second once it stopped (the clock), nothing more
    /// while idle. (`lumen.console.blink=off` keeps the cursor steady, for
    /// measurements: then the clock ticks alone.)
    private func scheduleTick(_ consoles: VirtualConsoles, blink: Bool) {
        let blinking = blink && consoles.cursorBlinks
        timer.schedule(afterMilliseconds: blinking ? 500 : 1000) {
            self.lock.withLock {
                if blink { consoles.blinkTick() }
                consoles.tickClock()
            }
            self.scheduleTick(consoles, blink: blink)
        }
    }

    /// Called by the render thread at the start of every frame (under the
    /// screen's frame lock): draws preemptibly, so keys and timers are not
    /// held up by a full redraw.
    func render() {
        guard let consoles, let screen, let surface = screen.surface else { return }
        screen.beginDrawing()
        lock.withLock { Threads.preemptible { consoles.render(on: surface, damage: &screen.damage) } }
    }

    /// Runs `body` with the consoles under the console lock (nothing without a display).
    func withConsoles(_ body: (VirtualConsoles) -> Void) {
        guard let consoles else { return }
        lock.withLock { body(consoles) }
    }

    /// A program's output on console `index`'s screen: parsed preemptibly
    /// under the console lock.
    func write(_ bytes: UnsafeBufferPointer<UInt8>, console index: Int = 0) {
        lock.withLock { Threads.preemptible { ttys[index].write(bytes) } }
    }

    // MARK: - Input

    /// Bytes typed for console `index` (default: the one on the screen — keyboard
    /// and paste). The serial port types into console 1.
    func input(_ bytes: [UInt8], console index: Int? = nil) {
        lock.withLock {
            let target = index ?? consoles?.active ?? 0
            consoles?.noteActivity()
            ttys[target].receive(bytes)
        }
    }

    /// Scroll Lock: output is held back (not lost) until it is released.
    func setOutputPaused(_ pause: Bool) {
        lock.withLock { for tty in ttys { tty.setHeld(pause) } }
    }

    var applicationCursorKeys: Bool {
        lock.withLock { consoles?.activeTerminal.modes.applicationCursorKeys ?? false }
    }
    /// Console 1's width (the shell's line editor), 80 without a display.
    var shellColumns: Int { consoles?.columns ?? 80 }
    var fontSize: Int { consoles?.fontSize ?? configuredPixelSize }
    /// "cell 10x19 pixels, 128x41 cells" for `font`; nil without a display.
    var gridDescription: String? {
        guard let consoles else { return nil }
        return lock.withLock {
            let metrics = consoles.renderer.metrics
            return "cell \(metrics.width)x\(metrics.height) pixels, \(consoles.columns)x\(consoles.rows) cells"
        }
    }

    // MARK: - Switching, fonts, scrollback

    func switchTo(_ index: Int) { withConsoles { $0.switchTo(index) } }

    /// Changes the font size; every console reflows to the new grid.
    func setFontSize(_ size: Int) -> Bool {
        guard let consoles, let surface = screen?.surface else { return false }
        return lock.withLock { consoles.setFontSize(size, screenSize: surface.size) }
    }

    func scrollPage(down: Bool) {
        withConsoles { $0.scrollView(lines: down ? -$0.pageLines : $0.pageLines) }
    }

    func scrollView(lines: Int) { withConsoles { $0.scrollView(lines: lines) } }
}

/// Everything printed goes to the serial port and to console 1 (the serial port
/// mirrors it): in buffers, never a byte at a time to the terminal.
final class ConsoleOutput {
    /// The C library's stdout (Swift's `print`) ends here. Global because
    /// picolibc's putc hook is a C function pointer with no context; set once
    /// at boot.
    static var installed: ConsoleOutput? = nil

    let serial: SerialOutput
    /// Console 1, whose tty this mirrors.
    let console: KernelConsole
    /// While set, what is printed goes here instead (a shell command whose
    /// output is piped or redirected; see `KernelShell.printing`).
    var capture: [UInt8]? = nil
    /// Output goes to the terminal in pieces of this size, with a preemption
    /// point after each: keys, Ctrl-C and frames get their turn during a long `cat`.
    static let pieceSize = 4096

    init(serial: SerialOutput, console: KernelConsole) {
        self.serial = serial
        self.console = console
    }

    /// Writes `bytes`; when `stop` turns true between pieces (Ctrl-C), the rest
    /// is discarded, as a tty flushes its output queue on an interrupt.
    func write(_ bytes: UnsafeBufferPointer<UInt8>, stop: () -> Bool = { false }) {
        if capture != nil {
            capture!.append(contentsOf: bytes)
            return
        }
        flushLine()
        emit(bytes, stop: stop)
    }

    private func emit(_ bytes: UnsafeBufferPointer<UInt8>, stop: () -> Bool = { false }) {
        var offset = 0
        while offset < bytes.count && (offset == 0 || !stop()) {
            let end = min(offset + ConsoleOutput.pieceSize, bytes.count)
            let piece = UnsafeBufferPointer(rebasing: bytes[offset..<end])
            serial.write(piece)
            console.write(piece)
            offset = end
            Threads.preemptionPoint()
        }
    }

    func write(_ bytes: [UInt8], stop: () -> Bool = { false }) {
        bytes.withUnsafeBufferPointer { write($0, stop: stop) }
    }

    /// What `print` wrote since its last newline: the C library hands its
    /// output over a byte at a time, the terminal gets it a line at a time.
    private var line: [UInt8] = []

    /// One byte (the C library's stdout, so Swift's `print`).
    func put(_ byte: UInt8) {
        if capture != nil {
            capture!.append(byte)
            return
        }
        line.append(byte)
        if byte == 10 || line.count >= 256 { flushLine() }
    }

    /// Sends a partly printed line on (before other output, a capture, or a wait).
    func flushLine() {
        guard !line.isEmpty else { return }
        let bytes = line
        line.removeAll(keepingCapacity: true)
        bytes.withUnsafeBufferPointer { emit($0) }
    }

    func write(_ text: StaticString) {
        text.withUTF8Buffer { write($0) }
    }
}
