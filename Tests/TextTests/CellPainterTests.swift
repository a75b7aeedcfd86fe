import Foundation
import Graphics
import Text
import XCTest

final class CellPainterTests: XCTestCase {
    let paper = Color(xrgb: 0x10_2030)
    let ink = Color(xrgb: 0xE0_D0C0)
    /// The colour the surface starts with, so untouched pixels are recognisable.
    let untouched = Color(xrgb: 0x13_5A27)  // not a grey: no blend of grey text yields it

    func testCellsNeverWriteOutsideTheirBox() throws {
        let samples: [UInt32] = Array("AWMgjy_|/\\@Q%{}()[]ÅÇ".unicodeScalars.map(\.value))
            + [0x2588, 0x2500, 0x253C, 0x2502, 0x4E2D, 0x1F600, 0x0378, 0x20, 0, 0x11_0000]
        for size in [8, 13, 16, 24, 32] {
            let cache = try TestFonts.cache(size: size)
            let painter = CellPainter(cache: cache, origin: Point(x: 3, y: 2))
            let m = painter.metrics
            let canvas = Canvas(width: 3 + 6 * m.width + 5, height: 2 + 3 * m.height + 4, fill: untouched)
            for style in FontStyle.allCases {
                for code in samples {
                    for wide in [false, true] {
                        for attributes in [CellAttributes(), [.underline, .strikethrough]] {
                            canvas.surface.clear(untouched)
                            let damage = painter.drawCell(code, column: 2, row: 1, style: style, attributes: attributes,
                                                          foreground: ink, background: paper, wide: wide, on: canvas.surface)
                            let box = painter.cellRect(column: 2, row: 1, wide: wide)
                            XCTAssertEqual(damage, box)
                            XCTAssertEqual(box.width, wide ? 2 * m.width : m.width)
                            XCTAssertEqual(canvas.countOutside(box, differentFrom: untouched), 0,
                                           "size \(size) \(style) U+\(String(code, radix: 16)) wide \(wide)")
                            XCTAssertEqual(canvas.count(in: box, differentFrom: untouched), box.area,
                                           "the whole cell is painted (background first)")
                        }
                    }
                }
            }
            for cursor in [CursorStyle.block, .underline, .bar, .hollowBlock] {
                canvas.surface.clear(untouched)
                let box = painter.drawCursor(cursor, column: 1, row: 2, color: ink, on: canvas.surface)
                XCTAssertEqual(box, painter.cellRect(column: 1, row: 2))
                XCTAssertEqual(canvas.countOutside(box, differentFrom: untouched), 0)
                XCTAssertGreaterThan(canvas.count(in: box, differentFrom: untouched), 0)
            }
            XCTAssertTrue(canvas.memoryGuardsIntact)
        }
    }

    func testCellsHangingOffTheSurfaceAreClipped() throws {
        let cache = try TestFonts.cache(size: 16)
        let m = cache.metrics
        let canvas = Canvas(width: 3 * m.width + m.width / 2, height: 2 * m.height + m.height / 2, fill: untouched)
        for origin in [Point(x: -m.width / 2, y: -m.height / 2), .zero, Point(x: 5, y: 3)] {
            let painter = CellPainter(cache: cache, origin: origin)
            for row in -2 ... 4 {
                for column in -3 ... 5 {
                    for code in [UInt32(0x40), 0x2588, 0x4E2D] {
                        let damage = painter.drawCell(code, column: column, row: row, style: .boldOblique,
                                                      attributes: [.underline, .strikethrough],
                                                      foreground: ink, background: paper, wide: column % 2 == 0,
                                                      on: canvas.surface)
                        XCTAssertTrue(canvas.surface.bounds.contains(damage))
                        painter.drawCursor(.hollowBlock, column: column, row: row, wide: true, color: ink, on: canvas.surface)
                        painter.drawReplacementBox(column: column, row: row, wide: true, color: ink, on: canvas.surface)
                    }
                }
            }
        }
        // Absurd coordinates draw nothing instead of overflowing.
        let painter = CellPainter(cache: cache)
        for (column, row) in [(Int.max, 0), (0, Int.min), (Int.min, Int.max), (1 << 40, 3)] {
            XCTAssertEqual(painter.drawCell(0x41, column: column, row: row, foreground: ink, background: paper,
                                            wide: true, on: canvas.surface), .zero)
            XCTAssertEqual(painter.drawCursor(.bar, column: column, row: row, color: ink, on: canvas.surface), .zero)
            XCTAssertEqual(painter.drawReplacementBox(column: column, row: row, color: ink, on: canvas.surface), .zero)
            XCTAssertEqual(painter.drawText("abc", column: column, row: row, foreground: ink, background: paper,
                                            on: canvas.surface), 0)
        }
        XCTAssertTrue(canvas.memoryGuardsIntact)
        let count = CellPainter(cache: cache).gridSize(for: canvas.surface.size)
        XCTAssertEqual(count.columns, 3)
        XCTAssertEqual(count.rows, 2)
    }

