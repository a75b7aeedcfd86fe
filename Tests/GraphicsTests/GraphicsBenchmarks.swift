import Graphics
import XCTest

/// Micro-benchmarks: they print figures and assert nothing (speed is not
/// behaviour). Meaningful in release:
///
///     swift test -c release --filter GraphicsBenchmarks
///
/// Debug builds run a token number of iterations so `swift test` stays quick.
final class GraphicsBenchmarks: XCTestCase {
    #if DEBUG
    let scale = 1
    let build = "debug"
    #else
    let scale = 100
    let build = "release"
    #endif

    /// A heap framebuffer of the given shape, zeroed.
    final class Framebuffer {
        let storage: UnsafeMutablePointer<UInt32>
        let surface: Surface
        init(width: Int, height: Int, stride: Int) {
            storage = .allocate(capacity: stride * height)
            storage.initialize(repeating: 0, count: stride * height)
            surface = Surface(pixels: storage, width: width, height: height, stride: stride)
        }
        deinit { storage.deallocate() }
        /// Reading the pixels keeps the optimiser from discarding the drawing.
        var checksum: UInt32 {
            var sum: UInt32 = 0
            for i in 0 ..< surface.stride * surface.height { sum = sum &* 31 &+ storage[i] }
            return sum
        }
    }

    func seconds(_ body: () -> Void) -> Double {
        let elapsed = ContinuousClock().measure(body)
        let (s, attoseconds) = elapsed.components
        return Double(s) + Double(attoseconds) * 1e-18
    }

    func report(_ what: String, _ figure: String) {
        print("[GraphicsBenchmarks \(build)] \(what): \(figure)")
    }

    func megabytesPerSecond(_ bytes: Int, _ time: Double) -> String {
        let rate = Double(bytes) / time / 1e6
        return "\(Int(rate.rounded())) MB/s"
    }

    func testFillFullSurface() {
        for stride in [1024, 1040] {
            let fb = Framebuffer(width: 1024, height: 768, stride: stride)
            let rounds = 10 * scale
            let time = seconds {
                for round in 0 ..< rounds {
                    fb.surface.fill(fb.surface.bounds, color: Color(xrgb: UInt32(round)))
                }
            }
            _ = fb.checksum
            report("fill 1024x768 stride \(stride) ×\(rounds)",
                   megabytesPerSecond(1024 * 768 * 4 * rounds, time)
                   + ", \(Int((Double(rounds) / time).rounded())) fills/s")
        }
    }

    func testScrollUpSixteenRows() {
        for stride in [1024, 1040] {
            let fb = Framebuffer(width: 1024, height: 768, stride: stride)
            for y in 0 ..< 768 { fb.surface.fill(Rect(x: 0, y: y, width: 1024, height: 1), color: Color(xrgb: UInt32(y))) }
            let rounds = 10 * scale
            let band = Rect(x: 0, y: 16, width: 1024, height: 768 - 16)
            let time = seconds {
                for _ in 0 ..< rounds { fb.surface.copy(from: band, to: .zero) }
            }
            _ = fb.checksum
            report("scroll-up copy 1024x752 by 16 rows, stride \(stride) ×\(rounds)",
                   megabytesPerSecond(band.area * 4 * rounds, time)
                   + ", \(Int((Double(rounds) / time).rounded())) scrolls/s")
        }
    }

    func testBlendGlyphs() {
        // A handful of glyph-like 9×17 masks (coverage 0/255 with soft edges).
        var rng = SplitMix64(seed: 10)
        let glyphs = (0 ..< 16).map { _ in Mask(width: 9, height: 17, pitch: 9, rng: &rng) }
        let fb = Framebuffer(width: 1024, height: 768, stride: 1024)
        fb.surface.clear(Color(xrgb: 0x10_1820))
        let count = 10_000
        let columns = 1024 / 9, rows = 768 / 17
        for withBackground in [false, true] {
            let time = seconds {
                for _ in 0 ..< scale {
                    for i in 0 ..< count {
                        let origin = Point(x: (i % columns) * 9, y: (i / columns % rows) * 17)
                        glyphs[i & 15].bytes.withUnsafeBufferPointer { mask in
                            if withBackground {
                                fb.surface.blend(coverage: mask.baseAddress!, width: 9, height: 17, pitch: 9,
                                                 at: origin, color: .white, background: .black)
                            } else {
                                fb.surface.blend(coverage: mask.baseAddress!, width: 9, height: 17, pitch: 9,
                                                 at: origin, color: Color(xrgb: 0xE0_E0E0))
                            }
                        }
                    }
                }
            }
            _ = fb.checksum
            let glyphsPerSecond = Double(count * scale) / time
            report("blend \(count)×\(scale) glyphs 9x17\(withBackground ? " over opaque background" : "")",
                   "\(Int(glyphsPerSecond.rounded())) glyphs/s, "
                   + "\(Int((glyphsPerSecond * 153 / 1e6).rounded())) Mpixel/s, "
                   + "\(Int((time / Double(scale) * 1e6).rounded())) µs per 10,000")
        }
    }

    func testDamageTracking() {
        // A terminal frame's worth of cell damage: scattered 9×17 cells on a
        // 1024×768 surface, 16-entry list.
        var rng = SplitMix64(seed: 11)
        let cells = (0 ..< 4096).map { _ in
            Rect(x: Int.random(in: 0 ..< 113, using: &rng) * 9, y: Int.random(in: 0 ..< 45, using: &rng) * 17,
                 width: 9, height: 17)
        }
        var damage = DamageTracker(width: 1024, height: 768)
        var flushed = 0
        let rounds = 2 * scale
        let time = seconds {
            for _ in 0 ..< rounds {
                for (i, cell) in cells.enumerated() {
                    damage.add(cell)
                    if i & 63 == 63 { damage.drain { flushed += $0.area } }
                }
            }
        }
        XCTAssertGreaterThan(flushed, 0)
        report("damage add 9x17 cells (drain every 64)",
               "\(Int((Double(cells.count * rounds) / time).rounded())) adds/s")
    }
}
