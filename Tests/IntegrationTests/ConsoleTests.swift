import Console
import Foundation
import Graphics
import Terminal
import TestSupport
import Text
import XCTest

/// The text console on the real display: what QEMU shows must be exactly what
/// the same renderer draws on the host from the same bytes (the serial port
/// mirrors console 1), with the host's FreeType and the same DejaVu files.
final class ConsoleTests: XCTestCase {
    /// Host-side renderer with the kernel's fonts at `pixelSize`.
    final class HostRenderer {
        let fonts: HostFonts
        let cache: GlyphCache
        let renderer: TerminalRenderer

        init(pixelSize: Int) throws {
            fonts = try HostFonts()
            cache = try GlyphCache(fonts: fonts.fonts, pixelSize: pixelSize)
            renderer = TerminalRenderer(cache: cache)
        }
    }

    /// The screen equals the host's rendering of the serial output (console 1
    /// mirrors it), except the blinking cursor's cell.
    static func assertScreenMatchesSerial(_ lumen: LumenConsole, file: StaticString = #filePath, line: UInt = #line) throws {
        // The frame may still be on its way on a loaded machine: wait for it.
        let result = try lastValue(timeout: 3, interval: 0.05, { try differences(lumen) }, until: { $0.count == 0 })
        XCTAssertEqual(result.count, 0, "first difference at \(result.first ?? "-")", file: file, line: line)
    }

    /// The screen agrees with libvterm's cells for the same bytes (the
    /// independent judge, which shares no code with Lumen's renderer). Asks
    /// `font` for the grid first, so its answer is on the screen too.
    static func assertScreenAgreesWithLibvterm(_ lumen: LumenConsole, file: StaticString = #filePath, line: UInt = #line) throws {
        let answer = try lumen.run("font")
        guard let judge = LibvtermScreenJudge(fontAnswer: answer) else {
            XCTFail("font did not say the grid: \(answer)", file: file, line: line)
            return
        }
        let problems = try lastValue(timeout: 3, interval: 0.05, {
            judge.problems(screen: try lumen.qemu.screendump(), bytes: Array(lumen.qemu.serialOutput.utf8))
        }, until: { $0.isEmpty })
        XCTAssertEqual(problems, [], file: file, line: line)
    }

    static func differences(_ lumen: LumenConsole) throws -> (count: Int, first: String?) {
        let screen = try lumen.qemu.screendump()
        let host = try HostRenderer(pixelSize: 16)
        let grid = host.renderer.gridSize(for: Size(width: screen.width, height: screen.height))
        let terminal = Terminal(columns: grid.columns, rows: grid.rows - 1)
        terminal.feed(Array(lumen.qemu.serialOutput.utf8))
        var pixels = [UInt32](repeating: 0, count: screen.width * screen.height)
        let cursor = terminal.cursorState
        pixels.withUnsafeMutableBufferPointer { buffer in
            let surface = Surface(pixels: buffer.baseAddress!, width: screen.width, height: screen.height)
            var damage = DamageTracker(width: screen.width, height: screen.height)
            host.renderer.cursorBlinkOn = false
            host.renderer.render(terminal, on: surface, damage: &damage, force: true)
        }
        let metrics = host.cache.metrics
        let cursorBox = Rect(x: cursor.column * metrics.width, y: cursor.row * metrics.height,
                             width: metrics.width, height: metrics.height)
        var differences = 0
        var first: String? = nil
        for y in 0..<(terminal.rows * metrics.height) {
            for x in 0..<(terminal.columns * metrics.width) where !cursorBox.contains(Point(x: x, y: y)) {
                let expected = pixels[y * screen.width + x] & 0x00ff_ffff
                if screen.pixel(x: x, y: y) != expected {
                    differences += 1
                    if first == nil { first = "(\(x),\(y)): screen \(String(screen.pixel(x: x, y: y), radix: 16)) host \(String(expected, radix: 16))" }
                }
            }
        }
        return (differences, first)
    }