    func testWideCJKWithoutAGlyphDrawsABoxAcrossBothCells() throws {
        let cache = try TestFonts.cache(size: 16)
        let painter = CellPainter(cache: cache)
        let m = painter.metrics
        let canvas = Canvas(width: 4 * m.width, height: m.height, fill: untouched)
        painter.drawCell(0x4E2D, column: 1, row: 0, foreground: ink, background: paper, wide: true, on: canvas.surface)
        let box = painter.cellRect(column: 1, row: 0, wide: true)
        XCTAssertEqual(canvas.countOutside(box, differentFrom: untouched), 0)
        let first = Rect(x: box.x, y: 0, width: m.width, height: m.height)
        let second = first.translated(dx: m.width, dy: 0)
        XCTAssertGreaterThan(canvas.count(in: first, differentFrom: paper), 0)
        XCTAssertGreaterThan(canvas.count(in: second, differentFrom: paper), 0)
        // A hollow box: ink on the frame, paper in the middle and along the cell edges.
        let midY = m.height / 2
        XCTAssertEqual(canvas.pixel(box.x + m.width, midY), paper.xrgb, "hollow inside")
        XCTAssertEqual(canvas.pixel(box.x, midY), paper.xrgb, "inset from the left edge")
        XCTAssertEqual(canvas.pixel(box.maxX - 1, midY), paper.xrgb, "inset from the right edge")
        var left = Int.max, right = Int.min
        for x in box.minX ..< box.maxX where canvas.pixel(x, midY) == ink.xrgb {
            left = min(left, x)
            right = max(right, x)
        }
        XCTAssertLessThan(left, box.x + m.width / 2)
        XCTAssertGreaterThan(right, box.maxX - m.width / 2 - 1)
    }

    func testUnassignedCodePointDrawsTheReplacementBox() throws {
        let cache = try TestFonts.cache(size: 20)
        let painter = CellPainter(cache: cache)
        let m = painter.metrics
        let a = Canvas(width: m.width, height: m.height, fill: untouched)
        let b = Canvas(width: m.width, height: m.height, fill: untouched)
        painter.drawCell(0x0378, column: 0, row: 0, foreground: ink, background: paper, on: a.surface)
        b.surface.clear(paper)
        painter.drawReplacementBox(column: 0, row: 0, color: ink, on: b.surface)
        XCTAssertEqual(a.pixels, b.pixels)
        let inked = a.count(in: a.surface.bounds, differentFrom: paper)
        XCTAssertGreaterThan(inked, m.height)  // visible
        XCTAssertLessThan(inked, m.width * m.height / 2)  // hollow
        XCTAssertEqual(a.pixel(m.width / 2, m.height / 2), paper.xrgb)
        // Not FreeType's .notdef: every missing code point gets the same box.
        let c = Canvas(width: m.width, height: m.height, fill: untouched)
        painter.drawCell(0x10_FFFD, column: 0, row: 0, foreground: ink, background: paper, on: c.surface)
        XCTAssertEqual(a.pixels, c.pixels)
    }

