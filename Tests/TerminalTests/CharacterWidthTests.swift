@testable import Terminal
import XCTest

final class CharacterWidthTests: XCTestCase {
    /// The Basic Multilingual Plane is answered from a table made at first use;
    /// it must agree with the range tables for every scalar.
    func testBasicPlaneTableAgreesWithTheRangeTables() {
        var disagreements: [String] = []
        for scalar in UInt32(0) ..< 0x1_0000 where CharacterWidth.of(scalar) != CharacterWidth.searchedWidth(scalar) {
            disagreements.append(String(scalar, radix: 16))
            if disagreements.count == 10 { break }
        }
        XCTAssertTrue(disagreements.isEmpty, "widths differ at U+\(disagreements.joined(separator: ", U+"))")
    }

    func testControlsAreZero() {
        for scalar: UInt32 in [0x00, 0x07, 0x1B, 0x1F, 0x7F, 0x80, 0x9B, 0x9F] {
            XCTAssertEqual(CharacterWidth.of(scalar), 0, "U+\(String(scalar, radix: 16))")
        }
    }

    func testASCIIAndLatinAreOne() {
        for scalar: UInt32 in 0x20 ... 0x7E { XCTAssertEqual(CharacterWidth.of(scalar), 1) }
        XCTAssertEqual(CharacterWidth.of(0xA0), 1)  // NBSP
        XCTAssertEqual(CharacterWidth.of(0xAD), 1)  // soft hyphen shows
        XCTAssertEqual(CharacterWidth.of(0xE9), 1)  // é
        XCTAssertEqual(CharacterWidth.of(0x3B1), 1)  // α
        XCTAssertEqual(CharacterWidth.of(0x416), 1)  // Ж
        XCTAssertEqual(CharacterWidth.of(0x2500), 1)  // ─ box drawing
        XCTAssertEqual(CharacterWidth.of(0xFFFD), 1)
    }

    func testCombiningMarksAreZero() {
        let zero: [UInt32] = [
            0x0300, 0x0301, 0x036F,  // combining diacriticals (Mn)
            0x0488, 0x0489,  // Cyrillic enclosing (Me)
            0x0591, 0x05BD,  // Hebrew points
            0x064B,  // Arabic fathatan
            0x0E31, 0x0E47,  // Thai
            0x1160, 0x11FF, 0xD7B0,  // Hangul medial vowels / finals
            0x200B, 0x200C, 0x200D, 0x200E, 0x2060,  // ZWSP, ZWNJ, ZWJ, LRM, WJ
            0x20DD,  // combining enclosing circle
            0xFE00, 0xFE0F,  // variation selectors
            0xFEFF,  // BOM
            0x1D167,  // musical combining
            0xE0001, 0xE0020, 0xE0100,  // tags, variation selectors supplement
            0x0ECE, 0x11F00, 0x1E4EC,  // added in Unicode 15
        ]
        for scalar in zero {
            XCTAssertEqual(CharacterWidth.of(scalar), 0, "U+\(String(scalar, radix: 16))")
            XCTAssertTrue(CharacterWidth.isCombining(scalar))
        }
    }

    func testWideCharactersAreTwo() {
        let wide: [UInt32] = [
            0x1100,  // Hangul Choseong
            0x2E80, 0x3000, 0x3041, 0x30A2,  // CJK radicals, ideographic space, kana
            0x4E00, 0x9FFF, 0x3400,  // CJK unified ideographs
            0xAC00, 0xD7A3,  // Hangul syllables
            0xF900, 0xFF01, 0xFF21, 0xFFE6,  // compatibility, fullwidth forms
            0x231A, 0x23F0, 0x2614, 0x26A1, 0x2705, 0x2B50,  // emoji presentation in BMP
            0x1F300, 0x1F600, 0x1F64F, 0x1F680, 0x1F9FF,  // emoji
            0x20000, 0x2A6DF, 0x2FFFD, 0x30000, 0x3FFFD,  // planes 2 and 3
            0x1F6DC, 0x1FA75, 0x1FAE8, 0x1B132,  // added in Unicode 15
        ]
        for scalar in wide {
            XCTAssertEqual(CharacterWidth.of(scalar), 2, "U+\(String(scalar, radix: 16))")
        }
    }

    func testNarrowNeighboursOfWideRanges() {
        let narrow: [UInt32] = [
            0x10FF, 0x2E7F, 0x303F, 0xA4D0, 0xD7A4, 0xFF61,  // halfwidth katakana
            0xFFE8, 0x1F1E6,  // regional indicator (neutral)
            0x2764,  // heavy black heart: text presentation by default
            0x1F321, 0x40000, 0x10FFFF,
        ]
        for scalar in narrow {
            XCTAssertEqual(CharacterWidth.of(scalar), 1, "U+\(String(scalar, radix: 16))")
        }
    }

    func testWideCombiningMarkIsZero() {
        XCTAssertEqual(CharacterWidth.of(0x3099), 0)  // combining kana voiced mark: Mn and W
        XCTAssertEqual(CharacterWidth.of(0x309B), 2)  // its spacing form
    }
}