    func testScreenShowsTheSerialConsolePixelForPixel() throws {
        let lumen = try LumenConsole(devices: ["-device", "virtio-gpu-device", "-device", "virtio-rng-device"], testCase: self)
        _ = try lumen.run("version")
        _ = try lumen.run("random 8")
        _ = try lumen.run("echo -e '\\e[31mred\\e[0m \\e[1;32mbold green\\e[0m \\e[7mreverse\\e[0m \\e[4munder\\e[0m done'")
        try ConsoleTests.assertScreenMatchesSerial(lumen)
        try ConsoleTests.assertScreenAgreesWithLibvterm(lumen)
        let screen = try lumen.qemu.screendump()
        // The judge is not blind: one more line in its bytes, or one character changed, and it objects.
        let judge = try XCTUnwrap(LibvtermScreenJudge(fontAnswer: try lumen.run("font")))
        let bytes = Array(lumen.qemu.serialOutput.utf8)
        let current = try lumen.waitForScreen { judge.problems(screen: $0, bytes: bytes).isEmpty }
        XCTAssertEqual(judge.problems(screen: current, bytes: bytes), [])
        XCTAssertNotEqual(judge.problems(screen: current, bytes: bytes + Array("\r\none more line".utf8)), [])
        let prompt = try XCTUnwrap(bytes.lastIndex(of: UInt8(ascii: ">")))
        var changed = bytes
        changed[prompt] = UInt8(ascii: "<")
        XCTAssertNotEqual(judge.problems(screen: current, bytes: changed), [])
        XCTAssertEqual(screen.width, 1280)
        XCTAssertEqual(screen.height, 800)
        // And the text a person reads is there: the banner and the prompt.
        let host = try HostRenderer(pixelSize: 16)
        let grid = host.renderer.gridSize(for: Size(width: screen.width, height: screen.height))
        let terminal = Terminal(columns: grid.columns, rows: grid.rows - 1)
        terminal.feed(Array(lumen.qemu.serialOutput.utf8))
        let text = (0..<terminal.rows).map { row in
            String(String.UnicodeScalarView((0..<terminal.columns).compactMap { Unicode.Scalar(terminal.cell(row: row, column: $0).scalar) }))
        }
        XCTAssertTrue(text.contains { $0.hasPrefix("Lumen 0.1.0 (Embedded Swift, aarch64) on QEMU virt") }, text.joined(separator: "\n"))
        XCTAssertTrue(text.contains { $0.hasPrefix("lumen> random 8") })
        // The status bar: console number on the status colour.
        XCTAssertEqual(screen.pixel(x: 2, y: screen.height - 2), 0x305080)
    }

    func testVirtualConsolesSwitchAndKeepTheirContents() throws {
        let lumen = try LumenConsole(devices: ["-device", "virtio-gpu-device"], testCase: self)
        let first = try lumen.settledScreen()
        _ = try lumen.run("vt 2")
        let second = try lumen.waitForScreen { $0.pixels != first.pixels }
        XCTAssertTrue(first.pixels != second.pixels, "console 2 looks different")
        _ = try lumen.run("vt 1")
        let firstTop = first.cropped(x: 0, y: 0, width: first.width, height: 100).pixels
        let back = try lumen.waitForScreen { $0.cropped(x: 0, y: 0, width: $0.width, height: 100).pixels == firstTop }
        // Console 1 again, now with the two commands typed since.
        let top = back.cropped(x: 0, y: 0, width: back.width, height: 100)
        XCTAssertTrue(top.pixels == first.cropped(x: 0, y: 0, width: first.width, height: 100).pixels)
    }

    func testFontSizeChangeReflowsTheConsole() throws {
        let lumen = try LumenConsole(devices: ["-device", "virtio-gpu-device"], testCase: self)
        XCTAssertTrue(try lumen.run("font 24").contains("font: 24 px"))
        let big = try lumen.settledScreen()
        XCTAssertTrue(try lumen.run("font 12").contains("font: 12 px"))
        let small = try lumen.settledScreen()
        // Bigger glyphs: the banner's ink reaches further right at 24 px than at 12 px.
        func inkRight(_ image: PPMImage, rows: Range<Int>) -> Int {
            var right = 0
            for y in rows { for x in 0..<image.width where image.pixel(x: x, y: y) != 0 { right = max(right, x) } }
            return right
        }
        XCTAssertGreaterThan(inkRight(big, rows: 0..<100), inkRight(small, rows: 0..<100) + 100)
        XCTAssertTrue(try lumen.run("font 200").contains("font: N must be"))
    }
}
