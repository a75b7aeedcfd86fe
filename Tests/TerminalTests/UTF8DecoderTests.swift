import Terminal
import XCTest

/// Markus Kuhn's UTF-8 decoder capability and stress test
/// (https://www.cl.cam.ac.uk/~mgk25/ucs/examples/UTF-8-test.txt), section by
/// section, with the results the Unicode standard's "maximal subpart" practice
/// gives: one U+FFFD per maximal ill-formed subsequence.
final class UTF8DecoderTests: XCTestCase {
    let fffd: UInt32 = 0xFFFD

    /// Decodes a whole stream, flushing a truncated tail as one U+FFFD.
    func decode(_ bytes: [UInt8]) -> [UInt32] {
        var decoder = UTF8Decoder()
        var scalars: [UInt32] = []
        for byte in bytes {
            var step = decoder.decode(byte)
            if step == .invalidThenRetry {
                scalars.append(fffd)
                step = decoder.decode(byte)
                XCTAssertNotEqual(step, .invalidThenRetry, "a retried byte starts afresh")
            }
            switch step {
            case .pending: break
            case .scalar(let scalar): scalars.append(scalar)
            case .invalid, .invalidThenRetry: scalars.append(fffd)
            }
        }
        if decoder.flush() { scalars.append(fffd) }
        return scalars
    }

    func replacements(_ count: Int) -> [UInt32] {
        [UInt32](repeating: fffd, count: count)
    }

    // 1. Some correct UTF-8 text
    func testCorrectText() {
        XCTAssertEqual(decode([0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5]),
                       [0x3BA, 0x1F79, 0x3C3, 0x3BC, 0x3B5])
    }

    // 2.1 First possible sequence of a certain length
    func testFirstPossibleSequences() {
        XCTAssertEqual(decode([0x00]), [0x0000])
        XCTAssertEqual(decode([0xC2, 0x80]), [0x0080])
        XCTAssertEqual(decode([0xE0, 0xA0, 0x80]), [0x0800])
        XCTAssertEqual(decode([0xF0, 0x90, 0x80, 0x80]), [0x10000])
        XCTAssertEqual(decode([0xF8, 0x88, 0x80, 0x80, 0x80]), replacements(5))
        XCTAssertEqual(decode([0xFC, 0x84, 0x80, 0x80, 0x80, 0x80]), replacements(6))
    }

    // 2.2 Last possible sequence of a certain length
    func testLastPossibleSequences() {
        XCTAssertEqual(decode([0x7F]), [0x7F])
        XCTAssertEqual(decode([0xDF, 0xBF]), [0x7FF])
        XCTAssertEqual(decode([0xEF, 0xBF, 0xBF]), [0xFFFF])
        XCTAssertEqual(decode([0xF7, 0xBF, 0xBF, 0xBF]), replacements(4))  // U+1FFFFF: beyond Unicode
        XCTAssertEqual(decode([0xFB, 0xBF, 0xBF, 0xBF, 0xBF]), replacements(5))
        XCTAssertEqual(decode([0xFD, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF]), replacements(6))
    }

    // 2.3 Other boundary conditions
    func testOtherBoundaries() {
        XCTAssertEqual(decode([0xED, 0x9F, 0xBF]), [0xD7FF])
        XCTAssertEqual(decode([0xEE, 0x80, 0x80]), [0xE000])
        XCTAssertEqual(decode([0xEF, 0xBF, 0xBD]), [0xFFFD])
        XCTAssertEqual(decode([0xF4, 0x8F, 0xBF, 0xBF]), [0x10FFFF])
        XCTAssertEqual(decode([0xF4, 0x90, 0x80, 0x80]), replacements(4))  // U+110000
    }

