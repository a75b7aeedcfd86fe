import Foundation
import TestSupport
import XCTest

/// Keyboard, locks and LEDs, keymaps, autorepeat, and the tablet, against QEMU's
/// virtio-input devices, in both virtio-mmio modes.
class InputChecks: XCTestCase {
    var modern: Bool { false }
    static let devices = ["-device", "virtio-gpu-device", "-device", "virtio-keyboard-device,id=kbd0",
                          "-device", "virtio-tablet-device"]

    func boot(extra: [String] = [], append: String? = nil, vnc: Bool = false) throws -> LumenConsole {
        try LumenConsole(append: append, modern: modern, devices: Self.devices + extra, vnc: vnc, testCase: self)
    }

    /// Waits until the serial output after `mark` contains `text`.
    func expect(_ lumen: LumenConsole, _ text: String, after mark: String.Index, timeout: TimeInterval = 10) throws {
        _ = try lumen.qemu.waitForSerial(text, after: mark, timeout: timeout)
    }

    func checkTypedTextReachesThePrompt() throws {
        let lumen = try boot()
        let mark = lumen.qemu.serialOutput.endIndex
        try lumen.qemu.typeKeys("version\n")
        try expect(lumen, "version", after: mark)
        try expect(lumen, "FreeType 2.12.1", after: mark)
        // On the screen too: the same pixels the host renders from the serial bytes
        // (waiting for the frame that shows them).
        try ConsoleTests.assertScreenMatchesSerial(lumen)
        try ConsoleTests.assertScreenAgreesWithLibvterm(lumen)
    }

    func checkLockKeysLightTheirLEDs() throws {
        let lumen = try boot(extra: ["-device", "virtio-keyboard-device,id=kbd1"], vnc: true)
        let vnc = try lumen.qemu.vnc()
        defer { vnc.close() }
        try vnc.waitForLEDState(timeout: 5) { scroll, num, caps in !scroll && !num && !caps }
        try lumen.qemu.pressKey("caps_lock")
        try vnc.waitForLEDState(timeout: 5) { _, _, caps in caps }
        try lumen.qemu.pressKey("caps_lock")
        try vnc.waitForLEDState(timeout: 5) { _, _, caps in !caps }
        try lumen.qemu.pressKey("num_lock")
        try vnc.waitForLEDState(timeout: 5) { _, num, _ in num }
        try lumen.qemu.pressKey("num_lock")
        try vnc.waitForLEDState(timeout: 5) { _, num, _ in !num }
        try lumen.qemu.pressKey("scroll_lock")
        try vnc.waitForLEDState(timeout: 5) { scroll, _, _ in scroll }
        try lumen.qemu.pressKey("scroll_lock")
        try vnc.waitForLEDState(timeout: 5) { scroll, _, _ in !scroll }
        // Both keyboards were told (QEMU merges LED state, so ask Lumen what it sent each).
        try lumen.qemu.pressKey("caps_lock")
        try vnc.waitForLEDState(timeout: 5) { _, _, caps in caps }
        let report = try lumen.run("input")
        let keyboards = report.split(whereSeparator: \.isNewline).filter { $0.contains("keyboard") }
        XCTAssertEqual(keyboards.count, 2, report)
        for line in keyboards { XCTAssertTrue(line.contains("LEDs caps"), String(line)) }
        // Only EV_LED events go to the status queue: QEMU complains on its
        // stderr (the user's terminal) about anything else, such as an EV_SYN.
        XCTAssertFalse(lumen.qemu.standardError.contains("unknown type"), lumen.qemu.standardError)
    }

    func checkCapsLockAffectsLettersOnly() throws {
        let lumen = try boot()
        try lumen.qemu.pressKey("caps_lock")
        let mark = lumen.qemu.serialOutput.endIndex
        try lumen.qemu.typeKeys("abc123")
        try expect(lumen, "ABC123", after: mark)
        try lumen.qemu.pressKey("c", modifiers: ["ctrl"])
        try expect(lumen, "^C", after: mark)
    }

