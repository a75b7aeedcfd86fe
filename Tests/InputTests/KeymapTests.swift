import XCTest
import Foundation
import Keyboard

/// Keymap helpers shared by the keyboard tests.
enum Keymaps {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("assets/keymaps")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name + ".map")))
    }

    static func load(_ name: String) throws -> Keymap {
        let data = try bytes(name)
        return try data.withUnsafeBytes { buffer throws -> Keymap in try Keymap.parse(buffer) }
    }

    static func parse(_ text: String) throws(KeymapError) -> Keymap {
        let bytes = Array(text.utf8)
        var result: Result<Keymap, KeymapError> = .failure(KeymapError(line: 0, reason: .noSymbols))
        bytes.withUnsafeBytes { buffer in
            do throws(KeymapError) { result = .success(try Keymap.parse(buffer)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    static func parseCollecting(_ text: String) -> (keymap: Keymap, errors: [KeymapError]) {
        Array(text.utf8).withUnsafeBytes { Keymap.parseCollectingErrors($0) }
    }

    static func error(_ text: String) -> KeymapError? {
        do throws(KeymapError) {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }
}

final class KeymapTests: XCTestCase {
    func testEveryShippedKeymapParses() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Keymaps.directory.path)
            .filter { $0.hasSuffix(".map") }.sorted()
        XCTAssertTrue(Set(["us.map", "gb.map", "de.map", "fr.map"]).isSubset(of: Set(files)), "\(files)")
        for file in files {
            let name = String(file.dropLast(4))
            let data = try Keymaps.bytes(name)
            let (keymap, errors) = data.withUnsafeBytes { Keymap.parseCollectingErrors($0) }
            XCTAssertEqual(errors.map(\.message), [], file)
            // Every letter key has a symbol; modifiers and the defaults survive.
            for code in [KeyCode.q, KeyCode.a, KeyCode.z, KeyCode.m, KeyCode.digit1, KeyCode.space] {
                XCTAssertNotNil(keymap.entry(for: code), "\(file) code \(code)")
            }
            XCTAssertEqual(keymap.entry(for: KeyCode.leftShift)?.plain, .modifier(.shiftLeft), file)
            XCTAssertEqual(keymap.entry(for: KeyCode.f12)?.plain, .key(.function(12)), file)
        }
    }

    func testUSFileMatchesBuiltIn() throws {
        let us = try Keymaps.load("us")
        XCTAssertEqual(us, Keymap.builtinUS)
    }

    func testFormat() throws {
        let keymap = try Keymaps.parse("""
            \u{FEFF}# a comment
              # an indented comment

            16\tq  Q  @  U+03A9
            0x11 w W
            KEY_E e E € €\r
            KEY_102ND < > | none
            KEY_KP1 End 1 :keypad
            KEY_CAPSLOCK Control_L
            KEY_RIGHTALT Alt_R
            KEY_LEFTBRACE dead_circumflex dead_diaeresis
            KEY_F1 F13
            KEY_SPACE space U+00A0
            KEY_1 1 ! :nocaps
            KEY_2 # : :caps
            """)
        XCTAssertEqual(keymap.entry(for: 16), KeymapEntry(plain: .character("q"), shifted: .character("Q"),
                                                         altGr: .character("@"), shiftedAltGr: .character("Ω")))
        XCTAssertEqual(keymap.entry(for: 17)?.shifted, .character("W"))
        XCTAssertEqual(keymap.entry(for: 18)?.shiftedAltGr, .character("€"), "CR before LF is ignored")
        XCTAssertEqual(keymap.entry(for: KeyCode.key102nd)?.shiftedAltGr, KeySymbol.none)
        XCTAssertEqual(keymap.entry(for: KeyCode.keypad1)?.keypad, true)
        XCTAssertEqual(keymap.entry(for: KeyCode.capsLock)?.plain, .modifier(.controlLeft))
        XCTAssertEqual(keymap.entry(for: KeyCode.rightAlt)?.plain, .modifier(.altRight))
        XCTAssertEqual(keymap.entry(for: KeyCode.leftBrace)?.shifted, .dead(.diaeresis))
        XCTAssertEqual(keymap.entry(for: KeyCode.f1)?.plain, .key(.function(13)))
        XCTAssertEqual(keymap.entry(for: KeyCode.space)?.shifted, .character("\u{A0}"))
        XCTAssertEqual(keymap.entry(for: KeyCode.digit2)?.plain, .character("#"), "# after the code is a symbol")
        XCTAssertEqual(keymap.entry(for: KeyCode.digit2)?.shifted, .character(":"), ": alone is a symbol")
        XCTAssertEqual(keymap.entry(for: KeyCode.digit2)?.capsLockPlain, true, ":caps forces Caps Lock")
        XCTAssertEqual(keymap.entry(for: 16)?.capsLockPlain, true, "q/Q is a letter")
        XCTAssertEqual(keymap.entry(for: 16)?.capsLockAltGr, false, "@/Ω is not")
        XCTAssertEqual(keymap.entry(for: KeyCode.digit1)?.capsLockPlain, false)
        // Keys the file does not mention keep their defaults.
        XCTAssertEqual(keymap.entry(for: KeyCode.enter)?.plain, .key(.enter))
        XCTAssertNil(keymap.entry(for: KeyCode.x))
    }

    func testMalformedLinesReportTheirLineNumbers() {
        let cases: [(String, KeymapError)] = [
            ("16 q Q\nfoo q Q", KeymapError(line: 2, reason: .badKeyCode("foo"))),
            ("# c\n\n300 q", KeymapError(line: 3, reason: .keyCodeOutOfRange(300))),
            ("0 q", KeymapError(line: 1, reason: .keyCodeOutOfRange(0))),
            ("16", KeymapError(line: 1, reason: .noSymbols)),
            ("16 :keypad", KeymapError(line: 1, reason: .noSymbols)),
            ("16 a b c d e", KeymapError(line: 1, reason: .tooManySymbols(5))),
            ("16 q\n17 qq", KeymapError(line: 2, reason: .unknownSymbol("qq"))),
            ("16 dead_foo", KeymapError(line: 1, reason: .unknownSymbol("dead_foo"))),
            ("16 U+D800", KeymapError(line: 1, reason: .badCodePoint("U+D800"))),
            ("16 U+110000", KeymapError(line: 1, reason: .badCodePoint("U+110000"))),
            ("16 U+12G4", KeymapError(line: 1, reason: .badCodePoint("U+12G4"))),
            ("16 U+", KeymapError(line: 1, reason: .badCodePoint("U+"))),
            ("16 q :shout", KeymapError(line: 1, reason: .unknownFlag(":shout"))),
            ("16 q\r\n\r\n16 w", KeymapError(line: 3, reason: .duplicateKey(code: 16, firstLine: 1))),
            ("KEY_Q q\n16 w", KeymapError(line: 2, reason: .duplicateKey(code: 16, firstLine: 1))),
            ("16 F25", KeymapError(line: 1, reason: .unknownSymbol("F25"))),
            ("99999999 q", KeymapError(line: 1, reason: .badKeyCode("99999999"))),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(Keymaps.error(text), expected, text)
        }
        XCTAssertEqual(Keymaps.error("16 q\n17 w\n18 e\n19 \u{FF}"), nil, "ÿ as UTF-8 is fine")
        XCTAssertEqual(Keymaps.error("16 q\n17 w\n18 e\n19 r"), nil)
    }

    func testInvalidUTF8() {
        let bytes: [UInt8] = Array("16 q\n17 ".utf8) + [0xC3, 0x28] + Array("\n18 e\n".utf8)
        let error = bytes.withUnsafeBytes { buffer -> KeymapError? in
            do throws(KeymapError) { _ = try Keymap.parse(buffer); return nil } catch { return error }
        }
        XCTAssertEqual(error, KeymapError(line: 2, reason: .invalidUTF8))
        // Overlong encodings and surrogates are not UTF-8 either.
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            let line = Array("16 ".utf8) + bad
            let result = line.withUnsafeBytes { Keymap.parseCollectingErrors($0) }
            XCTAssertEqual(result.errors, [KeymapError(line: 1, reason: .invalidUTF8)], "\(bad)")
        }
    }

    func testCollectingErrorsKeepsTheGoodLines() {
        let (keymap, errors) = Keymaps.parseCollecting("16 q Q\n17 bogus\n18 e E\n999 x\n19 r R")
        XCTAssertEqual(errors.map(\.line), [2, 4])
        XCTAssertEqual(errors.first?.message, "line 2: unknown symbol 'bogus'")
        XCTAssertEqual(keymap.entry(for: 16)?.plain, .character("q"))
        XCTAssertEqual(keymap.entry(for: 18)?.plain, .character("e"))
        XCTAssertEqual(keymap.entry(for: 19)?.plain, .character("r"))
        XCTAssertNil(keymap.entry(for: 17))
    }

    func testGarbageNeverTraps() {
        var generator = SplitMix64(seed: 0x6b6579)
        var sawErrors = 0
        for round in 0..<300 {
            let length = Int(generator.next() % 400)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if round % 3 == 0 {
                // Mostly plausible text, with random damage.
                bytes = Array("KEY_Q q Q @ Ω\n16 U+0041 dead_acute :keypad\n".utf8)
                for _ in 0..<4 { bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next()) }
            }
            let result = bytes.withUnsafeBytes { Keymap.parseCollectingErrors($0) }
            XCTAssertLessThanOrEqual(result.errors.count, KeymapParser.maximumErrors)
            for error in result.errors { XCTAssertFalse(error.message.isEmpty) }
            sawErrors += result.errors.isEmpty ? 0 : 1
        }
        XCTAssertGreaterThan(sawErrors, 100)
        // Many bad lines: the error list is capped.
        let many = String(repeating: "bad line\n", count: 1000)
        XCTAssertEqual(Keymaps.parseCollecting(many).errors.count, KeymapParser.maximumErrors)
    }

    func testEmptyFileIsTheDefaults() throws {
        XCTAssertEqual(try Keymaps.parse(""), Keymap.defaults)
        XCTAssertEqual(try Keymaps.parse("\n\n# nothing\n"), Keymap.defaults)
    }
}