    // 3.1 Unexpected continuation bytes
    func testUnexpectedContinuationBytes() {
        XCTAssertEqual(decode([0x80]), replacements(1))
        XCTAssertEqual(decode([0xBF]), replacements(1))
        XCTAssertEqual(decode([0x80, 0xBF]), replacements(2))
        XCTAssertEqual(decode([0x80, 0xBF, 0x80]), replacements(3))
        XCTAssertEqual(decode([0x80, 0xBF, 0x80, 0xBF]), replacements(4))
        XCTAssertEqual(decode([0x80, 0xBF, 0x80, 0xBF, 0x80]), replacements(5))
        XCTAssertEqual(decode([0x80, 0xBF, 0x80, 0xBF, 0x80, 0xBF]), replacements(6))
        XCTAssertEqual(decode([0x80, 0xBF, 0x80, 0xBF, 0x80, 0xBF, 0x80]), replacements(7))
        // 3.1.9: all 64 continuation bytes
        XCTAssertEqual(decode(Array(0x80 ... 0xBF)), replacements(64))
    }

    // 3.2 Lonely start characters, each followed by a space
    func testLonelyStartCharacters() {
        for range in [0xC0 ... 0xDF, 0xE0 ... 0xEF, 0xF0 ... 0xF7, 0xF8 ... 0xFB, 0xFC ... 0xFD] as [ClosedRange<UInt8>] {
            var bytes: [UInt8] = []
            var expected: [UInt32] = []
            for lead in range {
                bytes += [lead, 0x20]
                expected += [fffd, 0x20]
            }
            XCTAssertEqual(decode(bytes), expected, "lonely starts \(range)")
        }
    }

    // 3.3 Sequences with the last continuation byte missing
    func testLastContinuationByteMissing() {
        XCTAssertEqual(decode([0xC0]), replacements(1))  // 3.3.1 (overlong U+0000)
        XCTAssertEqual(decode([0xE0, 0x80]), replacements(2))  // 3.3.2 (overlong)
        XCTAssertEqual(decode([0xF0, 0x80, 0x80]), replacements(3))  // 3.3.3 (overlong)
        XCTAssertEqual(decode([0xF8, 0x80, 0x80, 0x80]), replacements(4))  // 3.3.4
        XCTAssertEqual(decode([0xFC, 0x80, 0x80, 0x80, 0x80]), replacements(5))  // 3.3.5
        XCTAssertEqual(decode([0xDF]), replacements(1))  // 3.3.6 U+07FF truncated: one maximal subpart
        XCTAssertEqual(decode([0xEF, 0xBF]), replacements(1))  // 3.3.7 U+FFFF truncated
        XCTAssertEqual(decode([0xF7, 0xBF, 0xBF]), replacements(3))  // 3.3.8
        XCTAssertEqual(decode([0xFB, 0xBF, 0xBF, 0xBF]), replacements(4))  // 3.3.9
        XCTAssertEqual(decode([0xFD, 0xBF, 0xBF, 0xBF, 0xBF]), replacements(5))  // 3.3.10
        XCTAssertEqual(decode([0xF4, 0x8F, 0xBF]), replacements(1))  // U+10FFFF truncated
    }

    // 3.4 Concatenation of the incomplete sequences of 3.3
    func testConcatenatedIncompleteSequences() {
        let bytes: [UInt8] = [
            0xC0, 0xE0, 0x80, 0xF0, 0x80, 0x80, 0xF8, 0x80, 0x80, 0x80, 0xFC, 0x80, 0x80, 0x80, 0x80,
            0xDF, 0xEF, 0xBF, 0xF7, 0xBF, 0xBF, 0xFB, 0xBF, 0xBF, 0xBF, 0xFD, 0xBF, 0xBF, 0xBF, 0xBF,
        ]
        XCTAssertEqual(decode(bytes), replacements(1 + 2 + 3 + 4 + 5 + 1 + 1 + 3 + 4 + 5))
    }

    // 3.5 Impossible bytes
    func testImpossibleBytes() {
        XCTAssertEqual(decode([0xFE]), replacements(1))
        XCTAssertEqual(decode([0xFF]), replacements(1))
        XCTAssertEqual(decode([0xFE, 0xFE, 0xFF, 0xFF]), replacements(4))
    }

    // 4.1 Overlong ASCII "/"
    func testOverlongSlash() {
        XCTAssertEqual(decode([0xC0, 0xAF]), replacements(2))
        XCTAssertEqual(decode([0xE0, 0x80, 0xAF]), replacements(3))
        XCTAssertEqual(decode([0xF0, 0x80, 0x80, 0xAF]), replacements(4))
        XCTAssertEqual(decode([0xF8, 0x80, 0x80, 0x80, 0xAF]), replacements(5))
        XCTAssertEqual(decode([0xFC, 0x80, 0x80, 0x80, 0x80, 0xAF]), replacements(6))
    }

