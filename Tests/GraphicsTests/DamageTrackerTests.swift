import Graphics
import XCTest

final class DamageTrackerTests: XCTestCase {
    let size = Size(width: 100, height: 60)

    /// The listed rectangles are inside the surface and pairwise disjoint.
    func assertWellFormed(_ damage: DamageTracker, file: StaticString = #filePath, line: UInt = #line) {
        let rects = damage.rectangles
        XCTAssertLessThanOrEqual(rects.count, damage.capacity, file: file, line: line)
        var area = 0
        for (i, a) in rects.enumerated() {
            XCTAssertFalse(a.isEmpty, file: file, line: line)
            XCTAssertTrue(damage.bounds.contains(a), "\(a) outside", file: file, line: line)
            area += a.area
            for b in rects[(i + 1)...] {
                XCTAssertFalse(a.intersects(b), "\(a) overlaps \(b)", file: file, line: line)
            }
        }
        XCTAssertEqual(damage.totalArea, area, file: file, line: line)
    }

    func testEmptyAndClipping() {
        var damage = DamageTracker(size: size)
        XCTAssertTrue(damage.isEmpty)
        XCTAssertEqual(damage.totalArea, 0)
        damage.add(Rect(x: 10, y: 10, width: 0, height: 5))
        damage.add(Rect(x: 100, y: 0, width: 5, height: 5))
        damage.add(Rect(x: -5, y: -5, width: 5, height: 50))
        XCTAssertTrue(damage.isEmpty)
        damage.add(Rect(x: 95, y: -3, width: 10, height: 5))
        XCTAssertEqual(damage.take(), [Rect(x: 95, y: 0, width: 5, height: 2)])
        XCTAssertTrue(damage.isEmpty)
        XCTAssertEqual(damage.take(), [])
    }

    func testOverlappingMergeIntoBoundingBox() {
        var damage = DamageTracker(size: size)
        damage.add(Rect(x: 10, y: 10, width: 10, height: 10))
        damage.add(Rect(x: 15, y: 15, width: 10, height: 10))
        XCTAssertEqual(damage.rectangles, [Rect(x: 10, y: 10, width: 15, height: 15)])
        // Already covered: no change.
        damage.add(Rect(x: 12, y: 12, width: 3, height: 3))
        XCTAssertEqual(damage.rectangles, [Rect(x: 10, y: 10, width: 15, height: 15)])
    }

    func testAdjacentCellsAndRowsMerge() {
        var damage = DamageTracker(size: size)
        // Three cells of a row, added out of order.
        damage.add(Rect(x: 16, y: 20, width: 8, height: 16))
        damage.add(Rect(x: 0, y: 20, width: 8, height: 16))
        XCTAssertEqual(damage.count, 2)
        damage.add(Rect(x: 8, y: 20, width: 8, height: 16))
        XCTAssertEqual(damage.rectangles, [Rect(x: 0, y: 20, width: 24, height: 16)])
        // The row below touches along an edge.
        damage.add(Rect(x: 0, y: 36, width: 24, height: 16))
        XCTAssertEqual(damage.rectangles, [Rect(x: 0, y: 20, width: 24, height: 32)])
    }

    func testCornerContactAndDisjointStayApart() {
        var damage = DamageTracker(size: size)
        damage.add(Rect(x: 0, y: 0, width: 10, height: 10))
        damage.add(Rect(x: 10, y: 10, width: 10, height: 10))  // corner only
        damage.add(Rect(x: 50, y: 0, width: 5, height: 5))     // far away
        XCTAssertEqual(damage.count, 3)
        XCTAssertEqual(damage.totalArea, 225)
        assertWellFormed(damage)
    }

    /// A merge that grows a box into a third rectangle merges that one too.
    func testMergeCascades() {
        var damage = DamageTracker(size: size)
        damage.add(Rect(x: 0, y: 0, width: 10, height: 10))
        damage.add(Rect(x: 30, y: 0, width: 10, height: 10))
        damage.add(Rect(x: 0, y: 20, width: 40, height: 5))
        XCTAssertEqual(damage.count, 3)
        // Bridges the first two; their box (0,0,40,10) then touches nothing else…
        damage.add(Rect(x: 5, y: 5, width: 30, height: 2))
        XCTAssertEqual(damage.rectangles.sorted { $0.y < $1.y },
                       [Rect(x: 0, y: 0, width: 40, height: 10), Rect(x: 0, y: 20, width: 40, height: 5)])
        // …until the gap row is damaged: everything becomes one block.
        damage.add(Rect(x: 20, y: 10, width: 1, height: 10))
        XCTAssertEqual(damage.rectangles, [Rect(x: 0, y: 0, width: 40, height: 25)])
    }