    func checkGermanKeymap() throws {
        let lumen = try boot()
        XCTAssertTrue(try lumen.run("keymap de").contains("keymap: de"))
        let mark = lumen.qemu.serialOutput.endIndex
        try lumen.qemu.pressKey("y")                            // the key labelled Y on a US keyboard
        try lumen.qemu.pressKey("q", modifiers: ["alt_r"])      // AltGr+Q
        try lumen.qemu.pressKey("equal")                        // dead acute (right of ß)
        try lumen.qemu.pressKey("e")
        try expect(lumen, "z@é", after: mark)
    }

    /// A held key repeats: one character at the press, more after the repeat
    /// delay (500 ms), and none once it is released. Decided by what arrives,
    /// not by how long the host slept: the key is held until 8 characters came.
    func checkAutorepeat() throws {
        let lumen = try boot()
        let mark = lumen.qemu.serialOutput.endIndex
        let typed = { lumen.qemu.serialOutput[mark...].filter { $0 == "x" }.count }
        let pressed = Date()
        try lumen.qemu.sendKey("x", down: true)
        XCTAssertTrue(eventually(timeout: 10) { typed() >= 1 }, "the press typed nothing")
        let repeated = eventually(timeout: 10) { typed() >= 8 }
        let held = Date().timeIntervalSince(pressed)
        try lumen.qemu.sendKey("x", down: false)
        XCTAssertTrue(repeated, "the held key did not repeat: " + String(lumen.qemu.serialOutput[mark...]))
        // Seven repeats need the 500 ms delay and six 33 ms periods at least.
        XCTAssertGreaterThan(held, 0.65, "repeated before the delay")
        // Released: the count settles (a repeat already on its way may land) and stays.
        var settled = typed()
        XCTAssertTrue(eventually(timeout: 5, interval: 0.3) {
            let now = typed()
            defer { settled = now }
            return now == settled
        }, "the key kept repeating after its release")
        // Ctrl-C ends the line (its x's are not echoed again); once the prompt
        // after it is out, no x has come since the count settled.
        let interrupted = lumen.qemu.serialOutput.endIndex
        lumen.qemu.writeSerial([0x03])
        _ = try lumen.qemu.waitForSerial("lumen> ", after: interrupted, timeout: 5)
        XCTAssertEqual(typed(), settled, "no repeat after the release")
    }

    /// Absolute tablet coordinates (0…32767) for the middle of a cell.
    func tablet(column: Int, row: Int, width: Int = 1280, height: Int = 800, cell: (Int, Int) = (10, 19)) -> (Int, Int) {
        let x = column * cell.0 + cell.0 / 2, y = row * cell.1 + cell.1 / 2
        return ((x * 32767 + (width - 1) / 2) / (width - 1), (y * 32767 + (height - 1) / 2) / (height - 1))
    }

    func send(_ lumen: LumenConsole, _ events: [[String: Any]]) throws {
        try lumen.qmp("input-send-event", arguments: ["events": events])
    }

    func checkTabletSelectsAndPastes() throws {
        let lumen = try boot()
        // Row 1 of the screen is the banner: "Lumen 0.1.0 (Embedded Swift, ...". Drag over "Lumen".
        let start = tablet(column: 0, row: 1), end = tablet(column: 4, row: 1)
        try send(lumen, [["type": "abs", "data": ["axis": "x", "value": start.0]],
                         ["type": "abs", "data": ["axis": "y", "value": start.1]]])
        try send(lumen, [["type": "btn", "data": ["down": true, "button": "left"]]])
        try send(lumen, [["type": "abs", "data": ["axis": "x", "value": end.0]],
                         ["type": "abs", "data": ["axis": "y", "value": end.1]]])
        try send(lumen, [["type": "btn", "data": ["down": false, "button": "left"]]])
        // Shown inverted: the selected cells now have a light background.
        let screen = try lumen.waitForScreen { $0.pixel(x: 1, y: 19 + 1) == 0xe5e5e5 }
        XCTAssertEqual(screen.pixel(x: 1, y: 19 + 1), 0xe5e5e5, "selection not shown inverted")
        let mark = lumen.qemu.serialOutput.endIndex
        try send(lumen, [["type": "btn", "data": ["down": true, "button": "middle"]]])
        try send(lumen, [["type": "btn", "data": ["down": false, "button": "middle"]]])
        try expect(lumen, "Lumen", after: mark)
        XCTAssertEqual(String(lumen.qemu.serialOutput[mark...]), "Lumen")
    }
}