    // 4.2 Maximum overlong sequences
    func testMaximumOverlongSequences() {
        XCTAssertEqual(decode([0xC1, 0xBF]), replacements(2))
        XCTAssertEqual(decode([0xE0, 0x9F, 0xBF]), replacements(3))
        XCTAssertEqual(decode([0xF0, 0x8F, 0xBF, 0xBF]), replacements(4))
        XCTAssertEqual(decode([0xF8, 0x87, 0xBF, 0xBF, 0xBF]), replacements(5))
        XCTAssertEqual(decode([0xFC, 0x83, 0xBF, 0xBF, 0xBF, 0xBF]), replacements(6))
    }

    // 4.3 Overlong NUL
    func testOverlongNul() {
        XCTAssertEqual(decode([0xC0, 0x80]), replacements(2))
        XCTAssertEqual(decode([0xE0, 0x80, 0x80]), replacements(3))
        XCTAssertEqual(decode([0xF0, 0x80, 0x80, 0x80]), replacements(4))
        XCTAssertEqual(decode([0xF8, 0x80, 0x80, 0x80, 0x80]), replacements(5))
        XCTAssertEqual(decode([0xFC, 0x80, 0x80, 0x80, 0x80, 0x80]), replacements(6))
    }

    // 5.1 Single UTF-16 surrogates
    func testSingleSurrogates() {
        for second: UInt8 in [0xA0, 0xAD, 0xAE, 0xAF, 0xB0, 0xBE, 0xBF] {
            XCTAssertEqual(decode([0xED, second, 0x80]), replacements(3))
            XCTAssertEqual(decode([0xED, second, 0xBF]), replacements(3))
        }
    }

    // 5.2 Paired UTF-16 surrogates
    func testPairedSurrogates() {
        XCTAssertEqual(decode([0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80]), replacements(6))
        XCTAssertEqual(decode([0xED, 0xAF, 0xBF, 0xED, 0xBF, 0xBF]), replacements(6))
    }

    // 5.3 Noncharacters are valid scalars and pass through
    func testNoncharacters() {
        XCTAssertEqual(decode([0xEF, 0xBF, 0xBE]), [0xFFFE])
        XCTAssertEqual(decode([0xEF, 0xBF, 0xBF]), [0xFFFF])
        XCTAssertEqual(decode([0xEF, 0xB7, 0x90]), [0xFDD0])
        XCTAssertEqual(decode([0xF0, 0x9F, 0xBF, 0xBE]), [0x1FFFE])
        XCTAssertEqual(decode([0xF4, 0x8F, 0xBF, 0xBE]), [0x10FFFE])
    }

    func testTruncationFollowedByASCIIKeepsTheASCII() {
        XCTAssertEqual(decode([0xE2, 0x82, 0x41]), [fffd, 0x41])
        XCTAssertEqual(decode([0xF0, 0x9F, 0x98, 0x0A]), [fffd, 0x0A])
        // A new lead byte cuts the previous sequence and starts its own.
        XCTAssertEqual(decode([0xE2, 0xC3, 0xA9]), [fffd, 0xE9])
    }

    func testEveryScalarRoundTrips() {
        var scalar: UInt32 = 0
        while scalar <= 0x10FFFF {
            if let value = Unicode.Scalar(scalar) {
                let bytes = Array(String(Character(value)).utf8)
                XCTAssertEqual(decode(bytes), [scalar], "U+\(String(scalar, radix: 16))")
            }
            scalar += scalar < 0x800 ? 1 : 97  // dense at the low end, sampled above
        }
    }

    func testDecoderIsIdleAfterEachScalar() {
        var decoder = UTF8Decoder()
        for byte: UInt8 in [0xF0, 0x9F, 0x98] {
            XCTAssertEqual(decoder.decode(byte), .pending)
            XCTAssertTrue(decoder.isPending)
        }
        XCTAssertEqual(decoder.decode(0x80), .scalar(0x1F600))
        XCTAssertFalse(decoder.isPending)
        XCTAssertFalse(decoder.flush())
    }
}