    func testCapacityOverflowMergesCheapestPair() {
        var damage = DamageTracker(size: size, capacity: 3)
        damage.add(Rect(x: 0, y: 0, width: 4, height: 4))
        damage.add(Rect(x: 6, y: 0, width: 4, height: 4))    // 2-pixel gap from the first
        damage.add(Rect(x: 60, y: 40, width: 4, height: 4))
        damage.add(Rect(x: 90, y: 0, width: 4, height: 4))
        // The two close squares are the cheapest pair (box adds 8 pixels).
        XCTAssertEqual(damage.count, 3)
        XCTAssertTrue(damage.rectangles.contains(Rect(x: 0, y: 0, width: 10, height: 4)))
        assertWellFormed(damage)
    }

    /// Many random rectangles into a small list: every damaged pixel stays covered,
    /// the list stays within capacity, disjoint and inside the surface.
    func testOverflowKeepsEveryAddedPixelCovered() {
        var rng = SplitMix64(seed: 9)
        for capacity in [1, 2, 4, 16] {
            for _ in 0 ..< 40 {
                var damage = DamageTracker(size: size, capacity: capacity)
                var added: [Rect] = []
                for _ in 0 ..< Int.random(in: 1 ... 40, using: &rng) {
                    let rect = Rect(x: Int.random(in: -10 ... 105, using: &rng), y: Int.random(in: -10 ... 65, using: &rng),
                                    width: Int.random(in: 0 ... 20, using: &rng), height: Int.random(in: 0 ... 12, using: &rng))
                    damage.add(rect)
                    added.append(rect.clamped(to: size))
                    assertWellFormed(damage)
                }
                let listed = damage.rectangles
                for rect in added where !rect.isEmpty {
                    // Disjoint list: coverage of each pixel by some listed rectangle.
                    for y in rect.minY ..< rect.maxY {
                        for x in rect.minX ..< rect.maxX {
                            let p = Point(x: x, y: y)
                            if !listed.contains(where: { $0.contains(p) }) {
                                XCTFail("pixel \(p) of \(rect) lost; list \(listed)")
                                return
                            }
                        }
                    }
                }
                XCTAssertEqual(damage.take(), listed)
                XCTAssertTrue(damage.isEmpty)
            }
        }
    }

    func testAddAllAndIsFull() {
        var damage = DamageTracker(size: size)
        damage.add(Rect(x: 1, y: 1, width: 2, height: 2))
        XCTAssertFalse(damage.isFull)
        damage.addAll()
        XCTAssertTrue(damage.isFull)
        XCTAssertEqual(damage.totalArea, 6000)
        damage.add(Rect(x: 5, y: 5, width: 5, height: 5))
        XCTAssertEqual(damage.rectangles, [Rect(size: size)])
        XCTAssertEqual(damage.take(), [Rect(size: size)])
        XCTAssertFalse(damage.isFull)
        // Damage that grows to the whole surface is full too.
        damage.add(Rect(x: 0, y: 0, width: 100, height: 30))
        damage.add(Rect(x: 0, y: 30, width: 100, height: 30))
        XCTAssertTrue(damage.isFull)
    }

    func testAddRows() {
        var damage = DamageTracker(size: size)
        damage.addRows(2 ..< 4, rowHeight: 10)
        XCTAssertEqual(damage.rectangles, [Rect(x: 0, y: 20, width: 100, height: 20)])
        damage.removeAll()
        damage.addRows(0 ..< 1, rowHeight: 16, width: 40, origin: Point(x: 4, y: 2))
        damage.addRows(5 ..< 5, rowHeight: 16)
        XCTAssertEqual(damage.rectangles, [Rect(x: 4, y: 2, width: 40, height: 16)])
        damage.removeAll()
        damage.addRows(3 ..< 10, rowHeight: 16)  // runs off the bottom: clipped
        XCTAssertEqual(damage.rectangles, [Rect(x: 0, y: 48, width: 100, height: 12)])
    }

    func testDrainAndResize() {
        var damage = DamageTracker(size: size)
        damage.add(Rect(x: 0, y: 0, width: 3, height: 3))
        damage.add(Rect(x: 50, y: 50, width: 3, height: 3))
        var seen: [Rect] = []
        damage.drain { seen.append($0) }
        XCTAssertEqual(seen.count, 2)
        XCTAssertTrue(damage.isEmpty)
        damage.resize(to: Size(width: 20, height: 10))
        XCTAssertEqual(damage.rectangles, [Rect(x: 0, y: 0, width: 20, height: 10)])
        XCTAssertTrue(damage.isFull)
    }
}