extension LumenConsole {
    @discardableResult
    func qmp(_ command: String, arguments: [String: Any]) throws -> [String: Any] {
        try qemu.qmp(command, arguments: arguments)
    }
}

final class InputLegacyTests: InputChecks {
    func testTypedTextReachesThePrompt() throws { try checkTypedTextReachesThePrompt() }
    func testLockKeysLightTheirLEDs() throws { try checkLockKeysLightTheirLEDs() }
    func testCapsLockAffectsLettersOnly() throws { try checkCapsLockAffectsLettersOnly() }
    func testGermanKeymap() throws { try checkGermanKeymap() }
    func testAutorepeat() throws { try checkAutorepeat() }
    func testTabletSelectsAndPastes() throws { try checkTabletSelectsAndPastes() }
}

final class InputModernTests: InputChecks {
    override var modern: Bool { true }
    func testTypedTextReachesThePrompt() throws { try checkTypedTextReachesThePrompt() }
    func testLockKeysLightTheirLEDs() throws { try checkLockKeysLightTheirLEDs() }
    func testCapsLockAffectsLettersOnly() throws { try checkCapsLockAffectsLettersOnly() }
    func testGermanKeymap() throws { try checkGermanKeymap() }
    func testAutorepeat() throws { try checkAutorepeat() }
    func testTabletSelectsAndPastes() throws { try checkTabletSelectsAndPastes() }
}

/// On ramfb (no cursor plane) the pointer is a sprite drawn over the console and
/// removed again without leaving a trace.
final class SoftwarePointerTests: XCTestCase {
    func testTabletMovesASpriteOnRamFB() throws {
        let lumen = try LumenConsole(append: "lumen.console.blink=off",
                                     devices: ["-device", "ramfb", "-device", "virtio-tablet-device"], testCase: self)
        let before = try lumen.settledScreen()
        // To pixel (300, 500) of 1024x768 (tablet range 0…32767).
        func move(_ x: Int, _ y: Int) throws {
            let absX: Int = (x * 32767 + 511) / 1023
            let absY: Int = (y * 32767 + 383) / 767
            let events: [[String: Any]] = [["type": "abs", "data": ["axis": "x", "value": absX] as [String: Any]],
                                           ["type": "abs", "data": ["axis": "y", "value": absY] as [String: Any]]]
            try lumen.qmp("input-send-event", arguments: ["events": events])
        }
        try move(300, 500)
        let with = try lumen.waitForScreen { $0.pixel(x: 301, y: 503) == 0xffffff }
        XCTAssertEqual(with.pixel(x: 300, y: 500), 0x000000, "the arrow's tip (black outline)")
        XCTAssertEqual(with.pixel(x: 301, y: 503), 0xffffff, "the arrow's white fill")
        try move(700, 100)
        let moved = try lumen.waitForScreen { $0.pixel(x: 701, y: 103) == 0xffffff }
        // Where the sprite was, the console's pixels are back.
        let area = (295..<315).flatMap { x in (495..<520).map { y in (x, y) } }
        for (x, y) in area { XCTAssertEqual(moved.pixel(x: x, y: y), before.pixel(x: x, y: y), "(\(x),\(y))") }
        XCTAssertEqual(moved.pixel(x: 701, y: 103), 0xffffff)
    }
}
