/// A pixel position. Integer, because everything Graphics talks to (surfaces, the
/// damage list, virtio-gpu transfers) addresses whole pixels; y grows downwards.
public struct Point: Hashable, Sendable {
    public var x: Int
    public var y: Int

    @inlinable
    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }

    public static let zero = Point(x: 0, y: 0)

    /// This point moved by (dx, dy).
    @inlinable
    public func translated(dx: Int, dy: Int) -> Point {
        Point(x: x + dx, y: y + dy)
    }
}
