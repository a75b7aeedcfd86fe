import Graphics
import Text
import XCTest

final class GlyphCacheTests: XCTestCase {
    /// The coverage bytes of a glyph (copied: the pointer is only valid until the next lookup).
    func bytes(_ glyph: Glyph) -> [UInt8] {
        guard let coverage = glyph.coverage else { return [] }
        return Array(UnsafeBufferPointer(start: coverage, count: glyph.width * glyph.height))
    }

    func testHitsAndMissesAreCounted() throws {
        let cache = try TestFonts.cache()
        XCTAssertEqual(cache.statistics, GlyphCacheStatistics())
        let a = cache.glyph(for: 0x41)
        XCTAssertEqual(a.kind, .bitmap)
        XCTAssertEqual(cache.statistics.misses, 1)
        XCTAssertEqual(cache.statistics.hits, 0)
        let again = cache.glyph(for: 0x41)
        XCTAssertEqual(cache.statistics.hits, 1)
        XCTAssertEqual(bytes(again), bytes(cache.glyph(for: 0x41)))
        XCTAssertEqual(cache.statistics.hits, 2)
        _ = cache.glyph(for: 0x41, style: .bold)  // style is part of the key
        XCTAssertEqual(cache.statistics.misses, 2)
        XCTAssertTrue(cache.contains(0x41, style: .bold))
        XCTAssertFalse(cache.contains(0x42, style: .bold))

        cache.prerenderASCII(style: .regular)  // 95 lookups, "A" already cached
        XCTAssertEqual(cache.statistics.misses, 2 + 94)
        XCTAssertEqual(cache.statistics.hits, 3)
        XCTAssertEqual(cache.count, 96)
        for code: UInt32 in 0x20 ... 0x7E { _ = cache.glyph(for: code) }
        XCTAssertEqual(cache.statistics.hits, 3 + 95)
        XCTAssertEqual(cache.statistics.misses, 96)
        XCTAssertEqual(cache.statistics.evictions, 0)

        // Missing glyphs are cached too: FreeType is not asked again.
        XCTAssertEqual(cache.glyph(for: 0x4E2D).kind, .missing)
        XCTAssertEqual(cache.glyph(for: 0x4E2D).kind, .missing)
        XCTAssertEqual(cache.statistics.misses, 97)

        cache.removeAll()
        XCTAssertEqual(cache.count, 0)
        XCTAssertEqual(cache.bytesUsed, 0)
        _ = cache.glyph(for: 0x41)
        XCTAssertEqual(cache.statistics.misses, 98)
    }

    func testPixelSizeIsPartOfTheKey() throws {
        let cache = try TestFonts.cache(size: 16)
        let small = cache.glyph(for: 0x57)
        let smallWidth = small.width
        let metrics16 = cache.metrics
        try cache.setPixelSize(24)
        XCTAssertEqual(cache.pixelSize, 24)
        XCTAssertNotEqual(cache.metrics, metrics16)
        let big = cache.glyph(for: 0x57)
        XCTAssertEqual(cache.statistics.misses, 2)
        XCTAssertGreaterThan(big.width, smallWidth)
        try cache.setPixelSize(16)
        XCTAssertEqual(cache.metrics, metrics16)
        XCTAssertEqual(cache.glyph(for: 0x57).width, smallWidth)
        XCTAssertEqual(cache.statistics.hits, 1, "the 16 px glyph survived the size change")
    }

    func testTinyBudgetKeepsWorking() throws {
        let reference = try TestFonts.cache(size: 20)
        let tiny = try TestFonts.cache(size: 20, budget: 64, maxGlyphs: 3)
        let m = tiny.metrics
        let text = Array("The quick brown fox jumps over the lazy dog ÄÖÜ ─│┼ 0123456789".unicodeScalars)
        for round in 0 ..< 3 {
            for (i, scalar) in text.enumerated() {
                let style = FontStyle.allCases[(i + round) % 4]
                let expected = reference.glyph(for: scalar.value, style: style)
                let expectedBytes = bytes(expected)
                let got = tiny.glyph(for: scalar.value, style: style)
                XCTAssertEqual(got.kind, expected.kind)
                XCTAssertEqual(got.left, expected.left)
                XCTAssertEqual(got.top, expected.top)
                XCTAssertEqual(got.width, expected.width)
                XCTAssertEqual(got.height, expected.height)
                XCTAssertEqual(got.advance, expected.advance)
                XCTAssertEqual(bytes(got), expectedBytes, "U+\(String(scalar.value, radix: 16)) \(style)")
                XCTAssertLessThanOrEqual(tiny.count, 3)
                // Never more than one cropped glyph's worth beyond the budget.
                XCTAssertLessThanOrEqual(tiny.arenaCapacity, max(64, 3 * m.width * m.height))
            }
        }
        XCTAssertGreaterThan(tiny.statistics.evictions, 10)
        XCTAssertGreaterThan(tiny.statistics.evictedGlyphs, tiny.statistics.evictions)
        XCTAssertEqual(reference.statistics.evictions, 0)
    }

