// Moving pixels: `copy` within one surface (scrolling a console) and `blit` from
// another (a back buffer, a pre-rendered image). Both copy exactly the pixels whose
// source *and* destination lie inside their surfaces, as if the source had been
// read completely before anything was written (memmove semantics).
extension Surface {
    /// Copies the pixels of `source` so its top-left corner lands on `destination`,
    /// within this surface. Source and destination may overlap in any direction.
    ///
    /// Scrolling a text console up by n rows of height h is
    /// `copy(from: Rect(x: 0, y: n * h, width: w, height: H - n * h), to: .zero)`.
    public func copy(from source: Rect, to destination: Point) {
        transfer(from: self, source, to: destination)
    }

    /// Copies the pixels of `source` in `image` so its top-left corner lands on
    /// `destination` in this surface. `image` may be a view of the same memory with
    /// the same stride (this surface itself, or a `cropped` part of it): overlaps
    /// are then handled as in `copy`. Views of shared memory with different strides
    /// are not supported.
    public func blit(_ image: Surface, from source: Rect, to destination: Point) {
        transfer(from: image, source, to: destination)
    }

    /// The clipped pair (source rectangle in `image`, destination origin in self),
    /// or nil when no pixel moves. The offset is taken from the *unclipped* source
    /// so clipping never shifts the picture.
    @usableFromInline
    func clipTransfer(from image: Surface, _ source: Rect, to destination: Point) -> (Rect, Point)? {
        let dx = destination.x - source.x
        let dy = destination.y - source.y
        let readable = source.intersection(image.bounds)
        let target = readable.translated(dx: dx, dy: dy).intersection(bounds)
        if target.isEmpty { return nil }
        return (target.translated(dx: -dx, dy: -dy), target.origin)
    }

    func transfer(from image: Surface, _ source: Rect, to destination: Point) {
        guard let (from, to) = clipTransfer(from: image, source, to: destination) else { return }
        let sourceStart = image.row(from.y) + from.x
        let targetStart = row(to.y) + to.x
        if sourceStart == targetStart && image.stride == stride { return }

        let rowBytes = from.width * MemoryLayout<UInt32>.stride
        if from.width == stride && from.width == image.stride {
            // Both sides are runs of whole, unpadded rows (so x == 0 and stride ==
            // width): the common full-screen scroll of a packed framebuffer is one
            // memmove. `copyMemory` is memmove, so overlap is fine.
            UnsafeMutableRawPointer(targetStart).copyMemory(
                from: UnsafeRawPointer(sourceStart), byteCount: rowBytes * from.height)
            return
        }

        // Row by row. Each row is a memmove, which settles overlap within a row
        // (horizontal scrolls); across rows the order matters when the destination
        // lies after the source in memory (scrolling down): then a forward pass
        // would overwrite source rows before reading them, so go bottom-up.
        if UnsafeRawPointer(targetStart) > UnsafeRawPointer(sourceStart) {
            var y = from.height - 1
            while y >= 0 {
                UnsafeMutableRawPointer(targetStart + y * stride).copyMemory(
                    from: UnsafeRawPointer(sourceStart + y * image.stride), byteCount: rowBytes)
                y -= 1
            }
        } else {
            for y in 0 ..< from.height {
                UnsafeMutableRawPointer(targetStart + y * stride).copyMemory(
                    from: UnsafeRawPointer(sourceStart + y * image.stride), byteCount: rowBytes)
            }
        }
    }
}
