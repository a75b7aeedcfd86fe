import Graphics

/// Deterministic pseudo-random numbers (SplitMix64), so a failing property test
/// fails the same way every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A surface embedded in a larger allocation full of sentinel words, to catch any
/// write outside it: `guardRows` whole rows above and below, one guard column on
/// the left, and row padding on the right (so `stride > width`, which also catches
/// code that confuses the two). Pass `packed: true` for `stride == width` with
/// guard rows only (the single-memmove paths).
///
/// The sentinel has a non-zero X byte, which no `Color` can have, so a Graphics
/// write can never restore it by accident.
final class GuardedSurface {
    static let sentinel: UInt32 = 0xDEAD_BEEF

    let width: Int
    let height: Int
    let stride: Int
    let guardRows: Int
    let leftGuard: Int
    let count: Int
    let storage: UnsafeMutablePointer<UInt32>
    let surface: Surface

    init(width: Int = 8, height: Int = 6, packed: Bool = false, guardRows: Int = 2) {
        self.width = width
        self.height = height
        self.guardRows = guardRows
        leftGuard = packed ? 0 : 1
        stride = packed ? width : width + 3
        count = stride * (height + 2 * guardRows)
        storage = .allocate(capacity: count)
        storage.initialize(repeating: Self.sentinel, count: count)
        surface = Surface(pixels: storage + guardRows * stride + leftGuard, width: width, height: height, stride: stride)
        fillPattern()
    }

    deinit { storage.deallocate() }

    /// Distinct, recognisable colour per pixel: 0x00yyxx with a salt.
    func fillPattern(salt: UInt32 = 0x40_0000) {
        for y in 0 ..< height {
            for x in 0 ..< width {
                surface.setPixel(x: x, y: y, Color(xrgb: salt | UInt32(y) << 8 | UInt32(x)))
            }
        }
    }

    /// The surface's pixels, row-major `width * height`.
    var grid: [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(width * height)
        for y in 0 ..< height {
            for x in 0 ..< width { out.append(surface.row(y)[x]) }
        }
        return out
    }

    /// True when every word outside the surface still holds the sentinel.
    var guardsIntact: Bool {
        let base = guardRows * stride + leftGuard
        for index in 0 ..< count {
            let offset = index - base
            let inside = offset >= 0 && offset / stride < height && offset % stride < width
            if !inside && storage[index] != Self.sentinel { return false }
        }
        return true
    }
}

extension SplitMix64 {
    /// A rectangle that may stick out of, or lie wholly outside, a w×h surface,
    /// and is sometimes empty or negative-sized.
    mutating func rect(around size: Size, slack: Int = 4) -> Rect {
        Rect(
            x: Int.random(in: -slack ... size.width + slack, using: &self),
            y: Int.random(in: -slack ... size.height + slack, using: &self),
            width: Int.random(in: -2 ... size.width + slack, using: &self),
            height: Int.random(in: -2 ... size.height + slack, using: &self))
    }

    mutating func point(around size: Size, slack: Int = 4) -> Point {
        Point(
            x: Int.random(in: -slack - size.width ... size.width + slack, using: &self),
            y: Int.random(in: -slack - size.height ... size.height + slack, using: &self))
    }
}