    func testUnderlineStrikethroughAndCursors() throws {
        let cache = try TestFonts.cache(size: 16)
        let painter = CellPainter(cache: cache)
        let m = painter.metrics
        let canvas = Canvas(width: m.width, height: m.height, fill: untouched)
        painter.drawCell(0x20, column: 0, row: 0, attributes: [.underline], foreground: ink, background: paper, on: canvas.surface)
        for y in 0 ..< m.height {
            let inked = canvas.count(in: Rect(x: 0, y: y, width: m.width, height: 1), differentFrom: paper)
            let expected = (m.underlinePosition ..< m.underlinePosition + m.underlineThickness).contains(y) ? m.width : 0
            XCTAssertEqual(inked, expected, "row \(y)")
        }
        painter.drawCell(0x20, column: 0, row: 0, attributes: [.strikethrough], foreground: ink, background: paper, on: canvas.surface)
        for y in 0 ..< m.height {
            let inked = canvas.count(in: Rect(x: 0, y: y, width: m.width, height: 1), differentFrom: paper)
            let expected = (m.strikeoutPosition ..< m.strikeoutPosition + m.strikeoutThickness).contains(y) ? m.width : 0
            XCTAssertEqual(inked, expected, "row \(y)")
        }
        // The strikeout crosses lower-case letters: "x" has ink on its rows.
        painter.drawCell(0x78, column: 0, row: 0, foreground: ink, background: paper, on: canvas.surface)
        XCTAssertGreaterThan(canvas.count(in: Rect(x: 0, y: m.strikeoutPosition, width: m.width, height: 1), differentFrom: paper), 0)

        let t = m.cursorThickness
        canvas.surface.clear(paper)
        painter.drawCursor(.block, column: 0, row: 0, color: ink, on: canvas.surface)
        XCTAssertEqual(canvas.count(in: canvas.surface.bounds, differentFrom: ink), 0)
        canvas.surface.clear(paper)
        painter.drawCursor(.underline, column: 0, row: 0, color: ink, on: canvas.surface)
        XCTAssertEqual(canvas.count(in: canvas.surface.bounds, differentFrom: paper), t * m.width)
        XCTAssertEqual(canvas.count(in: Rect(x: 0, y: m.height - t, width: m.width, height: t), differentFrom: ink), 0)
        canvas.surface.clear(paper)
        painter.drawCursor(.bar, column: 0, row: 0, color: ink, on: canvas.surface)
        XCTAssertEqual(canvas.count(in: canvas.surface.bounds, differentFrom: paper), t * m.height)
        XCTAssertEqual(canvas.count(in: Rect(x: 0, y: 0, width: t, height: m.height), differentFrom: ink), 0)
        canvas.surface.clear(paper)
        painter.drawCursor(.hollowBlock, column: 0, row: 0, color: ink, on: canvas.surface)
        XCTAssertEqual(canvas.count(in: canvas.surface.bounds, differentFrom: paper), 2 * m.width + 2 * (m.height - 2))
    }

    func testRenderingTheSameStringTwiceIsPixelIdentical() throws {
        let text = "Hello, Lumen! {[(0O1lI|)]} ÅÄÖ ─┼─ █▓▒░ 中"
        func render(_ cache: GlyphCache) -> [UInt32] {
            let painter = CellPainter(cache: cache, origin: Point(x: 1, y: 1))
            let m = painter.metrics
            let canvas = Canvas(width: 2 + text.unicodeScalars.count * m.width, height: 2 + 4 * m.height, fill: untouched)
            for (row, style) in FontStyle.allCases.enumerated() {
                painter.drawText(text, column: 0, row: row, style: style, attributes: row == 2 ? [.underline] : [],
                                 foreground: ink, background: paper, on: canvas.surface)
            }
            return canvas.pixels
        }
        let cache = try TestFonts.cache(size: 17)
        let first = render(cache)
        let second = render(cache)  // from the cache
        XCTAssertEqual(first, second)
        XCTAssertEqual(render(try TestFonts.cache(size: 17)), first, "a fresh cache renders the same")
        XCTAssertEqual(render(try TestFonts.cache(size: 17, budget: 100, maxGlyphs: 2)), first, "evicting renders the same")
        // Redrawing over existing text leaves it unchanged (no blending drift).
        let painter = CellPainter(cache: cache)
        let canvas = Canvas(width: 8 * cache.metrics.width, height: cache.metrics.height, fill: untouched)
        painter.drawText("Redraw!!", column: 0, row: 0, foreground: ink, background: paper, on: canvas.surface)
        let once = canvas.pixels
        for _ in 0 ..< 3 { painter.drawText("Redraw!!", column: 0, row: 0, foreground: ink, background: paper, on: canvas.surface) }
        XCTAssertEqual(canvas.pixels, once)
    }

