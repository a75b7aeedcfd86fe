import Console
import Foundation
import Graphics
import Terminal
import TestSupport
import Text
import XCTest

/// The virtual consoles' policy, on the host with the kernel's fonts: which
/// console shows, when frames are asked for, the status bar, the bell,
/// reflow on resize and font changes, and mouse selection and paste.
final class VirtualConsolesTests: XCTestCase {
    /// Consoles on a 640×480 screen with a clock and timers the test controls.
    final class Harness {
        let fonts: HostFonts
        let consoles: VirtualConsoles
        let ttys: [Tty]
        var frames = 0
        var now: UInt64 = 1_000_000_000
        var timers: [(UInt64, () -> Void)] = []
        var pixels: [UInt32]
        let size = Size(width: 640, height: 480)

        init() throws {
            fonts = try HostFonts()
            let renderer = TerminalRenderer(cache: try GlyphCache(fonts: fonts.fonts, pixelSize: 16))
            ttys = (0..<4).map { _ in Tty() }
            pixels = [UInt32](repeating: 0, count: 640 * 480)
            var harness: Harness? = nil
            consoles = VirtualConsoles(
                ttys: ttys, renderer: renderer, screenSize: Size(width: 640, height: 480), name: "Lumen test",
                hooks: VirtualConsoles.Hooks(requestFrame: { harness?.frames += 1 }, now: { harness?.now ?? 0 },
                                             clockText: { "12:00:00 UTC" },
                                             after: { milliseconds, action in harness?.timers.append((milliseconds, action)) }))
            harness = self
        }

        /// Draws a frame; returns the pixel at (x, y) afterwards.
        @discardableResult
        func render() -> DamageTracker {
            var damage = DamageTracker(width: size.width, height: size.height)
            pixels.withUnsafeMutableBufferPointer { buffer in
                let surface = Surface(pixels: buffer.baseAddress!, width: size.width, height: size.height)
                consoles.render(on: surface, damage: &damage)
            }
            return damage
        }

        func pixel(x: Int, y: Int) -> UInt32 { pixels[y * size.width + x] & 0x00ff_ffff }

        /// The status bar's top pixel row.
        var statusBarY: Int { consoles.renderer.rowsRect(consoles.rows..<(consoles.rows + 1), columns: consoles.columns).y }
    }

    func testTheGridLeavesTheBottomRowToTheStatusBar() throws {
        let harness = try Harness()
        let metrics = harness.consoles.renderer.metrics
        XCTAssertEqual(harness.consoles.columns, 640 / metrics.width)
        XCTAssertEqual(harness.consoles.rows, 480 / metrics.height - 1)
        for tty in harness.ttys { XCTAssertEqual(tty.terminal?.rows, harness.consoles.rows) }
        harness.render()
        XCTAssertEqual(harness.pixel(x: 639, y: harness.statusBarY + 1), VirtualConsoles.statusBackground.xrgb & 0x00ff_ffff)
    }

    func testOnlyTheShownConsolesOutputAsksForAFrame() throws {
        let harness = try Harness()
        let before = harness.frames
        harness.ttys[1].write(Array("hidden\n".utf8))
        XCTAssertEqual(harness.frames, before, "console 2 is not on the screen")
        harness.ttys[0].write(Array("shown\n".utf8))
        XCTAssertEqual(harness.frames, before + 1)
        XCTAssertTrue(harness.consoles.switchTo(1))
        XCTAssertEqual(harness.consoles.active, 1)
        XCTAssertFalse(harness.consoles.switchTo(4), "there are four consoles")
        XCTAssertEqual(harness.consoles.activeTerminal.visibleCell(row: 0, column: 0).scalar, UInt32(UInt8(ascii: "h")))
        let damage = harness.render()
        XCTAssertFalse(damage.isEmpty, "a switch redraws the whole screen")
    }

    func testTheBellFlashesTheStatusBarForAMoment() throws {
        let harness = try Harness()
        harness.render()
        harness.ttys[0].write([7])
        harness.render()
        let y = harness.statusBarY + 1
        XCTAssertEqual(harness.pixel(x: 639, y: y), VirtualConsoles.bellBackground.xrgb & 0x00ff_ffff)
        XCTAssertEqual(harness.timers.count, 1, "the flash's end is scheduled")
        harness.now += VirtualConsoles.bellNanoseconds + 1
        let frames = harness.frames
        harness.timers[0].1()
        XCTAssertEqual(harness.frames, frames + 1)
        harness.render()
        XCTAssertEqual(harness.pixel(x: 639, y: y), VirtualConsoles.statusBackground.xrgb & 0x00ff_ffff)
    }

