import Graphics
import XCTest

final class RectTests: XCTestCase {
    func testBasics() {
        let r = Rect(x: 2, y: 3, width: 4, height: 5)
        XCTAssertEqual(r.maxX, 6)
        XCTAssertEqual(r.maxY, 8)
        XCTAssertEqual(r.area, 20)
        XCTAssertEqual(r.origin, Point(x: 2, y: 3))
        XCTAssertEqual(r.size, Size(width: 4, height: 5))
        XCTAssertFalse(r.isEmpty)
        XCTAssertTrue(Rect(x: 1, y: 1, width: 0, height: 5).isEmpty)
        XCTAssertTrue(Rect(x: 1, y: 1, width: 5, height: -1).isEmpty)
        XCTAssertEqual(Rect(x: 1, y: 1, width: -3, height: 5).area, 0)
        XCTAssertEqual(Rect(origin: Point(x: 1, y: 2), size: Size(width: 3, height: 4)),
                       Rect(x: 1, y: 2, width: 3, height: 4))
        XCTAssertEqual(r.translated(dx: -2, dy: 1), Rect(x: 0, y: 4, width: 4, height: 5))
        XCTAssertEqual(r.translated(by: Point(x: 1, y: 1)), Rect(x: 3, y: 4, width: 4, height: 5))
    }

    func testContainsPointIsHalfOpen() {
        let r = Rect(x: 2, y: 3, width: 4, height: 5)
        XCTAssertTrue(r.contains(Point(x: 2, y: 3)))
        XCTAssertTrue(r.contains(Point(x: 5, y: 7)))
        XCTAssertFalse(r.contains(Point(x: 6, y: 7)))
        XCTAssertFalse(r.contains(Point(x: 5, y: 8)))
        XCTAssertFalse(r.contains(Point(x: 1, y: 3)))
        XCTAssertFalse(Rect.zero.contains(Point.zero))
    }

    func testIntersectionAndUnion() {
        let a = Rect(x: 0, y: 0, width: 4, height: 4)
        let b = Rect(x: 2, y: 1, width: 4, height: 2)
        XCTAssertEqual(a.intersection(b), Rect(x: 2, y: 1, width: 2, height: 2))
        XCTAssertEqual(a.union(b), Rect(x: 0, y: 0, width: 6, height: 4))
        // Touching edges share no pixel.
        let c = Rect(x: 4, y: 0, width: 2, height: 2)
        XCTAssertEqual(a.intersection(c), .zero)
        XCTAssertFalse(a.intersects(c))
        XCTAssertTrue(a.intersects(b))
        // Empty rectangles do not stretch a union.
        XCTAssertEqual(a.union(Rect(x: 100, y: 100, width: 0, height: 9)), a)
        XCTAssertEqual(Rect(x: -50, y: 7, width: -1, height: 1).union(a), a)
        XCTAssertEqual(Rect(x: 5, y: 5, width: 0, height: 0).union(.zero), .zero)
        XCTAssertTrue(a.contains(Rect(x: 99, y: 99, width: 0, height: 0)))
        XCTAssertTrue(a.contains(a))
        XCTAssertFalse(a.contains(b))
    }

    func testClamped() {
        let size = Size(width: 8, height: 6)
        XCTAssertEqual(Rect(x: -2, y: -3, width: 5, height: 5).clamped(to: size), Rect(x: 0, y: 0, width: 3, height: 2))
        XCTAssertEqual(Rect(x: 6, y: 5, width: 5, height: 5).clamped(to: size), Rect(x: 6, y: 5, width: 2, height: 1))
        XCTAssertEqual(Rect(x: 8, y: 0, width: 5, height: 5).clamped(to: size), .zero)
        XCTAssertEqual(Rect(x: -9, y: -9, width: 100, height: 100).clamped(to: size), Rect(size: size))
    }

    /// Properties over random rectangles, checked pixel by pixel on a small grid.
    func testRandomProperties() {
        var rng = SplitMix64(seed: 1)
        let area = Size(width: 12, height: 10)
        for _ in 0 ..< 1000 {
            let a = rng.rect(around: area)
            let b = rng.rect(around: area)
            let union = a.union(b)
            let meet = a.intersection(b)
            XCTAssertTrue(union.contains(a) && union.contains(b), "union \(union) of \(a), \(b)")
            XCTAssertTrue(a.contains(meet) && b.contains(meet), "intersection \(meet) of \(a), \(b)")
            XCTAssertEqual(meet, b.intersection(a))
            XCTAssertEqual(union, b.union(a))
            XCTAssertEqual(a.intersects(b), !meet.isEmpty)
            XCTAssertLessThanOrEqual(meet.area, min(a.area, b.area))
            XCTAssertGreaterThanOrEqual(union.area, max(a.area, b.area))
            XCTAssertEqual(a.clamped(to: area), a.intersection(Rect(size: area)))
            // The bounding box is the smallest: each side is some input's side.
            if !a.isEmpty && !b.isEmpty {
                XCTAssertEqual(union.minX, min(a.minX, b.minX))
                XCTAssertEqual(union.maxY, max(a.maxY, b.maxY))
            }
            for y in -6 ..< 16 {
                for x in -6 ..< 18 {
                    let p = Point(x: x, y: y)
                    XCTAssertEqual(meet.contains(p), a.contains(p) && b.contains(p))
                    if a.contains(p) || b.contains(p) { XCTAssertTrue(union.contains(p)) }
                }
            }
        }
    }
}