    /// Golden properties of "Lumen" at 16 px, white on black.
    func testGoldenLumenAt16() throws {
        let cache = try TestFonts.cache(size: 16)
        let painter = CellPainter(cache: cache)
        let m = painter.metrics
        XCTAssertEqual(m.width, 10)
        let canvas = Canvas(width: 5 * m.width, height: m.height, fill: untouched)
        XCTAssertEqual(painter.drawText("Lumen", column: 0, row: 0, foreground: .white, background: .black, on: canvas.surface), 5)
        if let path = ProcessInfo.processInfo.environment["LUMEN_TEXT_DUMP"] { canvas.writePPM(to: path) }
        XCTAssertEqual(canvas.count(in: canvas.surface.bounds, differentFrom: untouched), canvas.width * canvas.height)

        var tops: [Int] = []
        for (i, letter) in "Lumen".enumerated() {
            let cell = Rect(x: i * m.width, y: 0, width: m.width, height: m.height)
            XCTAssertGreaterThan(canvas.count(in: cell, differentFrom: .black), 8, "\(letter) has ink")
            // No descenders in "Lumen": nothing at or below the baseline row...
            let below = Rect(x: cell.x, y: m.baseline, width: m.width, height: m.height - m.baseline)
            XCTAssertEqual(canvas.count(in: below, differentFrom: .black), 0, "\(letter) sits on the baseline")
            // ...and hinting puts dark-enough ink in the row just above it.
            var inked = 0
            for x in cell.minX ..< cell.maxX where canvas.pixel(x, m.baseline - 1) & 0xFF >= 0x80 { inked += 1 }
            XCTAssertGreaterThanOrEqual(inked, 1, "\(letter) touches the baseline")
            var top = m.baseline
            for y in 0 ..< m.baseline where canvas.count(in: Rect(x: cell.x, y: y, width: m.width, height: 1), differentFrom: .black) > 0 {
                top = y
                break
            }
            tops.append(top)
        }
        // "L" is a capital: taller than the x-height letters, which share one top row.
        XCTAssertLessThan(tops[0], tops[1] - 2)
        XCTAssertEqual(Set(tops[1...]).count, 1, "x-height snapped to one row: \(tops)")
        // The L's foot: a solid bar along the baseline, at least half the cell wide.
        var foot = 0
        for x in 0 ..< m.width where canvas.pixel(x, m.baseline - 1) == Color.white.xrgb { foot += 1 }
        XCTAssertGreaterThanOrEqual(foot, m.width / 2)
        // The L's stem: one solid column from its top to the baseline.
        let stem = (0 ..< m.width).first { x in (tops[0] + 1 ..< m.baseline).allSatisfy { canvas.pixel(x, $0) == Color.white.xrgb } }
        XCTAssertNotNil(stem, "L has a crisp vertical stem")
        // v35 hinting puts vertical stems on whole pixels: solid columns over the
        // lower part of the x-height: three in "m", two in "n".
        func solidColumns(_ index: Int) -> Int {
            (0 ..< m.width).filter { x in
                (tops[index] + 4 ..< m.baseline).allSatisfy { canvas.pixel(index * m.width + x, $0) == Color.white.xrgb }
            }.count
        }
        XCTAssertEqual(solidColumns(2), 3, "m")
        XCTAssertEqual(solidColumns(4), 2, "n")
    }
}
