import XCTest
import Keyboard

final class KeyEncoderTests: XCTestCase {
    func bytes(_ key: SpecialKey, _ modifiers: Modifiers = [], application: Bool = false) -> String {
        let encoder = KeyEncoder(applicationCursorKeys: application)
        let output = encoder.encode(KeyPress(code: 0, symbol: .key(key), modifiers: modifiers))
        XCTAssertEqual(output.actions, [], "\(key)")
        return String(decoding: output.bytes, as: UTF8.self)
    }

    func bytes(_ character: Unicode.Scalar, _ modifiers: Modifiers = []) -> [UInt8] {
        KeyEncoder().encode(KeyPress(code: 0, symbol: .character(character), modifiers: modifiers)).bytes
    }

    func action(_ symbol: KeySymbol, _ modifiers: Modifiers) -> [ConsoleAction] {
        let output = KeyEncoder().encode(KeyPress(code: 0, symbol: symbol, modifiers: modifiers))
        XCTAssertEqual(output.bytes, [], "an action sends nothing to the program")
        return output.actions
    }

    func testPrintableUTF8() {
        XCTAssertEqual(bytes("a"), [0x61])
        XCTAssertEqual(bytes("é"), [0xC3, 0xA9])
        XCTAssertEqual(bytes("€"), [0xE2, 0x82, 0xAC])
        XCTAssertEqual(bytes("\u{1F600}"), [0xF0, 0x9F, 0x98, 0x80])
        XCTAssertEqual(bytes("A", .shiftLeft), [0x41], "Shift is already in the symbol")
        XCTAssertEqual(bytes("@", .altGr), [0x40], "AltGr is not Alt")
        XCTAssertEqual(bytes("x", .metaLeft), [0x78])
        // A pending accent comes first.
        let press = KeyPress(code: 0, symbol: .character("x"), pendingAccent: "´")
        XCTAssertEqual(KeyEncoder().encode(press).bytes, Array("´x".utf8))
    }

    func testEditingKeys() {
        XCTAssertEqual(bytes(.enter), "\r")
        XCTAssertEqual(bytes(.backspace), "\u{7F}")
        XCTAssertEqual(bytes(.backspace, .controlLeft), "\u{08}")
        XCTAssertEqual(bytes(.tab), "\t")
        XCTAssertEqual(bytes(.tab, .shiftLeft), "\u{1B}[Z")
        XCTAssertEqual(bytes(.escape), "\u{1B}")
    }

    func testCursorKeys() {
        XCTAssertEqual(bytes(.up), "\u{1B}[A")
        XCTAssertEqual(bytes(.down), "\u{1B}[B")
        XCTAssertEqual(bytes(.right), "\u{1B}[C")
        XCTAssertEqual(bytes(.left), "\u{1B}[D")
        XCTAssertEqual(bytes(.home), "\u{1B}[H")
        XCTAssertEqual(bytes(.end), "\u{1B}[F")
        // Application cursor mode (DECCKM): SS3.
        XCTAssertEqual(bytes(.up, application: true), "\u{1B}OA")
        XCTAssertEqual(bytes(.down, application: true), "\u{1B}OB")
        XCTAssertEqual(bytes(.right, application: true), "\u{1B}OC")
        XCTAssertEqual(bytes(.left, application: true), "\u{1B}OD")
        XCTAssertEqual(bytes(.home, application: true), "\u{1B}OH")
        XCTAssertEqual(bytes(.end, application: true), "\u{1B}OF")
        // With modifiers: CSI 1 ; m, in either mode.
        XCTAssertEqual(bytes(.up, .controlLeft), "\u{1B}[1;5A")
        XCTAssertEqual(bytes(.up, .controlRight, application: true), "\u{1B}[1;5A")
        XCTAssertEqual(bytes(.left, .shiftLeft), "\u{1B}[1;2D")
        XCTAssertEqual(bytes(.right, .altLeft), "\u{1B}[1;3C")
        XCTAssertEqual(bytes(.down, [.shiftLeft, .controlLeft]), "\u{1B}[1;6B")
        XCTAssertEqual(bytes(.home, [.shiftRight, .altLeft, .controlLeft]), "\u{1B}[1;8H")
        XCTAssertEqual(bytes(.end, .metaLeft), "\u{1B}[1;9F")
        XCTAssertEqual(bytes(.up, .altGr), "\u{1B}[A", "AltGr is no modifier parameter")
    }

