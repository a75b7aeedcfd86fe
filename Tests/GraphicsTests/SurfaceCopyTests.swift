import Graphics
import XCTest

/// `copy`/`blit` on reference grids: every source pixel whose source and
/// destination positions are both inside moves, reading only the old picture.
func referenceTransfer(
    into target: inout [UInt32], size: Size, from old: [UInt32], sourceSize: Size,
    _ source: Rect, to destination: Point
) {
    let dx = destination.x - source.x, dy = destination.y - source.y
    for sy in source.minY ..< max(source.minY, source.maxY) {
        for sx in source.minX ..< max(source.minX, source.maxX) {
            let tx = sx + dx, ty = sy + dy
            guard Rect(size: sourceSize).contains(Point(x: sx, y: sy)),
                  Rect(size: size).contains(Point(x: tx, y: ty)) else { continue }
            target[ty * size.width + tx] = old[sy * sourceSize.width + sx]
        }
    }
}

final class SurfaceCopyTests: XCTestCase {
    func checkCopy(_ g: GuardedSurface, _ source: Rect, to destination: Point,
                   file: StaticString = #filePath, line: UInt = #line) -> Bool {
        g.fillPattern()
        let old = g.grid
        var want = old
        referenceTransfer(into: &want, size: g.surface.size, from: old, sourceSize: g.surface.size,
                          source, to: destination)
        g.surface.copy(from: source, to: destination)
        XCTAssertEqual(g.grid, want, "copy \(source) to \(destination)", file: file, line: line)
        XCTAssertTrue(g.guardsIntact, "guards after copy \(source) to \(destination)", file: file, line: line)
        return g.grid == want && g.guardsIntact
    }

    /// Overlapping moves by one pixel or more in all eight directions, padded and packed.
    func testOverlappingCopiesInEveryDirection() {
        for packed in [false, true] {
            let g = GuardedSurface(packed: packed)
            for dy in -3 ... 3 {
                for dx in -3 ... 3 {
                    let source = Rect(x: 2, y: 1, width: 5, height: 4)
                    _ = checkCopy(g, source, to: Point(x: source.x + dx, y: source.y + dy))
                    // Full surface shifted: the console scroll shape, clipped.
                    _ = checkCopy(g, g.surface.bounds, to: Point(x: dx, y: dy))
                }
            }
        }
    }

    /// Console scrolling: full-width bands up and down by whole "rows" of 2 pixels,
    /// on a packed surface (single memmove) and a padded one (per row).
    func testScrollUpAndDown() {
        for packed in [false, true] {
            let g = GuardedSurface(width: 8, height: 12, packed: packed)
            for rows in 1 ... 5 {
                let n = rows * 2
                _ = checkCopy(g, Rect(x: 0, y: n, width: 8, height: 12 - n), to: .zero)
                _ = checkCopy(g, Rect(x: 0, y: 0, width: 8, height: 12 - n), to: Point(x: 0, y: n))
            }
        }
    }

    func testRandomCopiesAgainstReference() {
        var rng = SplitMix64(seed: 3)
        for packed in [false, true] {
            let g = GuardedSurface(packed: packed)
            for _ in 0 ..< 3000 {
                let source = rng.rect(around: g.surface.size, slack: 4)
                let destination = rng.point(around: g.surface.size, slack: 2)
                if !checkCopy(g, source, to: destination) { return }
            }
        }
    }

    func testBlitFromAnotherSurface() {
        var rng = SplitMix64(seed: 4)
        for packed in [false, true] {
            let g = GuardedSurface(packed: packed)
            let image = GuardedSurface(width: 5, height: 7, packed: !packed)
            image.fillPattern(salt: 0x99_0000)
            let picture = image.grid
            for _ in 0 ..< 2000 {
                let source = rng.rect(around: image.surface.size, slack: 3)
                let destination = rng.point(around: g.surface.size, slack: 2)
                g.fillPattern()
                var want = g.grid
                referenceTransfer(into: &want, size: g.surface.size, from: picture,
                                  sourceSize: image.surface.size, source, to: destination)
                g.surface.blit(image.surface, from: source, to: destination)
                XCTAssertEqual(g.grid, want, "blit \(source) to \(destination)")
                XCTAssertEqual(image.grid, picture)
                if g.grid != want { return }
            }
            XCTAssertTrue(g.guardsIntact)
            XCTAssertTrue(image.guardsIntact)
        }
    }

    /// A blit from a cropped view of the same memory overlaps like `copy` does.
    func testBlitFromOverlappingViewOfSameMemory() {
        let g = GuardedSurface()
        for (dx, dy) in [(1, 1), (-1, -1), (2, -1), (-2, 1), (0, 2), (3, 0)] {
            g.fillPattern()
            let old = g.grid
            let view = g.surface.cropped(to: Rect(x: 1, y: 1, width: 6, height: 4))
            // The whole view, moved by (dx, dy) in surface coordinates.
            var want = old
            referenceTransfer(into: &want, size: g.surface.size, from: old, sourceSize: g.surface.size,
                              Rect(x: 1, y: 1, width: 6, height: 4), to: Point(x: 1 + dx, y: 1 + dy))
            g.surface.blit(view, from: view.bounds, to: Point(x: 1 + dx, y: 1 + dy))
            XCTAssertEqual(g.grid, want, "view moved by \(dx), \(dy)")
        }
        XCTAssertTrue(g.guardsIntact)
    }

    func testEmptyAndOutsideCopiesDoNothing() {
        let g = GuardedSurface()
        let old = g.grid
        g.surface.copy(from: Rect(x: 2, y: 2, width: 0, height: 3), to: .zero)
        g.surface.copy(from: Rect(x: 9, y: 0, width: 3, height: 3), to: .zero)
        g.surface.copy(from: Rect(x: 0, y: 0, width: 3, height: 3), to: Point(x: 8, y: 0))
        g.surface.copy(from: Rect(x: 0, y: 0, width: 3, height: 3), to: Point(x: -3, y: 0))
        g.surface.copy(from: g.surface.bounds, to: .zero)
        XCTAssertEqual(g.grid, old)
        XCTAssertTrue(g.guardsIntact)
    }
}
