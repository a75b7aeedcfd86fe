/// A width and height in pixels (a surface's, a display mode's, a glyph cell's).
public struct Size: Hashable, Sendable {
    public var width: Int
    public var height: Int

    @inlinable
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public static let zero = Size(width: 0, height: 0)

    /// True when there is no pixel at all (a zero or negative side).
    @inlinable
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    /// Number of pixels; 0 when empty.
    @inlinable
    public var area: Int { isEmpty ? 0 : width * height }
}