    func testTildeKeys() {
        XCTAssertEqual(bytes(.insert), "\u{1B}[2~")
        XCTAssertEqual(bytes(.delete), "\u{1B}[3~")
        XCTAssertEqual(bytes(.pageUp), "\u{1B}[5~")
        XCTAssertEqual(bytes(.pageDown), "\u{1B}[6~")
        XCTAssertEqual(bytes(.delete, .controlLeft), "\u{1B}[3;5~")
        XCTAssertEqual(bytes(.pageUp, .controlLeft), "\u{1B}[5;5~")
        XCTAssertEqual(bytes(.insert, .shiftLeft), "\u{1B}[2;2~")
        XCTAssertEqual(bytes(.delete, application: true), "\u{1B}[3~")
    }

    func testFunctionKeys() {
        let expected = ["\u{1B}OP", "\u{1B}OQ", "\u{1B}OR", "\u{1B}OS", "\u{1B}[15~", "\u{1B}[17~", "\u{1B}[18~",
                        "\u{1B}[19~", "\u{1B}[20~", "\u{1B}[21~", "\u{1B}[23~", "\u{1B}[24~"]
        for (index, sequence) in expected.enumerated() {
            XCTAssertEqual(bytes(.function(UInt8(index + 1))), sequence, "F\(index + 1)")
        }
        XCTAssertEqual(bytes(.function(1), .shiftLeft), "\u{1B}[1;2P")
        XCTAssertEqual(bytes(.function(4), .controlLeft), "\u{1B}[1;5S")
        XCTAssertEqual(bytes(.function(5), .controlLeft), "\u{1B}[15;5~")
        XCTAssertEqual(bytes(.function(12), .shiftLeft), "\u{1B}[24;2~")
        XCTAssertEqual(bytes(.function(5), .altLeft), "\u{1B}[15;3~", "Alt+F5 is not a console switch (4 consoles)")
        XCTAssertEqual(bytes(.function(13)), "\u{1B}[25~")
        XCTAssertEqual(bytes(.function(24)), "", "no sequence")
    }

    func testControlCodes() {
        XCTAssertEqual(bytes("a", .controlLeft), [0x01])
        XCTAssertEqual(bytes("z", .controlRight), [0x1A])
        XCTAssertEqual(bytes("C", [.controlLeft, .shiftLeft]), [0x03])
        XCTAssertEqual(bytes("@", .controlLeft), [0x00])
        XCTAssertEqual(bytes(" ", .controlLeft), [0x00], "Ctrl+Space → NUL")
        XCTAssertEqual(bytes("[", .controlLeft), [0x1B])
        XCTAssertEqual(bytes("\\", .controlLeft), [0x1C])
        XCTAssertEqual(bytes("]", .controlLeft), [0x1D])
        XCTAssertEqual(bytes("^", .controlLeft), [0x1E])
        XCTAssertEqual(bytes("_", .controlLeft), [0x1F])
        XCTAssertEqual(bytes("2", .controlLeft), [0x00])
        XCTAssertEqual(bytes("3", .controlLeft), [0x1B])
        XCTAssertEqual(bytes("7", .controlLeft), [0x1F])
        XCTAssertEqual(bytes("8", .controlLeft), [0x7F])
        XCTAssertEqual(bytes("/", .controlLeft), [0x1F])
        XCTAssertEqual(bytes("?", .controlLeft), [0x7F])
        XCTAssertEqual(bytes("é", .controlLeft), [0xC3, 0xA9], "no control code: the character")
        XCTAssertEqual(bytes("1", .controlLeft), [0x31])
    }

