/// A non-owning view of XRGB8888 pixel memory: a framebuffer (virtio-gpu resource
/// backing, ramfb), part of one, or a test buffer.
///
/// Pixel (x, y) is the word at `pixels[y * stride + x]`. `stride` counts pixels,
/// not bytes, and may exceed `width`: displays pad rows, and a `cropped` view of a
/// bigger surface keeps its parent's stride. Memory between `width` and `stride`
/// in a row is never touched; it may belong to someone else.
///
/// A `Surface` does not own, allocate or free its memory; whoever made the pixels
/// keeps them alive for as long as the view is used. It is a plain struct so the
/// kernel can pass it around freely, and its drawing methods are non-mutating
/// because they write through the pointer, not into the struct.
///
/// Every drawing operation clips to the surface: coordinates outside it, including
/// glyphs hanging off an edge, are ignored rather than trapping or writing past
/// the memory. Only the unchecked `subscript` insists on valid coordinates.
public struct Surface {
    /// The first pixel, (0, 0).
    public let pixels: UnsafeMutablePointer<UInt32>
    public let width: Int
    public let height: Int
    /// Distance between the starts of consecutive rows, in pixels (≥ `width`).
    public let stride: Int

    /// A view of `height` rows of `width` pixels, row starts `stride` pixels apart.
    /// The memory must span at least `(height - 1) * stride + width` pixels.
    @inlinable
    public init(pixels: UnsafeMutablePointer<UInt32>, width: Int, height: Int, stride: Int) {
        precondition(width >= 0 && height >= 0, "Surface: negative size")
        precondition(stride >= width, "Surface: stride shorter than width")
        self.pixels = pixels
        self.width = width
        self.height = height
        self.stride = stride
    }

    /// A view of tightly packed rows (`stride == width`).
    @inlinable
    public init(pixels: UnsafeMutablePointer<UInt32>, width: Int, height: Int) {
        self.init(pixels: pixels, width: width, height: height, stride: width)
    }

    @inlinable public var size: Size { Size(width: width, height: height) }

    /// `(0, 0, width, height)`: what every drawing operation clips to.
    @inlinable public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// True when (x, y) is a pixel of the surface.
    @inlinable
    public func contains(x: Int, y: Int) -> Bool {
        // One unsigned compare per axis also rejects negative coordinates.
        UInt(bitPattern: x) < UInt(bitPattern: width) && UInt(bitPattern: y) < UInt(bitPattern: height)
    }

    /// The first pixel of row `y` (unchecked: `y` must be in `0 ..< height`).
    @inlinable
    public func row(_ y: Int) -> UnsafeMutablePointer<UInt32> {
        pixels + y * stride
    }

    /// The pixel at (x, y). Out-of-range coordinates are a programming error and
    /// trap; use `pixel(x:y:)` / `setPixel(x:y:_:)` where they may happen.
    @inlinable
    public subscript(x: Int, y: Int) -> Color {
        get {
            precondition(contains(x: x, y: y), "Surface: pixel out of range")
            return Color(xrgb: pixels[y * stride + x])
        }
        nonmutating set {
            precondition(contains(x: x, y: y), "Surface: pixel out of range")
            pixels[y * stride + x] = newValue.xrgb
        }
    }

    /// The pixel at (x, y), or nil outside the surface.
    @inlinable
    public func pixel(x: Int, y: Int) -> Color? {
        contains(x: x, y: y) ? Color(xrgb: pixels[y * stride + x]) : nil
    }

    /// Sets the pixel at (x, y); does nothing outside the surface.
    @inlinable
    public func setPixel(x: Int, y: Int, _ color: Color) {
        if contains(x: x, y: y) { pixels[y * stride + x] = color.xrgb }
    }

    /// A view of the part of `rect` inside this surface, sharing its memory (for
    /// example the text area of a console inside the framebuffer, or a glyph cell).
    /// Its (0, 0) is the clipped rectangle's top-left corner; an empty result is a
    /// 0×0 surface at this surface's origin.
    @inlinable
    public func cropped(to rect: Rect) -> Surface {
        let visible = rect.intersection(bounds)
        return Surface(
            pixels: pixels + visible.y * stride + visible.x,
            width: visible.width, height: visible.height, stride: stride)
    }
}