    func testResizeAndFontChangesReflowEveryConsole() throws {
        let harness = try Harness()
        harness.consoles.resize(to: Size(width: 320, height: 240))
        let metrics = harness.consoles.renderer.metrics
        for tty in harness.ttys { XCTAssertEqual(tty.terminal?.columns, 320 / metrics.width) }
        XCTAssertFalse(harness.consoles.setFontSize(200, screenSize: harness.size))
        XCTAssertTrue(harness.consoles.setFontSize(8, screenSize: harness.size))
        XCTAssertEqual(harness.consoles.fontSize, 8)
        let small = harness.consoles.renderer.metrics
        for tty in harness.ttys { XCTAssertEqual(tty.terminal?.columns, 640 / small.width) }
    }

    func testDragSelectsAndTheMiddleButtonPastesAsBracketedPaste() throws {
        let harness = try Harness()
        var typed: [UInt8] = []
        harness.ttys[0].inputArrived = { _ in typed += harness.ttys[0].takeInput() }
        harness.ttys[0].write(Array("hello world   \nsecond line\n".utf8))
        let metrics = harness.consoles.renderer.metrics
        func point(_ column: Int, _ row: Int) -> Point {
            Point(x: column * metrics.width + 1, y: row * metrics.height + 1)
        }
        harness.consoles.pointerPressed(at: point(6, 0))
        harness.consoles.pointerMoved(to: point(5, 1))
        harness.consoles.pointerReleased(at: point(5, 1))
        XCTAssertEqual(String(decoding: harness.consoles.selection.text, as: UTF8.self), "world\nsecond")
        XCTAssertNotNil(harness.consoles.renderer.selection, "the selection is drawn")
        harness.consoles.paste()
        XCTAssertEqual(typed, Array("world\rsecond".utf8))
        typed = []
        harness.ttys[0].write(Array("\u{1b}[?2004h".utf8))
        harness.consoles.paste()
        XCTAssertEqual(typed, Array("\u{1b}[200~world\rsecond\u{1b}[201~".utf8))
    }

    func testADoubleClickSelectsAWord() throws {
        let harness = try Harness()
        harness.ttys[0].write(Array("cat /etc/motd now".utf8))
        let metrics = harness.consoles.renderer.metrics
        let point = Point(x: 6 * metrics.width + 2, y: 2)
        harness.consoles.pointerPressed(at: point)
        harness.consoles.pointerReleased(at: point)
        harness.now += 100_000_000
        harness.consoles.pointerPressed(at: point)
        XCTAssertEqual(String(decoding: harness.consoles.selection.text, as: UTF8.self), "/etc/motd")
    }

    func testTheCursorBlinksOnlyWhenItIsShownAtTheLiveScreen() throws {
        let harness = try Harness()
        XCTAssertTrue(harness.consoles.cursorBlinks)
        harness.ttys[0].write(Array("\u{1b}[?25l".utf8))
        XCTAssertFalse(harness.consoles.cursorBlinks, "a program hid the cursor")
        harness.ttys[0].write(Array("\u{1b}[?25h".utf8))
        for line in 0..<60 { harness.ttys[0].write(Array("line \(line)\n".utf8)) }
        harness.consoles.scrollView(lines: 5)
        XCTAssertFalse(harness.consoles.cursorBlinks, "the view is in the scrollback")
    }

    /// An idle console stops blinking after the timeout with its cursor on, so
    /// it draws nothing; output or typing starts the blink again.
    func testTheBlinkStopsWhenIdleWithTheCursorOn() throws {
        let harness = try Harness()
        XCTAssertTrue(harness.consoles.blinkTick())
        XCTAssertFalse(harness.consoles.renderer.cursorBlinkOn, "the phase turned")
        harness.now += VirtualConsoles.blinkTimeoutNanoseconds + 1
        XCTAssertFalse(harness.consoles.cursorBlinks)
        XCTAssertFalse(harness.consoles.blinkTick())
        XCTAssertTrue(harness.consoles.renderer.cursorBlinkOn, "it stopped in the on phase")
        let frames = harness.frames
        XCTAssertFalse(harness.consoles.blinkTick())
        XCTAssertEqual(harness.frames, frames, "a stopped blink asks for no frame")
        harness.ttys[0].write(Array("x".utf8))
        XCTAssertTrue(harness.consoles.cursorBlinks, "output restarts it")
        harness.now += VirtualConsoles.blinkTimeoutNanoseconds + 1
        harness.consoles.noteActivity()
        XCTAssertTrue(harness.consoles.cursorBlinks, "typing restarts it")
    }
}
