/// An axis-aligned rectangle of whole pixels: columns `x ..< x + width`, rows
/// `y ..< y + height` (half-open, like `Range`, so adjacent rectangles share no pixel
/// and `maxX`/`maxY` are the first column/row *outside*).
///
/// A rectangle with a zero or negative side is empty: it covers no pixel, is
/// ignored by `union`, contained in every rectangle, and operations that produce
/// "nothing" return the canonical `Rect.zero` so empty results compare equal.
///
/// Coordinates are expected to stay well inside ±2⁶² (screen sizes, not arbitrary
/// integers): `maxX`/`maxY` are plain sums.
public struct Rect: Hashable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    @inlinable
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    @inlinable
    public init(origin: Point, size: Size) {
        self.init(x: origin.x, y: origin.y, width: size.width, height: size.height)
    }

    /// The rectangle `(0, 0, size)`: the bounds of a surface or display of that size.
    @inlinable
    public init(size: Size) {
        self.init(x: 0, y: 0, width: size.width, height: size.height)
    }

    public static let zero = Rect(x: 0, y: 0, width: 0, height: 0)

    @inlinable public var minX: Int { x }
    @inlinable public var minY: Int { y }
    /// First column to the right of the rectangle (exclusive bound).
    @inlinable public var maxX: Int { x + width }
    /// First row below the rectangle (exclusive bound).
    @inlinable public var maxY: Int { y + height }

    @inlinable public var origin: Point { Point(x: x, y: y) }
    @inlinable public var size: Size { Size(width: width, height: height) }

    @inlinable
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    /// Number of pixels covered; 0 when empty.
    @inlinable
    public var area: Int { isEmpty ? 0 : width * height }

    /// The pixels in both rectangles, or `Rect.zero` when they share none.
    @inlinable
    public func intersection(_ other: Rect) -> Rect {
        let left = Swift.max(minX, other.minX)
        let top = Swift.max(minY, other.minY)
        let right = Swift.min(maxX, other.maxX)
        let bottom = Swift.min(maxY, other.maxY)
        // Empty inputs (negative sides) also end up here: right <= left.
        if right <= left || bottom <= top { return .zero }
        return Rect(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// True when the rectangles share at least one pixel.
    @inlinable
    public func intersects(_ other: Rect) -> Bool {
        !isEmpty && !other.isEmpty
            && minX < other.maxX && other.minX < maxX
            && minY < other.maxY && other.minY < maxY
    }

    /// The smallest rectangle containing both (their bounding box, which may cover
    /// pixels in neither). Empty rectangles contribute nothing, so the union of a
    /// rectangle with an empty one is the rectangle itself.
    @inlinable
    public func union(_ other: Rect) -> Rect {
        if other.isEmpty { return isEmpty ? .zero : self }
        if isEmpty { return other }
        let left = Swift.min(minX, other.minX)
        let top = Swift.min(minY, other.minY)
        let right = Swift.max(maxX, other.maxX)
        let bottom = Swift.max(maxY, other.maxY)
        return Rect(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// True when the pixel at `point` is inside (an empty rectangle contains none).
    @inlinable
    public func contains(_ point: Point) -> Bool {
        point.x >= minX && point.x < maxX && point.y >= minY && point.y < maxY
    }

    /// True when every pixel of `other` is inside. An empty rectangle has no pixels,
    /// so it is contained in every rectangle (including an empty one).
    @inlinable
    public func contains(_ other: Rect) -> Bool {
        if other.isEmpty { return true }
        return !isEmpty
            && other.minX >= minX && other.maxX <= maxX
            && other.minY >= minY && other.maxY <= maxY
    }

    /// The part of this rectangle inside `(0, 0, size)`: what can actually be drawn
    /// on, or flushed from, a surface of that size.
    @inlinable
    public func clamped(to size: Size) -> Rect {
        intersection(Rect(size: size))
    }

    /// This rectangle moved by (dx, dy); the size is unchanged.
    @inlinable
    public func translated(dx: Int, dy: Int) -> Rect {
        Rect(x: x + dx, y: y + dy, width: width, height: height)
    }

    /// This rectangle moved by the vector `offset`.
    @inlinable
    public func translated(by offset: Point) -> Rect {
        translated(dx: offset.x, dy: offset.y)
    }
}
