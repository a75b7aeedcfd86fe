import Graphics
import XCTest

/// A glyph-like coverage mask: mostly 0 and 255 with antialiased values between,
/// stored with `pitch` ≥ width (padding bytes are 0xEE and must never be used).
struct Mask {
    let width: Int
    let height: Int
    let pitch: Int
    var bytes: [UInt8]

    init(width: Int, height: Int, pitch: Int, rng: inout SplitMix64) {
        self.width = width
        self.height = height
        self.pitch = pitch
        bytes = [UInt8](repeating: 0xEE, count: max(1, pitch * height))  // never a nil base address
        for y in 0 ..< height {
            for x in 0 ..< width {
                switch rng.next() % 4 {
                case 0: bytes[y * pitch + x] = 0
                case 1: bytes[y * pitch + x] = 255
                default: bytes[y * pitch + x] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
        }
    }

    subscript(x: Int, y: Int) -> UInt8 { bytes[y * pitch + x] }
}

/// Blend on the reference grid, with the formula from ColorTests; nil background
/// means "blend over what is there".
func referenceBlend(_ grid: inout [UInt32], size: Size, mask: Mask, at origin: Point,
                    color: Color, background: Color?) {
    for my in 0 ..< mask.height {
        for mx in 0 ..< mask.width {
            let x = origin.x + mx, y = origin.y + my
            guard Rect(size: size).contains(Point(x: x, y: y)) else { continue }
            let under = background ?? Color(xrgb: grid[y * size.width + x])
            grid[y * size.width + x] = referenceBlend(color, over: under, alpha: mask[mx, my]).xrgb
        }
    }
}

final class SurfaceBlendTests: XCTestCase {
    func blend(_ g: GuardedSurface, _ mask: Mask, at origin: Point, color: Color, background: Color?) {
        mask.bytes.withUnsafeBufferPointer { buffer in
            if let background {
                g.surface.blend(coverage: buffer.baseAddress!, width: mask.width, height: mask.height,
                                pitch: mask.pitch, at: origin, color: color, background: background)
            } else {
                g.surface.blend(coverage: buffer.baseAddress!, width: mask.width, height: mask.height,
                                pitch: mask.pitch, at: origin, color: color)
            }
        }
    }

    /// Every placement of a 5×4 mask from wholly off the left/top to wholly off the
    /// right/bottom of an 8×6 surface: clipped at each edge and corner, and nothing
    /// at all when outside.
    func testClippingAtEveryEdge() {
        var rng = SplitMix64(seed: 5)
        let mask = Mask(width: 5, height: 4, pitch: 7, rng: &rng)
        for background in [nil, Color(xrgb: 0x20_3040)] {
            let g = GuardedSurface()
            for y in -6 ... 8 {
                for x in -7 ... 10 {
                    g.fillPattern()
                    var want = g.grid
                    referenceBlend(&want, size: g.surface.size, mask: mask, at: Point(x: x, y: y),
                                   color: .yellow, background: background)
                    blend(g, mask, at: Point(x: x, y: y), color: .yellow, background: background)
                    XCTAssertEqual(g.grid, want, "mask at \(x), \(y), background \(String(describing: background))")
                    if g.grid != want { return }
                }
            }
            XCTAssertTrue(g.guardsIntact)
        }
    }

    func testWhollyOutsideTouchesNothing() {
        var rng = SplitMix64(seed: 6)
        let mask = Mask(width: 9, height: 17, pitch: 9, rng: &rng)
        let g = GuardedSurface()
        let old = g.grid
        for origin in [Point(x: -9, y: 0), Point(x: 8, y: 0), Point(x: 0, y: -17), Point(x: 0, y: 6),
                       Point(x: -100, y: -100), Point(x: 1000, y: 3), Point(x: Int.min / 4, y: Int.max / 4)] {
            blend(g, mask, at: origin, color: .white, background: nil)
            blend(g, mask, at: origin, color: .white, background: .blue)
        }
        XCTAssertEqual(g.grid, old)
        XCTAssertTrue(g.guardsIntact)
    }

    /// Exact endpoints on the surface: 0 keeps the pixel, 255 stores the colour, and
    /// the opaque-background variant writes the background where coverage is 0.
    func testCoverageEndpoints() {
        let g = GuardedSurface()
        let coverage: [UInt8] = [0, 255, 128, 1]
        let under = g.grid
        coverage.withUnsafeBufferPointer {
            g.surface.blend(coverage: $0.baseAddress!, width: 4, height: 1, pitch: 4,
                            at: Point(x: 2, y: 3), color: .white)
        }
        let row = Array(g.grid[3 * 8 + 2 ..< 3 * 8 + 6])
        XCTAssertEqual(row[0], under[3 * 8 + 2])
        XCTAssertEqual(row[1], Color.white.xrgb)
        XCTAssertEqual(row[2], referenceBlend(.white, over: Color(xrgb: under[3 * 8 + 4]), alpha: 128).xrgb)
        coverage.withUnsafeBufferPointer {
            g.surface.blend(coverage: $0.baseAddress!, width: 4, height: 1, pitch: 4,
                            at: Point(x: 2, y: 4), color: .white, background: .black)
        }
        XCTAssertEqual(Array(g.grid[4 * 8 + 2 ..< 4 * 8 + 6]), [0, 0xFF_FFFF, 0x80_8080, 0x01_0101])
    }

    /// Random glyph-sized masks at random places, both variants, against the reference.
    func testRandomMasksAgainstReference() {
        var rng = SplitMix64(seed: 7)
        let g = GuardedSurface(width: 16, height: 20)
        var want = g.grid
        for step in 0 ..< 600 {
            let width = Int.random(in: 0 ... 10, using: &rng)
            let mask = Mask(width: width, height: Int.random(in: 0 ... 18, using: &rng),
                            pitch: width + Int.random(in: 0 ... 3, using: &rng), rng: &rng)
            let origin = rng.point(around: g.surface.size, slack: 0)
            let color = Color(xrgb: UInt32(truncatingIfNeeded: rng.next()))
            let background = step % 3 == 0 ? Color(xrgb: UInt32(truncatingIfNeeded: rng.next())) : nil
            referenceBlend(&want, size: g.surface.size, mask: mask, at: origin, color: color, background: background)
            blend(g, mask, at: origin, color: color, background: background)
            XCTAssertEqual(g.grid, want, "step \(step)")
            if g.grid != want { return }
        }
        XCTAssertTrue(g.guardsIntact)
    }

    /// FreeType's upward flow: a negative pitch with the pointer at the top row.
    func testNegativePitch() {
        var rng = SplitMix64(seed: 8)
        let mask = Mask(width: 4, height: 3, pitch: 4, rng: &rng)
        // Store the rows bottom-up; the top row is then the last one in memory.
        var flipped: [UInt8] = []
        for y in (0 ..< 3).reversed() { flipped += mask.bytes[y * 4 ..< y * 4 + 4] }
        for origin in [Point(x: 1, y: 1), Point(x: -2, y: -1), Point(x: 6, y: 4)] {
            let g = GuardedSurface()
            var want = g.grid
            referenceBlend(&want, size: g.surface.size, mask: mask, at: origin, color: .cyan, background: nil)
            flipped.withUnsafeBufferPointer {
                g.surface.blend(coverage: $0.baseAddress! + 8, width: 4, height: 3, pitch: -4,
                                at: origin, color: .cyan)
            }
            XCTAssertEqual(g.grid, want, "origin \(origin)")
            XCTAssertTrue(g.guardsIntact)
        }
    }
}
