import Graphics
import XCTest

/// `fill` on the row-major reference grid.
func referenceFill(_ grid: inout [UInt32], width: Int, height: Int, _ rect: Rect, _ color: Color) {
    for y in 0 ..< height {
        for x in 0 ..< width where rect.contains(Point(x: x, y: y)) {
            grid[y * width + x] = color.xrgb
        }
    }
}

final class SurfaceFillTests: XCTestCase {
    func testPixelAccessIgnoresOutOfRange() {
        let g = GuardedSurface()
        let s = g.surface
        XCTAssertEqual(s.bounds, Rect(x: 0, y: 0, width: 8, height: 6))
        XCTAssertEqual(s.pixel(x: 3, y: 2), Color(xrgb: 0x40_0203))
        XCTAssertNil(s.pixel(x: -1, y: 0))
        XCTAssertNil(s.pixel(x: 8, y: 0))
        XCTAssertNil(s.pixel(x: 0, y: 6))
        XCTAssertNil(s.pixel(x: 0, y: Int.min))
        for (x, y) in [(-1, 0), (8, 0), (0, -1), (0, 6), (8, 6), (-1, -1), (Int.max, 0), (0, Int.min)] {
            s.setPixel(x: x, y: y, .red)
        }
        s.setPixel(x: 7, y: 5, .blue)
        s[0, 0] = .green
        XCTAssertEqual(s[7, 5], .blue)
        XCTAssertEqual(s.pixel(x: 0, y: 0), .green)
        XCTAssertTrue(g.guardsIntact)
    }

    func testFillSimpleAndWhole() {
        let g = GuardedSurface()
        g.surface.fill(Rect(x: 2, y: 1, width: 3, height: 2), color: .white)
        var want = GuardedSurface().grid
        referenceFill(&want, width: 8, height: 6, Rect(x: 2, y: 1, width: 3, height: 2), .white)
        XCTAssertEqual(g.grid, want)
        g.surface.clear(.gray)
        XCTAssertEqual(g.grid, [UInt32](repeating: Color.gray.xrgb, count: 48))
        XCTAssertTrue(g.guardsIntact)
    }

    func testPackedFillUsesWholeRows() {
        let g = GuardedSurface(packed: true)
        g.surface.fill(Rect(x: -3, y: 2, width: 20, height: 3), color: .cyan)
        var want = GuardedSurface(packed: true).grid
        referenceFill(&want, width: 8, height: 6, Rect(x: 0, y: 2, width: 8, height: 3), .cyan)
        XCTAssertEqual(g.grid, want)
        g.surface.clear(.black)
        XCTAssertEqual(g.grid, [UInt32](repeating: 0, count: 48))
        XCTAssertTrue(g.guardsIntact)
    }

    /// Random rectangles sticking out of every edge, or wholly outside.
    func testFillClipsAgainstReference() {
        var rng = SplitMix64(seed: 2)
        for packed in [false, true] {
            let g = GuardedSurface(packed: packed)
            var want = g.grid
            for step in 0 ..< 2000 {
                let rect = rng.rect(around: g.surface.size, slack: 6)
                let color = Color(xrgb: UInt32(step) &* 0x9E37)
                g.surface.fill(rect, color: color)
                referenceFill(&want, width: 8, height: 6, rect, color)
                XCTAssertEqual(g.grid, want, "fill \(rect)")
                if g.grid != want { return }
            }
            XCTAssertTrue(g.guardsIntact)
        }
    }

    func testLines() {
        let g = GuardedSurface()
        let s = g.surface
        s.clear(.black)
        s.horizontalLine(x: -2, y: 1, length: 5, color: .red)
        s.verticalLine(x: 7, y: 3, length: 10, color: .green)
        s.horizontalLine(x: 0, y: 6, length: 8, color: .red)   // below: nothing
        s.verticalLine(x: -1, y: 0, length: 6, color: .red)    // left: nothing
        s.horizontalLine(x: 4, y: 4, length: 0, color: .red)   // empty
        var want = [UInt32](repeating: 0, count: 48)
        for x in 0 ..< 3 { want[1 * 8 + x] = Color.red.xrgb }
        for y in 3 ..< 6 { want[y * 8 + 7] = Color.green.xrgb }
        XCTAssertEqual(g.grid, want)
        XCTAssertTrue(g.guardsIntact)
    }

    func testStrokeRect() {
        let g = GuardedSurface()
        let s = g.surface
        s.clear(.black)
        s.strokeRect(Rect(x: 1, y: 1, width: 5, height: 4), color: .white)
        let picture = [
            "........",
            ".#####..",
            ".#...#..",
            ".#...#..",
            ".#####..",
            "........",
        ]
        XCTAssertEqual(g.grid, render(picture))
        // Thick enough to meet: solid.
        s.clear(.black)
        s.strokeRect(Rect(x: 0, y: 0, width: 4, height: 3), color: .white, thickness: 2)
        XCTAssertEqual(g.grid, render(["####....", "####....", "####....", "........", "........", "........"]))
        // Hanging off the corner: only the visible parts of the bands.
        s.clear(.black)
        s.strokeRect(Rect(x: 5, y: 3, width: 6, height: 6), color: .white)
        XCTAssertEqual(g.grid, render(["........", "........", "........", ".....###", ".....#..", ".....#.."]))
        XCTAssertTrue(g.guardsIntact)
    }

    func testCroppedViewSharesMemoryAndClips() {
        let g = GuardedSurface()
        let s = g.surface
        s.clear(.black)
        let view = s.cropped(to: Rect(x: 5, y: 4, width: 10, height: 10))
        XCTAssertEqual(view.size, Size(width: 3, height: 2))
        XCTAssertEqual(view.stride, s.stride)
        view.clear(.white)
        XCTAssertEqual(g.grid, render(["........", "........", "........", "........", ".....###", ".....###"]))
        XCTAssertEqual(s.cropped(to: Rect(x: 20, y: 0, width: 4, height: 4)).size, .zero)
        XCTAssertTrue(g.guardsIntact)
    }

    /// '#' = white, anything else black, as a row-major grid.
    func render(_ rows: [String]) -> [UInt32] {
        rows.flatMap { $0.map { $0 == "#" ? Color.white.xrgb : Color.black.xrgb } }
    }
}
