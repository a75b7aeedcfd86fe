import Foundation
import TestSupport
import XCTest

/// What the console does with keys a program never sees (scrollback, consoles,
/// font size), and with what programs print (title, bell).
final class ConsoleKeyTests: XCTestCase {
    func boot(vnc: Bool = false) throws -> LumenConsole {
        try LumenConsole(append: "lumen.console.blink=off",
                         devices: ["-device", "virtio-gpu-device", "-device", "virtio-keyboard-device"], testCase: self)
    }

    /// The console area once settled (without the status bar, whose clock ticks).
    func screen(_ lumen: LumenConsole) throws -> PPMImage {
        let image = try lumen.settledScreen()
        return image.cropped(x: 0, y: 0, width: image.width, height: image.height - 40)
    }

    func testShiftPageUpShowsScrollbackAndTypingSnapsBack() throws {
        let lumen = try boot()
        for _ in 0..<4 { _ = try lumen.run("help") }  // more than a screenful
        let bottom = try screen(lumen)
        try lumen.qemu.pressKey("pgup", modifiers: ["shift"])
        let scrolled = try screen(lumen)
        XCTAssertTrue(scrolled.pixels != bottom.pixels, "Shift+PgUp shows older lines")
        try lumen.qemu.pressKey("pgdn", modifiers: ["shift"])
        XCTAssertTrue(try screen(lumen).pixels == bottom.pixels, "Shift+PgDn returns")
        try lumen.qemu.pressKey("pgup", modifiers: ["shift"])
        _ = try screen(lumen)
        try lumen.qemu.typeKeys("x")                  // output snaps the view back
        let after = try screen(lumen)
        let top = after.cropped(x: 0, y: 0, width: after.width, height: 300)
        XCTAssertTrue(top.pixels == bottom.cropped(x: 0, y: 0, width: bottom.width, height: 300).pixels)
    }

    func testAltFunctionKeysSwitchConsoles() throws {
        let lumen = try boot()
        let first = try screen(lumen)
        try lumen.qemu.pressKey("f2", modifiers: ["alt"])
        let second = try screen(lumen)
        XCTAssertTrue(second.pixels != first.pixels)
        try lumen.qemu.pressKey("f1", modifiers: ["alt"])
        XCTAssertTrue(try screen(lumen).cropped(x: 0, y: 0, width: 1280, height: 700).pixels
                      == first.cropped(x: 0, y: 0, width: 1280, height: 700).pixels)
    }

    /// Scroll Lock holds console output back (the serial port still gets it) and
    /// releasing it shows everything that was held.
    func testScrollLockPausesConsoleOutput() throws {
        let lumen = try boot()
        try lumen.qemu.pressKey("scroll_lock")
        let paused = try screen(lumen)
        XCTAssertTrue(try lumen.run("help").contains("Commands:"), "serial output continues")
        XCTAssertTrue(try screen(lumen).pixels == paused.pixels, "the console shows nothing new while paused")
        try lumen.qemu.pressKey("scroll_lock")
        XCTAssertTrue(try screen(lumen).pixels != paused.pixels, "the held output appears")
    }

    func testControlEqualsAndMinusChangeTheFontSize() throws {
        let lumen = try boot()
        try lumen.qemu.pressKey("equal", modifiers: ["ctrl"])
        XCTAssertTrue(try lumen.run("font").contains("font: 18 px"))
        try lumen.qemu.pressKey("minus", modifiers: ["ctrl"])
        try lumen.qemu.pressKey("minus", modifiers: ["ctrl"])
        XCTAssertTrue(try lumen.run("font").contains("font: 14 px"))
    }

    /// DECCKM (CSI ? 1 h) switches the arrows to SS3 sequences (KeyEncoderTests
    /// check the bytes); the shell's line editor takes both forms, so Up recalls
    /// the last command from the keyboard in either mode.
    func testUpRecallsTheLastCommandInBothCursorKeyModes() throws {
        let lumen = try boot()
        for (index, setup) in ["", "echo -e '\\e[?1h'"].enumerated() {
            if !setup.isEmpty { _ = try lumen.run(setup) }
            _ = try lumen.run("echo recalled-\(index)")
            let mark = lumen.qemu.serialOutput.endIndex
            try lumen.qemu.pressKey("up")
            try lumen.qemu.pressKey("ret")
            // The command's output line (the recalled line itself is echoed after the prompt).
            _ = try lumen.qemu.waitForSerial("\nrecalled-\(index)", after: mark, timeout: 5)
        }
    }

    func testTitleShowsInTheStatusBarAndBellFlashes() throws {
        let lumen = try boot()
        let before = try lumen.settledScreen()
        let bar = { (image: PPMImage) in image.cropped(x: 0, y: image.height - 19, width: 600, height: 19) }
        _ = try lumen.run("echo -e '\\e]2;Hello from OSC 2\\a'")
        let titled = try lumen.settledScreen()
        XCTAssertTrue(bar(titled).pixels != bar(before).pixels, "the title changed the status bar")
        // The flash lasts 150 ms: watch for it from the moment the command is typed.
        lumen.qemu.typeOnSerial("echo -e '\\a'\r")
        let flashed = try eventually(timeout: 3, interval: 0.005) {
            try lumen.qemu.screendump().pixel(x: 1270, y: 798) == 0xc06020
        }
        XCTAssertTrue(flashed, "visual bell")
        let ended = try eventually(timeout: 3, interval: 0.02) {
            try lumen.qemu.screendump().pixel(x: 1270, y: 798) == 0x305080
        }
        XCTAssertTrue(ended, "the flash ends")
    }
}