    func testGlyphCountLimitEvicts() throws {
        let cache = try TestFonts.cache(budget: 1 << 20, maxGlyphs: 4)
        for code: UInt32 in 0x41 ..< 0x41 + 10 { _ = cache.glyph(for: code) }
        XCTAssertLessThanOrEqual(cache.count, 4)
        XCTAssertEqual(cache.statistics.evictions, 2)
        XCTAssertEqual(cache.statistics.evictedGlyphs, 8)
        XCTAssertEqual(cache.glyph(for: 0x41 + 9).kind, .bitmap)
        XCTAssertEqual(cache.statistics.hits, 1)
    }

    func testBlankMissingAndInvalidCodePoints() throws {
        let cache = try TestFonts.cache()
        let space = cache.glyph(for: 0x20)
        XCTAssertEqual(space.kind, .blank)
        XCTAssertNil(space.coverage)
        XCTAssertEqual(space.advance, cache.metrics.width)
        XCTAssertEqual(cache.glyph(for: 0).kind, .blank)
        // Unassigned, CJK, private use beyond DejaVu, noncharacter, surrogates, out of range.
        for code: UInt32 in [0x0378, 0x4E2D, 0x1F600, 0x10_FFFF, 0xFFFF, 0xD800, 0xDFFF, 0x11_0000, 0x7FFF_FFFF, .max] {
            for style in FontStyle.allCases {
                let glyph = cache.glyph(for: code, style: style)
                XCTAssertEqual(glyph.kind, .missing, "U+\(String(code, radix: 16))")
                XCTAssertNil(glyph.coverage)
                XCTAssertEqual(glyph.advance, cache.metrics.width)
            }
        }
    }

    func testGlyphsAreCroppedToTheCellBox() throws {
        for size in [8, 12, 16, 23, 32] {
            let cache = try TestFonts.cache(size: size)
            let m = cache.metrics
            for style in FontStyle.allCases {
                for code: UInt32 in Array(0x20 ... 0x7E) + [0xC5, 0x2588, 0x2502, 0x2500, 0x1E9E, 0x0102, 0x01FA] {
                    let g = cache.glyph(for: code, style: style)
                    guard g.kind == .bitmap else { continue }
                    XCTAssertGreaterThan(g.width, 0)
                    XCTAssertGreaterThan(g.height, 0)
                    XCTAssertLessThanOrEqual(g.top, m.baseline)
                    XCTAssertLessThanOrEqual(g.height - g.top, m.height - m.baseline)
                    XCTAssertGreaterThanOrEqual(g.left, -m.width)
                    XCTAssertLessThanOrEqual(g.left + g.width, 2 * m.width)
                    XCTAssertEqual(g.advance, m.width, "monospaced, U+\(String(code, radix: 16))")
                }
            }
            // The full block fills the cell's width and reaches the top and bottom rows.
            let block = cache.glyph(for: 0x2588)
            XCTAssertEqual(block.kind, .bitmap)
            XCTAssertEqual(block.top, m.baseline)
        }
    }

    func testBoldAndObliqueDifferFromRegular() throws {
        let cache = try TestFonts.cache(size: 20)
        func ink(_ code: UInt32, _ style: FontStyle) -> (bytes: [UInt8], sum: Int, glyph: Glyph) {
            let g = cache.glyph(for: code, style: style)
            let b = bytes(g)
            return (b, b.reduce(0) { $0 + Int($1) }, g)
        }
        for code in "AHMnx".unicodeScalars.map(\.value) {
            let regular = ink(code, .regular)
            let bold = ink(code, .bold)
            let oblique = ink(code, .oblique)
            XCTAssertNotEqual(regular.bytes, bold.bytes)
            XCTAssertGreaterThan(bold.sum, regular.sum * 11 / 10, "bold is heavier")
            XCTAssertNotEqual(regular.bytes, oblique.bytes)
            XCTAssertNotEqual(bold.bytes, ink(code, .boldOblique).bytes)
        }
    }

    func testHintingModesRender() throws {
        for hinting in [GlyphHinting.native, .none] {
            let cache = try TestFonts.cache(size: 16, hinting: hinting)
            let g = cache.glyph(for: 0x48)
            XCTAssertEqual(g.kind, .bitmap, "\(hinting)")
            XCTAssertEqual(g.advance, cache.metrics.width)
        }
    }
}