    func testAltIsAnEscapePrefix() {
        XCTAssertEqual(bytes("x", .altLeft), [0x1B, 0x78])
        XCTAssertEqual(bytes("X", [.altRight, .shiftLeft]), [0x1B, 0x58])
        XCTAssertEqual(bytes("c", [.altLeft, .controlLeft]), [0x1B, 0x03])
        XCTAssertEqual(bytes("é", .altLeft), [0x1B, 0xC3, 0xA9])
        XCTAssertEqual(bytes(.backspace, .altLeft), "\u{1B}\u{7F}")
        XCTAssertEqual(bytes(.enter, .altLeft), "\u{1B}\r")
        XCTAssertEqual(bytes(.escape, .altLeft), "\u{1B}\u{1B}")
        XCTAssertEqual(bytes(.tab, .altLeft), "\u{1B}\t")
    }

    func testConsoleActions() {
        XCTAssertEqual(action(.key(.pageUp), .shiftLeft), [.scrollPageUp])
        XCTAssertEqual(action(.key(.pageDown), .shiftRight), [.scrollPageDown])
        XCTAssertEqual(action(.key(.function(1)), .altLeft), [.switchConsole(0)])
        XCTAssertEqual(action(.key(.function(4)), .altRight), [.switchConsole(3)])
        XCTAssertEqual(action(.key(.function(2)), [.altLeft, .controlLeft]), [.switchConsole(1)])
        XCTAssertEqual(action(.character("="), .controlLeft), [.fontLarger])
        XCTAssertEqual(action(.character("+"), [.controlLeft, .shiftLeft]), [.fontLarger])
        XCTAssertEqual(action(.character("-"), .controlLeft), [.fontSmaller])
        XCTAssertEqual(action(.character("0"), .controlLeft), [.fontReset])
        // Not actions.
        XCTAssertEqual(bytes(.pageUp, [.shiftLeft, .controlLeft]), "\u{1B}[5;6~")
        XCTAssertEqual(bytes(.function(1), .controlLeft), "\u{1B}[1;5P")
        XCTAssertEqual(bytes("=", []), [0x3D])
        XCTAssertEqual(bytes("-", .altLeft), [0x1B, 0x2D])
        var eight = KeyEncoder(consoleCount: 8)
        eight.applicationCursorKeys = false
        XCTAssertEqual(eight.encode(KeyPress(code: 0, symbol: .key(.function(8)), modifiers: .altLeft)).actions,
                       [.switchConsole(7)])
    }

    func testThroughTheKeymap() {
        // The whole path with the US keymap: Ctrl+Up, Ctrl+C, Alt+F2, Shift+PgUp, Ctrl+-.
        var t = Typist(Keymap.builtinUS)
        t.tap(KeyCode.up, [ctrl]); t.tap(KeyCode.c, [ctrl]); t.tap(KeyCode.space, [ctrl])
        XCTAssertEqual(t.takeBytes(), Array("\u{1B}[1;5A".utf8) + [0x03, 0x00])
        t.tap(KeyCode.f2, [alt]); t.tap(KeyCode.pageUp, [shiftL]); t.tap(KeyCode.minus, [ctrl]); t.tap(KeyCode.equal, [ctrlR])
        let output = t.takeOutput()
        XCTAssertEqual(output.bytes, [])
        XCTAssertEqual(output.actions, [.switchConsole(1), .scrollPageUp, .fontSmaller, .fontLarger])
        t.input.encoder.applicationCursorKeys = true
        t.tapAll([KeyCode.up, KeyCode.home])
        t.tap(KeyCode.digit2, [ctrl, shiftL])
        XCTAssertEqual(t.takeBytes(), Array("\u{1B}OA\u{1B}OH".utf8) + [0x00], "Ctrl+@")
    }
}
